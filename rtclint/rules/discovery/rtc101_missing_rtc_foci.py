"""The client well-known has no `org.matrix.msc4143.rtc_foci`.

## What it does
Reports a client well-known (served by a proxy, a static file, a ConfigMap or
Synapse's `extra_well_known_client_content`) whose JSON has no
`org.matrix.msc4143.rtc_foci` key, when nothing else in the tree advertises a
transport (Synapse `matrix_rtc.transports`, ESS Matrix RTC). When Synapse does
advertise one, RTC108 reports the mismatch instead.

## Why
Element Call up to 0.23, and Element Web builds that bundle it, find the call backend
only through this key. Without it they show `MISSING_MATRIX_RTC_FOCUS` /
`MISSING_MATRIX_RTC_TRANSPORT`.

## Example
```nginx
location = /.well-known/matrix/client {
    default_type application/json;
    add_header Access-Control-Allow-Origin * always;
    return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
}
```

## Fix
Safe when the tree names exactly one public URL of the JWT service (a proxy route to
lk-jwt-service, or a `livekit_service_url` written elsewhere): the key is added with
one `livekit` entry for that URL, in the body's own JSON style. Otherwise manual: add
`"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url":
"https://<jwt-service-host>"}]`.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Fix, Related, Severity
from rtclint.model import RTC_FOCI_KEY
from rtclint.rules.common.roles import PublicUrl, jwt_public_urls
from rtclint.rules.common.wkedit import body_edit, where
from rtclint.rules.discovery.well_known_json import client_well_knowns, foci_member, node_span, parsed

CODE = "RTC101"
NAME = "missing-rtc-foci"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    if transports_elsewhere(dep):
        return
    urls = None
    for wk in client_well_knowns(ctx):
        if wk.source in ("continuwuity", "tuwunel"):
            continue  # built from the TOML config: RTC700 reports it there
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict) or foci_member(value, root)[0] is not None:
            continue
        if urls is None:
            urls = sorted(named_jwt_urls(ctx))
            wanted = set(urls)  # once, not per well-known: a big tree names thousands
            published = [(u, route) for u, (_site, route) in jwt_public_urls(ctx).items() if u in wanted][:3]
        fix = None
        if len(urls) == 1 and root is not None and root.kind == "object":
            entry = [{"type": "livekit", "livekit_service_url": urls[0]}]
            from rtclint.rules.common.jsonedit import add_member_text  # only to offer the fix

            at, text = add_member_text(wk.body, root, RTC_FOCI_KEY, entry)
            edit = body_edit(dep, wk, at, at, text)
            if edit is not None:
                fix = Fix(Applicability.SAFE, f"add rtc_foci with the JWT service at {urls[0]}", (edit,))
        hint = (f"add \"{RTC_FOCI_KEY}\": [{{\"type\": \"livekit\", \"livekit_service_url\": \"{urls[0]}\"}}]"
                if len(urls) == 1 else
                f"add \"{RTC_FOCI_KEY}\": [{{\"type\": \"livekit\", \"livekit_service_url\": "
                f"\"https://<the JWT service's public URL>\"}}]"
                + (f" (the tree names several: {', '.join(urls[:3])}"  # a big tree names thousands
                   + (f", … ({len(urls)} in all)" if len(urls) > 3 else "") + ")" if urls else ""))
        related = [Related(route.span, f"the proxy publishes the JWT service at {u}") for u, route in published]
        yield ctx.report(
            node_span(wk, root) if root is not None else wk.span,
            f"{where(wk)} has no \"{RTC_FOCI_KEY}\" and nothing else in the tree advertises a MatrixRTC "
            f"transport, so Element Call cannot find the call backend (MISSING_MATRIX_RTC_FOCUS); {hint}",
            fix=fix, related=related,
        )


def transports_elsewhere(dep) -> list[Related]:
    """Places other than client well-knowns that advertise a MatrixRTC transport."""
    found = []
    for cfg in dep.synapse:
        if cfg.transports:
            first = cfg.transports[0]
            found.append(Related(first.span or cfg.span, "Synapse advertises matrix_rtc.transports here"))
    for cfg in getattr(dep, "toml_homeservers", ()):
        if cfg.transports:
            found.append(Related(cfg.transports[0].span or cfg.span, f"{cfg.flavor} advertises a transport here"))
    for ess in dep.ess:
        try:
            enabled = ess.component_enabled("matrixRTC")
        except Exception:  # an ESS reader without chart defaults: only what is written counts
            flag = ess.matrix_rtc.get("enabled")
            enabled = bool(flag and flag.value is True)
        if enabled:
            found.append(Related(ess.span, "ESS publishes rtc_foci and matrix_rtc.transports for matrixRTC"))
    return found


def named_jwt_urls(ctx) -> set[str]:
    """Every JWT-service public URL the tree names: proxy routes to the JWT service,
    Synapse transports and livekit_service_urls in other well-knowns."""
    dep = ctx.deployment
    urls = set(jwt_public_urls(ctx))
    for cfg in [*dep.synapse, *getattr(dep, "toml_homeservers", ())]:
        for t in cfg.transports:
            if isinstance(t.value, dict):
                url = t.value.get("livekit_service_url") or t.value.get("url")
                if isinstance(url, str):
                    urls.add(url)
    for wk in dep.well_knowns("client"):
        value, _ = wk.parse()
        foci = value.get(RTC_FOCI_KEY) if isinstance(value, dict) else None
        for entry in foci if isinstance(foci, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("livekit_service_url"), str):
                urls.add(entry["livekit_service_url"])
    normalized = {}
    for url in urls:
        parsed_url = PublicUrl.parse(url)
        if parsed_url is not None and parsed_url.scheme == "https":
            normalized[parsed_url.text()] = url
    return set(normalized)
