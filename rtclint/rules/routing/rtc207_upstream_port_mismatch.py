"""The proxy sends JWT or SFU traffic to a port the service does not listen on.

## What it does
When the answer model says a client's request to the JWT service or the SFU websocket
is proxied to an upstream that names a JWT service or LiveKit container of the tree
(by its Compose service name, hostname or alias), compares the upstream port with the port
the service binds: lk-jwt-service `LIVEKIT_JWT_BIND` (`:PORT`), else
`LIVEKIT_JWT_PORT`, else 8080 (`LK_JWT_PORT` is ignored since v0.2.0); LiveKit the
`port` of the livekit.yaml it runs with (default 7880).

## Why
Container-to-container traffic goes to the container's own port: a mismatch is a
502 on every token request or websocket. A route to a Kubernetes Service (an Ingress, a
Traefik IngressRoute) reaches the pod through the Service's `targetPort`: that is RTC603's.

## Example
```caddy
jwt.example.com {
    reverse_proxy lk-jwt-service:8081
}
```
with `LIVEKIT_JWT_BIND=:8080` in the Compose file.

## Fix
Safe when the upstream's port is written and the service has one port: it is
replaced by the port the service listens on.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.rules.common.roles import jwt_bind_port, livekit_config_of, service_for
from rtclint.rules.routing.answers import ask, jwt_urls, sfu_answers
from rtclint.rules.routing.routes import PROXIES

JWT_KINDS = ("get-token", "sfu-get", "healthz", "delegate-leave")

CODE = "RTC207"
NAME = "upstream-port-mismatch"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "compose")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    if not any(svc.role in ("jwt", "livekit") for svc in dep.services):
        return  # no service whose port the tree states: nothing to compare (and no answer to ask)
    seen = set()
    for found in _proxied(ctx):
        route = found.route
        site = found.site
        up = route.proxy.upstream
        svc = service_for(dep, up)
        if svc is None or up.port is None or id(route) in seen:
            continue
        seen.add(id(route))
        expected = _listening_port(dep, svc)
        port_used = found.upstream.port if found.upstream is not None else up.effective_port
        if expected is None or expected[0] == port_used:
            continue
        port, why, where_span = expected
        fix = None
        if up.port_span is not None:
            fix = Fix(Applicability.SAFE, f"use port {port}", (Edit(up.port_span, str(port)),))
        what = "the JWT service" if svc.role == "jwt" else "LiveKit"
        yield ctx.report(up.port_span or up.span or route.proxy.span or route.span,
                         f"`{route.name or site.name or 'this route'}` sends traffic for {what} to "
                         f"{up.host}:{port_used}, but {svc.name} listens on {port} ({why}, "
                         f"{where_span.path}): every request fails",
                         fix=fix, related=[Related(where_span, f"{svc.name} listens on {port}")])


def _proxied(ctx):
    """The answers that proxy a client's JWT or SFU request, in the proxies rtclint edits
    (Kubernetes Service → container ports are RTC603's: an Ingress's, and a Traefik
    IngressRoute's, which names a Service port that the Service maps to the pod's)."""
    for url, _route in jwt_urls(ctx):
        for kind in JWT_KINDS:
            found = ask(ctx, url, kind)
            if found.kind == "proxy" and found.route is not None and _edited_here(found):
                yield found
    for found in sfu_answers(ctx):
        if found.route is not None and _edited_here(found):
            yield found


def _edited_here(found) -> bool:
    return found.site.kind in PROXIES and found.route.proxy is not None and not found.route.facts.get("kube_service")


def _listening_port(dep, svc):
    if svc.role == "jwt":
        port, source = jwt_bind_port(svc)
        var = svc.env.get(source)
        span = (var.value_span or var.span) if var is not None else svc.span
        why = f"{source}" if var is not None else "lk-jwt-service's default"
        if source == "the default" and "LK_JWT_PORT" in svc.env:
            why = "LK_JWT_PORT is ignored since lk-jwt-service 0.2.0; the default is 8080"
        return port, why, span
    if svc.role == "livekit":
        cfg = livekit_config_of(dep, svc)
        if cfg is None:
            return None  # which config it runs with is unknown: do not guess
        span = cfg.port.span if cfg.port is not None and cfg.port.span else cfg.span
        return cfg.http_port, f"port in {cfg.path}", span
    return None
