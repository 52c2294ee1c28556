"""Synapse 1.161 or newer serves a transport with only `livekit_service_url`.

## What it does
When the targeted Synapse is 1.161 or newer (a pinned image tag, else the configured
target, else the newest release), reports each `type: livekit` transport in
`matrix_rtc.transports` that has `livekit_service_url` but no `url`.

## Why
Synapse 1.161 added `url`, the SFU's `wss://` address (the JWT service's
`LIVEKIT_URL`): with it, newer clients ask the homeserver for a token instead of
calling the JWT service directly (synapse 1.163.2 `docs/upgrade.md`). A transport
without it works for today's clients, which still use `livekit_service_url`, but
not for clients that rely on the homeserver path.

## Example
```yaml
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://rtc.example.com/livekit/jwt
```

## Fix
Manual: add `url:` with the JWT service's `LIVEKIT_URL`, and keep
`livekit_service_url` for current clients.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.transports import livekit_transports
from rtclint.rules.synapse.homeserver import synapse_version

CODE = "RTC512"
NAME = "transport-no-sfu-url"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("synapse",)
SFU_URL_SINCE = (1, 161)


def check(ctx):
    if synapse_version(ctx) < SFU_URL_SINCE:
        return
    for transport in livekit_transports(ctx):
        if transport.service_url is None or "url" in transport.entry.value:
            continue
        yield ctx.report(transport.anchor, "this livekit transport has only livekit_service_url: Synapse >= 1.161 "
                         "also takes `url` (the SFU's wss:// URL, = the JWT service's LIVEKIT_URL) for clients that "
                         "get their token through the homeserver; add it and keep livekit_service_url")
