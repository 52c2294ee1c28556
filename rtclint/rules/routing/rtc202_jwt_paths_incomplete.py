"""Only some of the JWT service's endpoints are routed to it.

## What it does
When a site routes some JWT endpoints (`/sfu/get`, `/healthz`) under a prefix to
lk-jwt-service, checks that `<prefix>/get_token` reaches it too, and reports the
route that answers it instead.

## Why
Current clients ask `/get_token` first. Element's old Caddy example matched only
`/livekit/jwt/sfu/get` and `/livekit/jwt/healthz`: `/get_token` fell through to the
LiveKit catch-all and failed.

## Example
```caddy
@jwt_service path /livekit/jwt/sfu/get /livekit/jwt/healthz
handle @jwt_service {
    uri strip_prefix /livekit/jwt
    reverse_proxy [::1]:8080
}
handle {
    reverse_proxy localhost:7880
}
```

## Fix
Safe: the matcher's paths are replaced by the prefix (`/livekit/jwt/*`), so every
endpoint goes to the JWT service.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.common.roles import is_jwt_route, mount_prefix, route_for_host, upstream_role
from rtclint.rules.routing.routes import PROXIES, describe_route, opaque

CODE = "RTC202"
NAME = "jwt-paths-incomplete"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    for site in dep.sites:
        if site.kind not in PROXIES:
            continue
        for route in site.routes:
            if not is_jwt_route(ctx, route, site) or route.matcher.kind not in ("exact", "prefix", "prefix_noregex"):
                continue
            prefix = mount_prefix(route.matcher)
            if prefix is None:
                continue
            request = prefix + "/get_token"
            if route.matcher.matches(request):
                continue
            hosts = route.facts.get("hosts") or [None]
            other = route_for_host(site, hosts[0], request)
            if other is not None and other is not route and is_jwt_route(ctx, other, site):
                continue
            if other is not None and other.proxy is not None and opaque(upstream_role(ctx, other, site)):
                continue  # goes somewhere we cannot identify
            yield ctx.report(route.matcher.span or route.span,
                             f"only {', '.join(route.matcher.paths)} reach the JWT service; {request} is not routed "
                             f"to it ({describe_route(other, ctx, site)}), so clients cannot get a LiveKit token; "
                             f"route the whole {prefix}/ prefix to the JWT service",
                             fix=_widen_fix(ctx, site, route, prefix),
                             related=[Related(other.span, "/get_token ends here")] if other is not None else [])


def _widen_fix(ctx, site, route, prefix) -> Fix | None:
    if site.kind != "caddy" or not prefix or route.matcher.span is None:
        return None
    doc = ctx.deployment.documents.get(route.matcher.span.path)
    if doc is None:
        return None
    text = doc.text
    first = text.find(route.matcher.paths[0], route.matcher.span.start, route.matcher.span.end)
    last_path = route.matcher.paths[-1]
    last = text.rfind(last_path, route.matcher.span.start, route.matcher.span.end)
    if first == -1 or last == -1 or last < first:
        return None
    edit = Edit(Span(doc.path, first, last + len(last_path)), prefix + "/*")
    return Fix(Applicability.SAFE, f"match every path under {prefix}/", (edit,))
