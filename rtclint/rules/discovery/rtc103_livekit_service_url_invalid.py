"""`livekit_service_url` is not the https base URL of the JWT service.

## What it does
Checks each `livekit` entry's `livekit_service_url`: it must be an absolute
`https://` URL (error for `http://`, `ws://`, `wss://` or a relative URL); it must
not point at the LiveKit SFU (port 7880, a `/livekit/sfu` path, or the JWT service's
own `LIVEKIT_URL`) (error); it should not end with `/` (warning).

## Why
The client POSTs to `<livekit_service_url>/get_token` (falling back to `/sfu/get`)
on the JWT service (lk-jwt-service), which answers with the SFU's `wss://` address.
The SFU itself does not answer these requests, and a trailing slash makes the path
`//get_token`, which the service does not route.

## Example
```json
{"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "wss://livekit.example.com"}]}
```

## Fix
Safe for a trailing slash (it is removed). Otherwise manual: use the https URL at
which the proxy publishes lk-jwt-service.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Fix, Related, Severity
from rtclint.rules.common.roles import PublicUrl, env_value
from rtclint.rules.common.wkedit import body_edit, where
from rtclint.rules.discovery.well_known_json import client_well_knowns, livekit_entries, node_span, parsed

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

CODE = "RTC103"
NAME = "livekit-service-url-invalid"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    sfu_urls = _sfu_urls(dep)
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        for i, entry, node in livekit_entries(value, root):
            url = entry.get("livekit_service_url")
            if not url:
                continue
            yield from _check_service_url(ctx, wk, url, node, sfu_urls)


class _SfuUrls(list):
    """(url, LIVEKIT_URL variable) pairs, with `places`: (host, port, path) -> the first
    variable there, so each well-known is matched by a lookup, not a scan of them all."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self.places: dict[tuple, Any] = {}
        for url, var in self:
            self.places.setdefault((url.host, url.port, url.path), var)


def _sfu_urls(dep) -> list[tuple[PublicUrl, Any]]:
    found = []
    for svc in dep.services_by_role("jwt"):
        text = env_value(svc, "LIVEKIT_URL")
        parsed_url = PublicUrl.parse(text) if text else None
        if parsed_url is not None:
            found.append((parsed_url, svc.env["LIVEKIT_URL"]))
    return _SfuUrls(found)


def _check_service_url(ctx, wk, url, node, sfu_urls):
    span = node_span(wk, node)
    name = f"livekit_service_url \"{url}\" in {where(wk)}"
    parsed_url = PublicUrl.parse(url) if isinstance(url, str) else None
    if parsed_url is None:
        yield ctx.report(span, f"{name} is not an absolute URL; it must be the https:// base URL of the JWT "
                         f"service (lk-jwt-service)")
        return
    if parsed_url.scheme in ("ws", "wss"):
        yield ctx.report(span, f"{name} is a WebSocket URL: livekit_service_url is the https:// base URL of the "
                         f"JWT service (lk-jwt-service), not of the LiveKit SFU")
        return
    if parsed_url.scheme != "https":
        yield ctx.report(span, f"{name} must use https://: browsers refuse {parsed_url.scheme}:// from an https "
                         f"page and the JWT request carries an OpenID token")
        return
    sfu_reason = _sfu_reason(parsed_url, sfu_urls)
    if sfu_reason:
        related = [Related(var.value_span or var.span, "LIVEKIT_URL of the JWT service")
                   for u, var in sfu_urls if u.same_place(parsed_url)]
        yield ctx.report(span, f"{name} points at the LiveKit SFU ({sfu_reason}); it must be the base URL of the "
                         f"JWT service, which answers /get_token and hands out the SFU address", related=related)
        return
    if url.endswith("/"):
        yield _trailing_slash(ctx, wk, url, node, span, name)


def _sfu_reason(url: PublicUrl, sfu_urls) -> str:
    if url.port == 7880:
        return "port 7880 is LiveKit's HTTP/WebSocket port"
    if "/livekit/sfu" in url.path:
        return "the /livekit/sfu path is where the SFU is usually mounted"
    places = getattr(sfu_urls, "places", None)
    if places is not None:
        var = places.get((url.host, url.port, url.path))  # = the first that is same_place
        return f"it is the JWT service's LIVEKIT_URL in {var.span.path}" if var is not None else ""
    for sfu, var in sfu_urls:
        if sfu.same_place(url):
            return f"it is the JWT service's LIVEKIT_URL in {var.span.path}"
    return ""


def _trailing_slash(ctx, wk, url, node, span, name):
    fix = None
    if node is not None and wk.value is None:
        raw = wk.body[node.start + 1:node.end - 1]
        keep = len(re.sub(r"(?:\\?/)+$", "", raw))
        start = node.start + 1 + keep
        edit = body_edit(ctx.deployment, wk, start, node.end - 1, "")
        if edit is not None:
            fix = Fix(Applicability.SAFE, "remove the trailing '/'", (edit,))
    return ctx.report(span, f"{name} ends with '/': clients request {url.rstrip('/')}//get_token, which the JWT "
                      f"service does not route; remove the trailing slash", fix=fix, severity=Severity.WARNING)
