"""No proxy route takes `livekit_service_url` to the JWT service.

## What it does
For each https `livekit_service_url` in the tree (client well-knowns, Synapse
`matrix_rtc.transports`) whose host is served by a proxy site in the tree, follows
`<url>/get_token` through that site's routes and reports when it does not reach
lk-jwt-service (recognised by its Compose/Kubernetes service name, or a `jwt` name,
or its port 8080 on a JWT-looking path). Upstreams rtclint cannot identify (an
ingress controller, Traefik) are given the benefit of the doubt.

## Why
The client POSTs to `<livekit_service_url>/get_token` to get a LiveKit token; if
the proxy answers it with a static page, a 404 or the SFU, every call fails with
`MISSING_MATRIX_RTC_TRANSPORT` (0.17–0.19) or a failed join.

## Example
```caddy
jwt.example.com {
    respond "not here" 404
}
```

## Fix
Manual: route the URL's host and path to lk-jwt-service (stripping any path prefix).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.rules.common.roles import is_jwt_route, route_for_host, undecidable, upstream_role
from rtclint.rules.routing.routes import describe_route, ess_hosts, opaque, proxy_sites, service_urls

CODE = "RTC200"
NAME = "jwt-route-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    seen = set()
    for url, span in service_urls(ctx):
        if (url.host, url.path) in seen or url.host in skip_hosts:
            continue
        seen.add((url.host, url.path))
        sites = proxy_sites(dep, url.host)
        if not sites or any(_site_has_jwt_route(ctx, s) for s in sites):
            continue  # not our proxy, or RTC201/RTC202 say what is wrong with the JWT routes
        request = url.path + "/get_token"
        for site in sites:
            route = route_for_host(site, url.host, request)
            if undecidable(route) or (route is not None and route.proxy is not None
                                      and opaque(upstream_role(ctx, route, site))):
                break  # an upstream we cannot identify: maybe it forwards to the JWT service
        else:
            site = sites[0]
            route = route_for_host(site, url.host, request)
            yield ctx.report(span, f"livekit_service_url {url.text()}: on {site.name or site.kind} ({site.span.path}) "
                             f"{url.host}{request} does not reach the JWT service "
                             f"({describe_route(route, ctx, site)}); "
                             f"route {url.path or '/'} on {url.host} to lk-jwt-service",
                             related=[Related(route.span if route else site.span, "the request ends here")])


def _site_has_jwt_route(ctx, site) -> bool:
    return any(is_jwt_route(ctx, r, site) for r in site.routes)
