"""The server_name does not answer federation, so the JWT service cannot verify users.

## What it does
For each server_name of the tree (homeserver.yaml `server_name`, ESS `serverName`)
that a proxy site in the tree serves, asks the answer model whether federation can
reach it: `/.well-known/matrix/server` is answered (a body naming `m.server`, or by
proxy or redirect), a site listens on 8448, or `/_matrix/federation/v1/openid/userinfo`
is proxied or redirected somewhere. Only reported when the tree runs a call backend.

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
from rtclint.rules.common.roles import PublicUrl
from rtclint.rules.routing.answers import ask
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
        if not sites or _federation_reachable(ctx, name):
            continue
        site = sites[0]
        yield ctx.report(site.span, f"{name} (the server_name) serves no /.well-known/matrix/server, has no 8448 "
                         f"listener and routes no /_matrix/federation/: lk-jwt-service cannot check users' OpenID "
                         f"tokens there, so every call join is refused (unless a _matrix-fed._tcp SRV record "
                         f"points elsewhere)",
                         related=[Related(located.span, "server_name")] if located.span else [])


def _federation_reachable(ctx, name: str) -> bool:
    dep = ctx.deployment
    for site in dep.sites_for_host(name):
        if site.serves_port(8448) and site.listens:
            return True
    url = PublicUrl("https", name, 443, "")
    for kind in ("well-known-server", "openid-userinfo"):
        found = ask(ctx, url, kind)
        if found.kind in ("unknown", "proxy", "redirect"):
            return True
        if kind == "well-known-server" and found.kind == "respond" and found.status == 200 \
                and _names_a_server(found.body):
            return True
    return any(wk.which == "server" for wk in dep.extra_well_knowns
               if not wk.hosts or name in [h.lower() for h in wk.hosts])


def _names_a_server(body: str | None) -> bool:
    """A served server well-known (a body the model cannot read counts; Caddy's empty 200
    for a request no handler takes does not)."""
    if body is None:
        return True
    import json

    try:
        value = json.loads(body)
    except ValueError:
        return "m.server" in body  # templated or odd JSON: the benefit of the doubt
    return isinstance(value, dict) and "m.server" in value
