"""nginx proxies to LiveKit without websocket upgrade.

## What it does
For each nginx location that the answer model says takes livekit-client's websocket
(`/rtc/v1`, `/rtc` under each `LIVEKIT_URL` and where the proxy publishes LiveKit)
to LiveKit, checks for `proxy_http_version 1.1`,
`proxy_set_header Upgrade $http_upgrade` and `proxy_set_header Connection "upgrade"`
(after nginx's inheritance: a location with its own `proxy_set_header` drops the
server's). Caddy upgrades websockets by itself and is never reported.

## Why
nginx speaks HTTP/1.0 to upstreams and drops the hop-by-hop `Upgrade`/`Connection`
headers unless told otherwise: LiveKit's signalling websocket never opens and the
call does not connect.

## Example
```nginx
location ^~ /livekit/sfu/ {
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_pass http://localhost:7880/;
}
```
(`proxy_http_version 1.1` is missing.)

## Fix
Safe: the missing directives are added to the location (with copies of inherited
`proxy_set_header`s when the location had none of its own).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.wkedit import insert_directive
from rtclint.rules.discovery.proxy_headers import own_items
from rtclint.rules.routing.answers import sfu_answers

CODE = "RTC205"
NAME = "websocket-upgrade-missing"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("nginx",)


def check(ctx) -> Iterator:
    dep = ctx.deployment
    for found in sfu_answers(ctx):
        if found.server != "nginx":
            continue
        route = found.route
        px = route.proxy
        names = {h.name.lower(): h.value for h in px.request_headers}
        missing = []
        if (px.http_version or "").strip() != "1.1":
            missing.append("proxy_http_version 1.1;")
        if "$http_upgrade" not in names.get("upgrade", "").lower():
            missing.append("proxy_set_header Upgrade $http_upgrade;")
        connection = names.get("connection", "").lower()
        if "upgrade" not in connection:
            missing.append('proxy_set_header Connection "upgrade";')
        if not missing:
            continue
        fix_lines = list(missing)
        if any(m.startswith("proxy_set_header") for m in missing) and not own_items(route, px.request_headers):
            fix_lines += [_stmt_text(dep, h.span) for h in px.request_headers if h.span is not None]
        yield ctx.report(px.span or route.span,
                         f"`{route.name or 'location'}` proxies the LiveKit websocket without "
                         f"{' and '.join(m.rstrip(';') for m in missing)}: nginx will not upgrade the connection "
                         f"and calls do not connect", fix=_insert_all(dep, route, fix_lines, "add websocket upgrade"))


def _stmt_text(dep, span: Span) -> str:
    doc = dep.documents.get(span.path)
    text = doc.text[span.start:span.end].strip() if doc else ""
    return text if text.endswith(";") else text + ";"


def _insert_all(dep, route, lines, message) -> Fix | None:
    edits = [insert_directive(dep, route, line) for line in lines]
    if not edits or any(e is None for e in edits):
        return None
    content = "".join(e.content for e in edits)
    return Fix(Applicability.SAFE, message, (Edit(edits[0].span, content),))
