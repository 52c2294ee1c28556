"""The well-known, Synapse's transports and the ESS values name different call backends.

## What it does
For each homeserver (server_name), collects the `livekit_service_url` of the first
`rtc_foci` entry of each client well-known, the first of Synapse's
`matrix_rtc.transports`, and the one the ESS chart renders, and reports when they
differ (compared without a trailing slash or a default port). Different
homeservers in one tree are never compared with each other. Also reports ESS values
whose `wellKnownDelegation.additional.client` names its own `rtc_foci`: the chart
serves `https://<matrixRTC.ingress.host>` over it, so that URL is never published.

## Why
Clients that read the well-known and clients that read the transports endpoint then
use different JWT services; at best one of them is the working one, and participants
of one call may land on different SFUs.

## Example
`"livekit_service_url": "https://rtc.example.com"` in the well-known and
`livekit_service_url: https://livekit-jwt.example.com` in homeserver.yaml.

## Fix
Manual: decide which URL is right and write it in every place.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.model import WellKnown
from rtclint.rules.discovery.advertised import foci_urls, url_span
from rtclint.rules.discovery.homeserver_groups import groups
from rtclint.urls import urlsplit

CODE = "RTC109"
NAME = "transport-urls-disagree"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes", "json", "synapse", "ess", "toml")


def check(ctx):
    yield from _ess_additional_foci_ignored(ctx)
    for group in groups(ctx):
        named: list[tuple[str, Span, str]] = []
        for wk in group.well_knowns:
            if wk.source in ("continuwuity", "tuwunel"):
                continue  # built from the TOML's transports, compared below
            urls = foci_urls(wk)
            if urls:
                named.append((urls[0], url_span(ctx, wk, urls[0]), f"the client well-known ({wk.span.path})"))
        if group.hs is not None:
            urls = group.hs.transport_urls()
            if urls and urls[0][1] is not None:
                named.append((urls[0][0], urls[0][1], f"matrix_rtc.transports ({urls[0][1].path})"))
        distinct = {_normalise(url) for url, _, _ in named}
        if len(distinct) < 2:
            continue
        anchor = next((n for n in named if n[2].startswith("matrix_rtc")), named[-1])
        others = [n for n in named if n is not anchor]
        listing = "; ".join(f"{what}: {url}" for url, _, what in named)
        yield ctx.report(
            anchor[1],
            f"the call backend URLs for {group.server_name or 'this homeserver'} disagree — {listing}",
            related=[Related(span, f"{what} names {url}") for url, span, what in others],
        )


def _normalise(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip().rstrip("/")
    host = (parts.hostname or "").lower()
    default = 443 if parts.scheme.lower() in ("https", "wss") else 80
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def _ess_additional_foci_ignored(ctx):
    """ESS values that write their own rtc_foci in `wellKnownDelegation.additional.client`
    name a URL the chart never serves (its own rtc_foci replaces them)."""
    for values in ctx.deployment.ess:
        additional = values.well_known.get("additional.client")
        chart_url = values.chart_view.chart_transport_url()
        if additional is None or not isinstance(additional.value, str) or chart_url is None:
            continue
        mine = WellKnown(which="client", body=additional.value, span=additional.span or values.span, source="ess")
        urls = foci_urls(mine)
        if urls and _normalise(urls[0]) != _normalise(chart_url) and values.chart_view.component_enabled(
                "wellKnownDelegation"):
            yield ctx.report(
                additional.span or values.span,
                f"wellKnownDelegation.additional.client names rtc_foci {urls[0]}, but the chart serves its own "
                f"rtc_foci ({chart_url}, from matrixRTC.ingress.host) over it: clients never see {urls[0]}",
            )
