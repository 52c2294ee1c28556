"""A Synapse transport has `url` but no `livekit_service_url`.

## What it does
Reports each `type: livekit` entry of `matrix_rtc.transports` that sets `url` (the
SFU) without `livekit_service_url` (the JWT service).

## Why
Synapse 1.161 added `url` so that clients can reach the JWT service through the
homeserver. Clients released so far still need `livekit_service_url`: Element Call
up to 0.26.1 skips a transport without it (`RtcTransportAutoDiscovery.ts`; js-sdk 43
`LivekitTransport.ts`), so users see `MISSING_MATRIX_RTC_TRANSPORT` and cannot call.

## Example
```yaml
matrix_rtc:
  transports:
    - type: livekit
      url: wss://sfu.example.com
```

## Fix
Safe when the tree names exactly one public URL of the JWT service (where a proxy
publishes it, or the client well-known's `livekit_service_url`): adds
`livekit_service_url:` with it, keeping `url`. Otherwise manual.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Fix, Severity
from rtclint.rules.common.roles import jwt_public_urls
from rtclint.rules.discovery.advertised import foci_urls
from rtclint.rules.common.transports import add_beside, livekit_transports

CODE = "RTC112"
NAME = "transport-url-only"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse",)


def check(ctx):
    for transport in livekit_transports(ctx):
        if transport.url is None or "livekit_service_url" in transport.entry.value:
            continue
        yield ctx.report(transport.anchor, "this livekit transport has `url` but no `livekit_service_url`: Element "
                         "Call up to 0.26.1 skips it and users see MISSING_MATRIX_RTC_TRANSPORT; keep `url` and add "
                         "livekit_service_url (the JWT service's public https URL)", fix=_fix(ctx, transport))


def _fix(ctx, transport) -> Fix | None:
    known = _jwt_urls(ctx)
    if len(known) != 1:
        return None
    url = known.pop()
    edit = add_beside(ctx, transport.url, "livekit_service_url", url)
    return Fix(Applicability.SAFE, f"add livekit_service_url: {url}", (edit,)) if edit is not None else None


def _jwt_urls(ctx) -> set[str]:
    """The JWT service's public URLs the tree names: proxies that publish it, well-knowns."""
    urls = {url.rstrip("/") for url in jwt_public_urls(ctx)}
    for wk in ctx.deployment.well_knowns("client"):
        urls.update(url.rstrip("/") for url in foci_urls(wk) if url.startswith("https://"))
    return urls
