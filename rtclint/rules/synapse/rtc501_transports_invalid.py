"""MSC4143 is on but the transports Synapse serves are missing or unusable.

## What it does
Reports `msc4143_enabled: true` with no `matrix_rtc.transports` (the endpoint answers
`{}`), a transport without a string `type`, a `livekit` transport without
`livekit_service_url` (or `url`), and a `livekit_service_url` that is not `https://`.

## Why
Up to Synapse 1.160 the entries are served exactly as written, unchecked, and a
client that gets a broken entry has no call backend. From 1.161 Synapse validates
`type` and the URL itself and refuses to start (`Could not validate matrix_rtc
config`). The JWT service behind `livekit_service_url` is an HTTPS API (the client
POSTs to `<url>/get_token`); `ws(s)://` is the SFU's URL, not this one.

## Example
```yaml
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: wss://livekit.example.com
```

## Fix
Manual: list the JWT service's public `https://` base URL.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.document import Span
from rtclint.rules.common.synapse_view import Homeserver, homeservers
from rtclint.rules.synapse.homeserver import synapse_version

CODE = "RTC501"
NAME = "transports-invalid"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("synapse",)
TRANSPORTS_VALIDATED_SINCE = (1, 161)


def check(ctx):
    fatal = synapse_version(ctx) >= TRANSPORTS_VALIDATED_SINCE
    for hs in homeservers(ctx):
        flag = hs.flag("msc4143_enabled")
        transports = hs.transports()
        if flag is not None and flag.value is True and not transports:
            yield ctx.report(flag.span, "msc4143_enabled is true but matrix_rtc.transports is empty or missing: "
                             "the transports endpoint answers {} and clients find no call backend")
        part = hs.owner("matrix_rtc")
        shape = _matrix_rtc_shape_problem(hs)
        if shape is not None:
            located, problem = shape
            yield ctx.report(located.span or located.key_span, problem + (" — Synapse >= 1.161 refuses to start with "
                             "it" if fatal else " — Synapse serves nothing usable"))
        for index, entry in enumerate(transports):
            problem, span = _transport_problem(part, index, entry)
            if problem is None:
                continue
            consequence = (" — Synapse >= 1.161 refuses to start with it" if fatal and problem.startswith("!")
                           else "")
            yield ctx.report(span, problem.lstrip("!") + consequence)


def _matrix_rtc_shape_problem(hs: Homeserver):
    """`matrix_rtc` that is not a mapping, or `transports` that is not a list."""
    rtc, _ = hs.get("matrix_rtc")
    if rtc is None or rtc.value is None:
        return None
    if not isinstance(rtc.value, dict):
        return rtc, "matrix_rtc must be a mapping with a `transports:` list"
    transports, _ = hs.get("matrix_rtc.transports")
    if transports is not None and transports.value is not None and not isinstance(transports.value, list):
        return transports, "matrix_rtc.transports must be a list of transports (`- type: livekit`)"
    return None


def _transport_problem(part, index: int, entry) -> tuple[str | None, Span]:
    value = entry.value
    span = entry.span
    if not isinstance(value, dict):
        return "!matrix_rtc.transports entries must be mappings with a `type`", span
    kind = value.get("type")
    if not isinstance(kind, str):
        return "!this transport has no string `type` (clients skip it; use `type: livekit`)", span
    if kind != "livekit":
        return None, span
    url = value.get("livekit_service_url")
    located = part.keys.get(f"matrix_rtc.transports[{index}].livekit_service_url")
    if url is None and value.get("url") is None:
        return "!this livekit transport has no `livekit_service_url` (the JWT service's https URL)", span
    if url is not None and (not isinstance(url, str) or not url.lower().startswith("https://")):
        where = located.span if located is not None else span
        return (f"livekit_service_url must be the JWT service's absolute https:// URL, not {url!r} "
                "(clients POST to <url>/get_token)"), where
    return None, span
