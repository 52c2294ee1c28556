"""The proxy adds `Access-Control-Allow-Origin` in front of the JWT service.

## What it does
Asks the answer model what the proxy does with the browser's token requests and
their `OPTIONS` preflights (`/get_token`, `/sfu/get`) where clients reach the JWT
service, and reports an `Access-Control-Allow-Origin` response header that the proxy
adds to what lk-jwt-service answers (nginx `add_header`, also inherited from the server block;
Caddy `header` without `>` defer; HAProxy `http-response add-header`). Traefik's `headers`
middleware and HAProxy's `set-header` replace the service's header: no finding.

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
from rtclint.rules.common.wkedit import delete_line_of, line_start
from rtclint.rules.routing.answers import ask, jwt_urls, reaches
from rtclint.rules.routing.routes import ROUTING

CODE = "RTC203"
NAME = "jwt-duplicate-cors"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")
# the browser's preflights and token requests; lk-jwt-service answers them with 2xx
KINDS = ("get-token-preflight", "get-token", "sfu-get-preflight", "sfu-get")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    seen = set()
    for url, _route in jwt_urls(ctx):
        for kind in KINDS:
            found = ask(ctx, url, kind)
            if not reaches(ctx, found, "jwt") or found.site.kind not in ROUTING:
                continue
            route = found.route
            for h in found.headers:
                if h.name.lower().lstrip("+") != "access-control-allow-origin" or h.name.startswith((">", "-", "?")):
                    continue
                if found.server == "nginx" and not found.header_values(h.name, 200):
                    continue
                key = (h.span.path, h.span.start) if h.span is not None else (id(route), h.name)
                if key in seen:
                    continue
                seen.add(key)
                if found.server == "haproxy" and h.span is not None and _haproxy_sets(dep, h):
                    continue  # set-header replaces the service's header instead of adding one
                if found.server == "traefik":
                    continue  # the headers middleware sets its headers: it replaces the service's
                fix = None
                block = route.facts.get("block_span")
                inside = h.span is not None and (block is None or block.start <= h.span.start < block.end)
                if h.span is not None and inside:
                    edit = delete_line_of(dep, h.span)
                    fix = Fix(Applicability.SAFE, "delete the header: lk-jwt-service sends its own", (edit,)) \
                        if edit else None
                yield ctx.report(h.span or route.span,
                                 f"the proxy adds Access-Control-Allow-Origin to {url.path}{_path(kind)} "
                                 f"on `{route.name or 'the JWT route'}`, but lk-jwt-service sends its own: browsers "
                                 f"reject the doubled header and the token request fails; remove it", fix=fix)


def _path(kind: str) -> str:
    return "/get_token" if kind.startswith("get-token") else "/sfu/get"


def _haproxy_sets(dep, header) -> bool:
    doc = dep.documents.get(header.span.path)
    if doc is None:
        return False
    start = line_start(doc.text, header.span.start)
    return "set-header" in doc.text[start:header.span.end]
