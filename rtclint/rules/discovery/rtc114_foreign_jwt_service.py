"""`livekit_service_url` names a public service that does not serve this homeserver.

## What it does
Reports a `livekit_service_url` (client well-known `rtc_foci`, Synapse
`matrix_rtc.transports`, Element Call's `config.json` `livekit`) whose host is `livekit-jwt.call.matrix.org` or
`call.element.io`.

## Why
`livekit-jwt.call.matrix.org` is the JWT service of matrix.org: since 2025 it hands
out tokens only to matrix.org users, so users of any other homeserver get no token
("Waiting for media" or `MISSING_MATRIX_RTC_*`). `call.element.io` is the Element
Call web app, not a JWT service at all: it does not answer `/get_token`
(element-x-android#4675, element-call#3510, synapse#18331).

## Example
```yaml
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://livekit-jwt.call.matrix.org
```

## Fix
Manual: run your own lk-jwt-service and LiveKit and list the JWT service's public
`https://` URL.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.discovery.advertised import foci_urls, url_span
from rtclint.rules.discovery.well_known_json import client_well_knowns
from rtclint.urls import hostname

CODE = "RTC114"
NAME = "foreign-jwt-service"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess", "element-call")

FOREIGN = {
    "livekit-jwt.call.matrix.org": "the JWT service of matrix.org, which hands out tokens to matrix.org users "
                                   "only: users of this homeserver get none (\"Waiting for media\")",
    "call.element.io": "the Element Call web app, not a JWT service: it does not answer /get_token, so clients "
                       "find no call backend",
}


def check(ctx):
    for wk in client_well_knowns(ctx):
        for url in foci_urls(wk):
            reason = _foreign(url)
            if reason:
                yield ctx.report(url_span(ctx, wk, url), f"livekit_service_url \"{url}\" is {reason}; run your own "
                                 "lk-jwt-service and LiveKit and advertise that")
    for hs in homeservers(ctx):
        for url, span in hs.transport_urls():
            reason = _foreign(url)
            if reason and span is not None:
                yield ctx.report(span, f"matrix_rtc transport livekit_service_url \"{url}\" is {reason}; run your "
                                 "own lk-jwt-service and LiveKit and list that")
    for ec in ctx.deployment.element_call:
        located = ec.get("livekit_service_url")
        reason = _foreign(located.value) if located is not None and isinstance(located.value, str) else None
        if reason and located.span is not None:
            yield ctx.report(located.span, f"Element Call's livekit.livekit_service_url \"{located.value}\" is "
                             f"{reason}; run your own lk-jwt-service and LiveKit and name that")


def _foreign(url: str) -> str | None:
    return FOREIGN.get((hostname(url.strip()) or "").rstrip(".").lower())
