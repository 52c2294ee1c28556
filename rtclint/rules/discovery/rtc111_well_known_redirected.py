"""The client well-known path is answered with a redirect.

## What it does
Finds sites that the answer model says answer a client's `GET
/.well-known/matrix/client` with a redirect, when the
redirect is aimed at the well-known itself, hides a route that would have served
it (Caddy sorts `redir` before `respond` and `reverse_proxy` unless they are
wrapped in `handle` blocks), or happens on the server_name host. Plain-HTTP sites
that redirect to HTTPS are not reported.

## Why
Every hop of a redirect needs its own CORS header, and some clients do not follow
redirects for the well-known at all: the call backend is not found.

## Example
```caddy
example.com {
    redir https://www.example.com{uri}
    respond /.well-known/matrix/client `{"m.homeserver": {"base_url": "https://matrix.example.com"}}`
}
```

## Fix
Manual: serve the well-known directly on that host (in Caddy, wrap the handlers in
`handle` blocks so the redirect applies only to other paths).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.model import CLIENT_PATH
from rtclint.rules.common.roles import concrete_hosts
from rtclint.rules.discovery.answered import site_answer
from rtclint.rules.discovery.proxy_headers import PROXY_KINDS

CODE = "RTC111"
NAME = "well-known-redirected"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    server_names = [str(n.value).lower() for n in dep.server_names() if n.value]
    for site in dep.sites:
        if site.kind not in PROXY_KINDS or (site.listens and not site.tls_ports):
            continue
        if not any(r.redirect is not None for r in site.routes):
            continue  # a redirect this rule names is one of the site's routes': it has none
        bound = any(r.facts.get("hosts") for r in site.routes)
        for host in (concrete_hosts(site) if bound else [None]):
            yield from _redirected(ctx, site, host, server_names)


def _redirected(ctx, site, host, server_names):
    found = site_answer(ctx, site, "well-known-client", host)
    route = found.route if found.kind == "redirect" else None
    if route is not None and route.redirect is not None:
        hosts = [host] if host else site.hosts
        shadowed = [r for r in site.routes if r is not route and r.action in ("respond", "proxy")
                    and r.matcher.matches(CLIENT_PATH) and (not host or host in (r.facts.get("hosts") or [host]))]
        aimed = route.matcher.kind != "any" and any(".well-known" in p for p in route.matcher.paths)
        on_server_name = any(h in server_names for h in hosts)
        if not (shadowed or aimed or on_server_name):
            return
        target = route.redirect.target
        why = ("it hides the route that would serve the well-known" if shadowed else
               "the well-known is redirected" if aimed else "this is the server_name host clients ask")
        related = [Related(r.span, "this route never answers the well-known") for r in shadowed[:1]]
        yield ctx.report(route.redirect.span or route.span,
                         f"{CLIENT_PATH} on {', '.join(hosts) or 'this site'} is answered with a redirect to "
                         f"{target} ({why}); serve the JSON directly: clients need a 200 with CORS on this host",
                         related=related)
