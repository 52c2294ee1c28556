"""A route that decides how a client request is answered could not be evaluated.

## What it does
Asks the answer model (`rtclint.model.answer`) every request a client, Element Call,
livekit-client and lk-jwt-service send to this deployment's public URLs — the
well-known and transports on the server_name, and everything under each
`livekit_service_url` and `LIVEKIT_URL` — and reports each route whose answer rtclint
cannot tell, with the reason: Lua or njs, a `map` or variable it cannot resolve, an
unknown fetch, converter or directive, a Traefik upstream whose port only the running
container knows, two Traefik routers tied on priority.

Off by default: turn it on with `rtclint check --show-unknown`, or select `RTC006`.

## Why
rtclint never guesses a defect: rules that depend on an answer it cannot work out stay
quiet. This rule says where that happened, so a clean run is not mistaken for a checked
one.

## Example
```yaml
labels:
  - traefik.http.routers.sfu.rule=Host(`sfu.example.com`)
# no traefik.http.services.<name>.loadbalancer.server.port label
```
Traefik sends `wss://sfu.example.com/rtc` to the port it reads from the running
container: whether that is LiveKit's 7880 the tree does not show.

## Fix
Nothing is wrong for sure. Where you can, write what the runtime would otherwise decide
(here: `traefik.http.services.sfu.loadbalancer.server.port=7880`), so the routing rules
can check it.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.roles import PublicUrl
from rtclint.rules.routing.routes import service_urls

CODE = "RTC006"
NAME = "undecidable"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("nginx", "caddy", "haproxy", "traefik", "kubernetes")


def check(ctx):
    # Opt-in and costly: the answer model is loaded only when the rule runs.
    from rtclint.model.answer import answer
    from rtclint.model.answer_requests import HOMESERVER, client_requests

    dep = ctx.deployment
    seen = set()
    homeserver_kinds = {kind for kind, *_ in HOMESERVER}
    server_names = _server_name_hosts(dep)
    for (scheme, host, port), bases in _public_targets(ctx).items():
        for kind, request in client_requests(scheme, host, port, sorted(bases)):
            if kind in homeserver_kinds and host not in server_names:
                continue  # clients ask the server_name host for these, not the JWT or SFU host
            found = answer(dep, request)
            if found.kind != "unknown" or found.site is None:
                continue  # answered, or no site serves the host (RTC104 and the route rules say so)
            where = found.route.span if found.route is not None else found.site.span
            if (found.reason, where) in seen:
                continue
            seen.add((found.reason, where))
            yield ctx.report(where, f"{request.method} {scheme}://{host}{request.path} ({kind}): rtclint cannot "
                             f"tell how the proxy answers, so the rules that depend on it stay quiet: {found.reason}")


def _server_name_hosts(dep) -> set[str]:
    return {str(n.value).partition(":")[0].lower() for n in dep.server_names() if isinstance(n.value, str) and n.value}


def _public_targets(ctx) -> dict[tuple[str, str, int], set[str]]:
    """(scheme, host, port) -> the base paths clients use there."""
    targets: dict[tuple[str, str, int], set[str]] = {}
    dep = ctx.deployment
    for host in _server_name_hosts(dep):
        targets.setdefault(("https", host, 443), set())
    urls = [url for url, _span in service_urls(ctx)]
    for svc in dep.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        url = PublicUrl.parse(var.value) if var is not None and var.value else None
        if url is not None:
            urls.append(url)
    for url in urls:
        scheme = "https" if url.scheme in ("https", "wss") else "http"
        targets.setdefault((scheme, url.host, url.port), set()).add(url.path)
    return targets
