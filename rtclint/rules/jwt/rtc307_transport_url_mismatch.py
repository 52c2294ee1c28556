"""A Synapse transport's `url` is not the JWT service's `LIVEKIT_URL`.

## What it does
Compares the `url` of each `type: livekit` entry in Synapse's
`matrix_rtc.transports` with the `LIVEKIT_URL` of the JWT services in the tree, byte
for byte (a trailing `/` counts), and reports a `url` that equals none of them.
Values rtclint cannot read (from the shell, a Secret, an unresolved `${VAR}`, a
template) are left alone.

## Why
A client that gets its token through the homeserver sends the transport's `url` to
lk-jwt-service, which accepts only its own `LIVEKIT_URL`, compared as strings: any
other value is answered 400 `M_INVALID_PARAM`, and the call does not start
(lk-jwt `src/handler.rs`).

## Example
```yaml
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://rtc.example.com/livekit/jwt
      url: wss://rtc.example.com/livekit/sfu/
```
with `LIVEKIT_URL=wss://rtc.example.com/livekit/sfu` on the JWT service.

## Fix
Safe when the tree has exactly one JWT service URL: writes that `LIVEKIT_URL` as the
transport's `url`. Otherwise manual.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import jwt_services
from rtclint.rules.common.transports import livekit_transports

CODE = "RTC307"
NAME = "transport-url-mismatch"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse", "compose", "env", "k8s")

# A URL that YAML reads back as the same plain string (compiled by re's cache when a fix
# is first built: most runs build none).
_PLAIN_SAFE = r"[A-Za-z][A-Za-z0-9+.-]*://[^\s#'\"{}\[\],]*"


def check(ctx):
    sfu_urls = _livekit_urls(ctx)
    if not sfu_urls:
        return
    for transport in livekit_transports(ctx):
        url = transport.entry.value.get("url")
        if not isinstance(url, str) or _unreadable(url) or url in sfu_urls or transport.url is None:
            continue
        related = [Related(var.value_span or var.span, "LIVEKIT_URL of the JWT service") for var in sfu_urls.values()]
        wanted = " or ".join(repr(u) for u in sfu_urls)
        yield ctx.report(transport.url.span or transport.anchor, f"transport url {url!r} is not byte-equal to the "
                         f"JWT service's LIVEKIT_URL ({wanted}): token requests through the homeserver get 400 "
                         "M_INVALID_PARAM", fix=_fix(ctx, transport, sfu_urls), related=related)


def _unreadable(text: str) -> bool:
    return "$" in text or "{{" in text


def _livekit_urls(ctx) -> dict:
    """LIVEKIT_URL value -> its variable, for the JWT services whose value the tree shows."""
    found = {}
    for svc in jwt_services(ctx.deployment):
        var = svc.env.get("LIVEKIT_URL")
        if var is None or var.value is None or var.from_secret or not var.value.strip():
            continue
        if _unreadable(var.value):
            return {}  # one value we cannot read might be the one that matches
        found.setdefault(var.value, var)
    return found


def _fix(ctx, transport, sfu_urls) -> Fix | None:
    if len(sfu_urls) != 1:
        return None
    wanted = next(iter(sfu_urls))
    located = transport.url
    doc = ctx.deployment.documents.get(located.span.path) if located.span is not None else None
    if doc is None:
        return None
    written = doc.text[located.span.start:located.span.end].rstrip()
    quote = written[:1] if written[:1] in "\"'" else ""
    if quote and (quote not in wanted and "\\" not in wanted):
        new = f"{quote}{wanted}{quote}"
    elif not quote and re.fullmatch(_PLAIN_SAFE, wanted):
        new = wanted
    else:
        return None
    span = Span(doc.path, located.span.start, located.span.start + len(written))
    return Fix(Applicability.SAFE, f"set url: {wanted}", (Edit(span, new),))
