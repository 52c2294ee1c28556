"""No proxy route takes `LIVEKIT_URL` to LiveKit.

## What it does
For each JWT service's `LIVEKIT_URL` whose host is served by a proxy site in the
tree, follows the websocket path `<path>/rtc` through the site's routes and reports
when it does not reach LiveKit's HTTP port (`port`, default 7880). Unidentified
upstreams are given the benefit of the doubt.

## Why
The JWT service hands `LIVEKIT_URL` to the browser, which opens a websocket there;
if the proxy does not pass it to LiveKit the call never connects.

## Example
```caddy
matrixrtc.example.com {
    reverse_proxy lk-jwt-service:8080
}
```
with `LIVEKIT_URL=wss://matrixrtc.example.com`.

## Fix
Manual: route the host (and path) of `LIVEKIT_URL` to LiveKit's port 7880.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.rules.common.roles import PublicUrl, route_for_host, undecidable, upstream_role
from rtclint.rules.routing.routes import describe_route, ess_hosts, opaque, proxy_sites

CODE = "RTC204"
NAME = "sfu-route-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    for url, span in _sfu_urls(dep):
        sites = proxy_sites(dep, url.host)
        if not sites or url.host in skip_hosts:
            continue
        request = url.path + "/rtc"
        results = [(s, route_for_host(s, url.host, request)) for s in sites]
        roles = [upstream_role(ctx, r, s) for s, r in results if r is not None and r.proxy is not None]
        if any(opaque(role) or role == "livekit" for role in roles) or any(undecidable(r) for _, r in results):
            continue
        site, route = results[0]
        yield ctx.report(span, f"LIVEKIT_URL {url.text()}: {url.host}{request} does not reach LiveKit on "
                         f"{site.name or site.kind} in {site.span.path} ({describe_route(route, ctx, site)}); "
                         f"route it to LiveKit's port 7880",
                         related=[Related(route.span if route else site.span, "the websocket request ends here")])


def _sfu_urls(dep) -> list[tuple[PublicUrl, Span]]:
    found = []
    for svc in dep.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        url = PublicUrl.parse(var.value) if var is not None and var.value else None
        if url is not None and url.scheme in ("wss", "https"):
            found.append((url, var.value_span or var.span))
    return found
