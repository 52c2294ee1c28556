"""Only some of the JWT service's endpoints are routed to it.

## What it does
Where clients reach the JWT service (each `livekit_service_url`, and the URLs the
proxies publish a JWT route at), asks the answer model about `POST <url>/sfu/get`,
`GET <url>/healthz` and `POST <url>/get_token`: when the first ones reach lk-jwt-service
and `/get_token` does not, reports the route that takes only some of its endpoints.

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
from rtclint.rules.common.roles import is_jwt_route, mount_prefix
from rtclint.rules.routing.answers import ask, describe, jwt_urls, reaches
from rtclint.rules.routing.routes import PROXIES

CODE = "RTC202"
NAME = "jwt-paths-incomplete"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")


def check(ctx) -> Iterator:
    seen = set()
    for url, _route in jwt_urls(ctx):
        token = ask(ctx, url, "get-token")
        if reaches(ctx, token, "jwt") is not False:
            continue
        other = [ask(ctx, url, kind) for kind in ("sfu-get", "healthz")]
        reached = next((a for a in other if reaches(ctx, a, "jwt")), None)
        if reached is None or reached.site is None or reached.site.kind not in PROXIES:
            continue  # nothing of the service is routed there: RTC200's finding
        site, route = reached.site, reached.route
        if route is None or id(route) in seen or route.matcher.kind not in ("exact", "prefix", "prefix_noregex"):
            continue
        seen.add(id(route))
        prefix = mount_prefix(route.matcher)
        prefix = url.path if prefix is None else prefix
        request = url.path + "/get_token"
        yield ctx.report(route.matcher.span or route.span,
                         f"only {', '.join(route.matcher.paths)} reach the JWT service; {request} is not routed "
                         f"to it ({describe(ctx, token)}), so clients cannot get a LiveKit token; "
                         f"route the whole {prefix}/ prefix to the JWT service",
                         fix=_widen_fix(ctx, site, route, prefix) if is_jwt_route(ctx, route, site) else None,
                         related=[Related(token.route.span, "/get_token ends here")] if token.route is not None else [])


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
