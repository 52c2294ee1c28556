"""The proxy cuts the LiveKit websocket after a short idle time.

## What it does
Reads the answers that take livekit-client's websocket (`/rtc/v1`, `/rtc`) to
LiveKit. nginx: the location answering it has `proxy_read_timeout` under 120 s (the
default is 60 s). HAProxy: a backend sending to LiveKit without `timeout tunnel`
(`timeout tunnel` in a frontend is ignored). Caddy keeps websockets open and is
never reported.

## Why
The signalling websocket can stay quiet longer than 60 s; when the proxy closes it
the client reconnects or drops out of the call.

## Example
```haproxy
backend sfu_backend
    server livekit 127.0.0.1:7880
    timeout server 120s
```

## Fix
Safe: nginx `proxy_read_timeout 120s;` (set or raised); HAProxy `timeout tunnel 1h`
in the backend.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.wkedit import insert_directive, insert_line_before
from rtclint.rules.routing.answers import sfu_answers

CODE = "RTC206"
NAME = "websocket-timeout-short"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("nginx", "haproxy")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    for found in sfu_answers(ctx):
        route = found.route
        px = route.proxy
        if found.server == "nginx":
            yield from _nginx_timeout(ctx, route, px, found.upstream.read_timeout if found.upstream else px.read_timeout)
        elif found.server == "haproxy" and (found.upstream.tunnel_timeout if found.upstream else px.tunnel_timeout) \
                is None:
            anchor = px.backend_span or px.span or route.span
            edit = insert_line_before(dep, px.span, "timeout tunnel 1h") if px.span is not None else None
            backend = f"backend {px.backend_name}" if px.backend_name else "the backend"
            yield ctx.report(anchor, f"{backend} sends the LiveKit websocket without `timeout tunnel`: HAProxy "
                             f"closes it after `timeout server`/`timeout client`; add `timeout tunnel 1h` to it "
                             f"(or to `defaults`; a `timeout tunnel` in a frontend is ignored)",
                             fix=Fix(Applicability.SAFE, "add `timeout tunnel 1h` to the backend", (edit,))
                             if edit else None)


def _nginx_timeout(ctx, route, px, read_timeout):
    timeout = read_timeout if read_timeout is not None else 60.0
    if timeout >= 120:
        return
    dep = ctx.deployment
    if px.read_timeout_span is not None and _inside(route, px.read_timeout_span):
        fix = Fix(Applicability.SAFE, "raise proxy_read_timeout to 120s",
                  (Edit(px.read_timeout_span, "proxy_read_timeout 120s;"),))
    else:
        edit = insert_directive(dep, route, "proxy_read_timeout 120s;")
        fix = Fix(Applicability.SAFE, "set proxy_read_timeout 120s in the location", (edit,)) if edit else None
    what = f"proxy_read_timeout is {timeout:g}s" + ("" if read_timeout is not None else " (the default)")
    yield ctx.report(px.read_timeout_span if px.read_timeout_span is not None and _inside(route, px.read_timeout_span)
                     else (px.span or route.span),
                     f"`{route.name or 'location'}` proxies the LiveKit websocket but {what}: nginx closes a quiet "
                     f"websocket after that; use at least 120s", fix=fix)


def _inside(route, span: Span) -> bool:
    block = route.facts.get("block_span")
    return block is None or (span.path == block.path and block.start <= span.start < block.end)
