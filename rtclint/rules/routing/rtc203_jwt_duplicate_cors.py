"""The proxy adds `Access-Control-Allow-Origin` in front of the JWT service.

## What it does
Reports an `Access-Control-Allow-Origin` response header that the proxy adds on a
route to lk-jwt-service (nginx `add_header`, also inherited from the server block;
Caddy `header` without `>` defer; HAProxy `http-response add-header`).

## Why
lk-jwt-service sends its own CORS headers. The proxy's copy makes the browser see
`Access-Control-Allow-Origin: *, *`, which it rejects: the token request fails.

## Example
```nginx
location /livekit/jwt/ {
    add_header Access-Control-Allow-Origin *;
    proxy_pass http://lk-jwt-service:8080/;
}
```

## Fix
Safe: delete the header directive (when it is written in that route).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Fix, Severity
from rtclint.rules.common.roles import is_jwt_route
from rtclint.rules.common.wkedit import delete_line_of, line_start
from rtclint.rules.routing.routes import ROUTING

CODE = "RTC203"
NAME = "jwt-duplicate-cors"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    for site in dep.sites:
        if site.kind not in ROUTING:
            continue
        for route in site.routes:
            if not is_jwt_route(ctx, route, site):
                continue
            headers = list(route.headers) if site.kind == "nginx" else list(site.headers) + list(route.headers)
            for h in headers:
                if h.name.lower().lstrip("+") != "access-control-allow-origin" or h.name.startswith((">", "-", "?")):
                    continue
                if site.kind == "haproxy" and h.span is not None and _haproxy_sets(dep, h):
                    continue  # set-header replaces the service's header instead of adding one
                fix = None
                block = route.facts.get("block_span")
                inside = h.span is not None and (block is None or block.start <= h.span.start < block.end)
                if h.span is not None and inside:
                    edit = delete_line_of(dep, h.span)
                    fix = Fix(Applicability.SAFE, "delete the header: lk-jwt-service sends its own", (edit,)) \
                        if edit else None
                yield ctx.report(h.span or route.span,
                                 f"the proxy adds Access-Control-Allow-Origin on `{route.name or 'the JWT route'}`, "
                                 f"but lk-jwt-service sends its own: browsers reject the doubled header and the token "
                                 f"request fails; remove it", fix=fix)


def _haproxy_sets(dep, header) -> bool:
    doc = dep.documents.get(header.span.path)
    if doc is None:
        return False
    start = line_start(doc.text, header.span.start)
    return "set-header" in doc.text[start:header.span.end]
