"""Only one of the two discovery paths advertises the call backend.

## What it does
For each homeserver, compares the client well-known (`org.matrix.msc4143.rtc_foci`)
with Synapse's `matrix_rtc.transports`. Reports a well-known with rtc_foci while the
homeserver.yaml in the tree has no transports, and transports in Synapse while the
client well-known served for that server_name has no rtc_foci.

## Why
Element Call 0.24 and newer read only
`/_matrix/client/unstable/org.matrix.msc4143/rtc/transports` (served by Synapse from
`matrix_rtc.transports`); Element Web bundles with an older Element Call and older
Element X read only the well-known. A deployment that publishes one of them works
for some clients and fails for the others with `MISSING_MATRIX_RTC_TRANSPORT`.

## Example
A Caddy `respond` serving rtc_foci, and a homeserver.yaml without `matrix_rtc:`.

## Fix
Safe when homeserver.yaml is in the tree: adds `matrix_rtc.transports` with the
well-known's URL (and `msc4143_enabled: true`). The reverse needs the rtc_foci
added to the well-known (see RTC101).
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.common.synapse_view import Homeserver, append_at_end, merge_appends, set_setting
from rtclint.rules.discovery.advertised import foci_urls, has_foci
from rtclint.rules.discovery.homeserver_groups import Group, groups

CODE = "RTC108"
NAME = "transports-not-advertised"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes", "json", "synapse", "ess", "toml")


def check(ctx):
    for group in groups(ctx):
        hs = group.hs
        if hs is None:
            continue
        foci = [wk for wk in group.well_knowns if has_foci(wk)]
        if foci and not hs.transports() and _ess_transport(group) is None:
            urls = foci_urls(foci[0])
            yield ctx.report(
                _hs_anchor(hs),
                f"the client well-known ({foci[0].span.path}) advertises rtc_foci but {_no_transports(hs)}: "
                "Element Call >= 0.24 reads only the homeserver's transports endpoint and finds no call backend",
                fix=_add_transports_fix(ctx, hs, urls[0] if urls else None),
                related=[Related(foci[0].span, "rtc_foci advertised here")],
            )
        served = [wk for wk in group.well_knowns
                  if not wk.facts.get("chart") and wk.source not in ("synapse", "continuwuity", "tuwunel")]
        calls_on = hs.flag_on("msc4143_enabled") or hs.first.flavor != "synapse"  # TOML: no such flag
        if hs.transports() and calls_on and served and not any(has_foci(wk) for wk in served):
            wk = served[0]
            yield ctx.report(
                wk.span,
                f"{_advertises(hs)} ({hs.first.path}) but this client well-known has no "
                "org.matrix.msc4143.rtc_foci: older clients (Element Call < 0.24 inside Element Web) find no "
                "call backend",
            )


def _no_transports(hs: Homeserver) -> str:
    if hs.first.flavor == "tuwunel":
        return "Tuwunel has no [global.well_known] livekit_url or rtc_transports"
    if hs.first.flavor != "synapse":
        return f"{hs.first.flavor.capitalize()} has no [global.matrix_rtc] foci"
    return "Synapse has no matrix_rtc.transports"


def _advertises(hs: Homeserver) -> str:
    if hs.first.flavor == "synapse":
        return "Synapse advertises matrix_rtc.transports"
    return f"{hs.first.flavor.capitalize()} publishes a transport"


def _ess_transport(group: Group) -> str | None:
    for values in group.ess:
        url = values.chart_view.chart_transport_url()
        if url is not None and values.chart_view.component_enabled("synapse"):
            return url
    return None


def _hs_anchor(hs: Homeserver) -> Span:
    for path in ("matrix_rtc", "experimental_features.msc4143_enabled", "experimental_features", "server_name"):
        located, _ = hs.get(path)
        if located is not None:
            return located.key_span or located.span
    return Span(hs.first.path, 0, 0)


def _add_transports_fix(ctx, hs: Homeserver, url: str | None) -> Fix | None:
    if not url or not url.lower().startswith("https://") or hs.owner("matrix_rtc") is not None \
            or hs.first.flavor != "synapse":  # a TOML homeserver: RTC700 adds its foci
        return None
    cfg = hs.main or hs.first
    doc = ctx.deployment.documents.get(cfg.path)
    if doc is None:
        return None
    nl = doc.newline
    edits = [append_at_end(doc, f"matrix_rtc:{nl}  transports:{nl}    - type: livekit{nl}"
                           f"      livekit_service_url: {url}{nl}")]
    if not hs.flag_on("msc4143_enabled"):
        owner = hs.owner("experimental_features") or cfg
        owner_doc = ctx.deployment.documents.get(owner.path)
        if owner_doc is not None:
            edits = set_setting(owner_doc, owner, "experimental_features", "msc4143_enabled", "true") + edits
    return Fix(Applicability.SAFE, f"add matrix_rtc.transports with {url}", tuple(merge_appends(edits)))
