"""The server_name does not answer federation, so the JWT service cannot verify users.

## What it does
For each server_name of the tree (homeserver.yaml `server_name`, ESS `serverName`)
that a proxy site in the tree serves, checks that federation can reach it: the site
answers `/.well-known/matrix/server` (itself or by proxy), listens on 8448, or routes
`/_matrix/federation/` somewhere. Only reported when the tree runs a call backend.

## Why
lk-jwt-service checks each user's OpenID token with
`/_matrix/federation/v1/openid/userinfo` on the user's server_name, found through
`/.well-known/matrix/server`, SRV or port 8448. If none of them answers, every token
request is refused.

## Example
```caddy
example.com {
    respond /.well-known/matrix/client `{"m.homeserver": {"base_url": "https://matrix.example.com"}}`
}
```
(no `/.well-known/matrix/server`, no `:8448` site, no `/_matrix` route).

## Fix
Manual: serve `/.well-known/matrix/server` (`{"m.server": "matrix.example.com:443"}`)
on the server_name host, or route `/_matrix/federation` there to Synapse.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.model import SERVER_PATH
from rtclint.rules.common.roles import route_for_host, undecidable
from rtclint.rules.routing.routes import proxy_sites, service_urls

CODE = "RTC208"
NAME = "openid-route-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    if not (dep.services_by_role("jwt") or service_urls(ctx)):
        return
    for located in dep.server_names():
        name = str(located.value or "").lower().split(":")[0]
        if not name:
            continue
        sites = [s for s in proxy_sites(dep, name) if any(h == name for h in s.hosts)]
        if not sites or _federation_reachable(dep, name, sites):
            continue
        site = sites[0]
        yield ctx.report(site.span, f"{name} (the server_name) serves no /.well-known/matrix/server, has no 8448 "
                         f"listener and routes no /_matrix/federation/: lk-jwt-service cannot check users' OpenID "
                         f"tokens there, so every call join is refused (unless a _matrix-fed._tcp SRV record "
                         f"points elsewhere)",
                         related=[Related(located.span, "server_name")] if located.span else [])


def _federation_reachable(dep, name: str, sites) -> bool:
    for site in dep.sites_for_host(name):
        if site.serves_port(8448) and site.listens:
            return True
    for site in sites:
        for path in (SERVER_PATH, "/_matrix/federation/v1/openid/userinfo"):
            route = route_for_host(site, name, path)
            if undecidable(route) or route is not None and (route.proxy is not None or route.redirect is not None
                                      or (route.respond is not None and route.respond.status == 200)):
                return True
    return any(wk.which == "server" for wk in dep.extra_well_knowns
               if not wk.hosts or name in [h.lower() for h in wk.hosts])
