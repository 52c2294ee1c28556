"""`LIVEKIT_URL` is not the public `wss://` URL of the LiveKit SFU.

## What it does
Checks the JWT service's `LIVEKIT_URL`: it must be `wss://` (`ws://` only where
nothing is served over TLS), without a trailing `/`.

## Why
The JWT service hands this URL to the browser, which opens a WebSocket to it. An
`https://` URL is not a WebSocket URL; a `ws://` URL from an `https://` page is
blocked as mixed content; a trailing slash makes the SDK request `//rtc`.

## Example
```
LIVEKIT_URL=https://sfu.example.com/
```

## Fix
`--fix` turns `https://` into `wss://` and removes a trailing `/`. Other schemes
need the right URL by hand.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.model.stacks import jwt_services
from rtclint.rules.common.services import doc_text, interpolated
from rtclint.urls import hostname

CODE = "RTC302"
NAME = "livekit-url-invalid"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("compose", "env", "k8s")


def check(ctx):
    dep = ctx.deployment
    for svc in jwt_services(dep):
        var = svc.env.get("LIVEKIT_URL")
        if var is None or not var.value or interpolated(var.value) or var.value_span is None:
            continue
        value = var.value.strip()
        span = var.value_span
        scheme, sep, rest = value.partition("://")
        scheme = scheme.lower() if sep else ""
        if scheme == "https":
            edit_span = Span(span.path, span.start, span.start + 5)
            fix = None
            if doc_text(dep, edit_span).lower() == "https":
                edits = [Edit(edit_span, "wss")]
                if value.endswith("/") and rest.strip("/"):
                    edits.append(Edit(Span(span.path, span.end - 1, span.end), ""))
                fix = Fix(Applicability.SAFE, "use wss://", tuple(edits))
            yield ctx.report(span, "LIVEKIT_URL must be the SFU's WebSocket URL: https:// is not a WebSocket "
                             "scheme, use wss://", fix=fix)
            continue
        if scheme not in ("wss", "ws"):
            yield ctx.report(span, f"LIVEKIT_URL must be the public wss:// URL of the LiveKit SFU, not "
                             f"`{value[:60]}`")
            continue
        host = hostname(value) or ""
        if scheme == "ws" and host and _tls_host(dep, host):
            yield ctx.report(span, f"LIVEKIT_URL uses ws:// but {host} is served over TLS: browsers on an "
                             "https:// page block it; use wss://")
            continue
        if value.endswith("/") and rest.strip("/"):
            end = Span(span.path, span.end - 1, span.end)
            fix = Fix(Applicability.SAFE, "remove the trailing /", (Edit(end, ""),)) if doc_text(dep, end) == "/" else None
            yield ctx.report(span, "LIVEKIT_URL ends with `/`: the client then requests `//rtc`; remove it",
                             fix=fix, severity=Severity.WARNING)


def _tls_host(dep, host: str) -> bool:
    return any(site.tls_ports for site in dep.sites_for_host(host) if site.hosts and "*" not in site.hosts)
