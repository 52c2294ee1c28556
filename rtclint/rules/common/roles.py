"""Which proxy upstream is the JWT service (lk-jwt-service) and which is LiveKit.

The Compose/Kubernetes readers give services a role; an upstream that names one of
their names (service, hostname, alias) has that role. Without them, RULES.md's names
and ports decide — but a port alone is weak evidence: 8080 is also Traefik's port in
ESS and the usual port of anything else. So a bare 8080 counts as the JWT service only
when the route or site says "jwt" or routes a JWT endpoint path.
"""

from __future__ import annotations

import copy
import re

from rtclint.public_url import PublicUrl  # noqa: F401  (the rules import it from here)

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model import Deployment, PathMatch, Route, Service, Site, Upstream
    from rtclint.rules.registry import RuleContext

JWT_DEFAULT_PORT = 8080
LIVEKIT_DEFAULT_PORT = 7880
# The routes lk-jwt-service's mux knows (handler.go).
JWT_ENDPOINTS = ("/get_token", "/sfu/get", "/healthz", "/sfu_webhook", "/delegate_delayed_leave")
# What a client calls on livekit_service_url: get_token, falling back to sfu/get.
CLIENT_ENDPOINTS = ("/get_token", "/sfu/get")
_JWT_NAME = re.compile(r"jwt", re.IGNORECASE)
_LIVEKIT_NAME = re.compile(r"livekit|(^|[-_.])sfu($|[-_.0-9])", re.IGNORECASE)


def service_for(dep: "Deployment", upstream: "Upstream") -> "Service | None":
    if not upstream.host:
        return None
    return dep.service_named(upstream.host, near=upstream.span.path if upstream.span else None)


def env_value(service: "Service", name: str) -> str | None:
    var = service.env.get(name)
    return var.value if var is not None else None


def jwt_bind_port(service: "Service") -> tuple[int, str]:
    """The port lk-jwt-service listens on and the variable that says so
    (`LIVEKIT_JWT_BIND` wins, then `LIVEKIT_JWT_PORT`, else 8080; `LK_JWT_PORT` is
    ignored since v0.2.0)."""
    bind = env_value(service, "LIVEKIT_JWT_BIND")
    if bind:
        port = bind.rsplit(":", 1)[-1]
        if port.isdecimal():
            return int(port), "LIVEKIT_JWT_BIND"
    port = env_value(service, "LIVEKIT_JWT_PORT")
    if port and port.strip().isdecimal():
        return int(port), "LIVEKIT_JWT_PORT"
    return JWT_DEFAULT_PORT, "the default"


def livekit_config_of(dep: "Deployment", service: "Service"):
    """The livekit.yaml this LiveKit service runs with, when a reader paired them."""
    names = {service.name, *service.aliases}
    for cfg in dep.livekit:
        if cfg.service in names:
            return cfg
    return None


def jwt_ports(ctx: "RuleContext") -> set[int]:
    """The ports the JWT services listen on (asked once per route: computed once per run)."""
    dep = ctx.deployment
    return ctx.memo("jwt_ports", lambda: {JWT_DEFAULT_PORT} | {jwt_bind_port(svc)[0]
                                                             for svc in dep.services_by_role("jwt")})


def livekit_ports(ctx: "RuleContext") -> set[int]:
    dep = ctx.deployment
    return ctx.memo("livekit_ports", lambda: {LIVEKIT_DEFAULT_PORT} | {cfg.http_port for cfg in dep.livekit})


def matcher_paths(matcher: "PathMatch") -> list[str]:
    if matcher.kind in ("prefix", "prefix_noregex", "exact", "segment"):
        return [p for p in matcher.paths if p]
    return []


def mount_prefix(matcher: "PathMatch") -> str | None:
    """The public path prefix a JWT route is mounted under ('' at the root), from its
    matcher: `/livekit/jwt/*` → '/livekit/jwt'; `/livekit/jwt/sfu/get` → '/livekit/jwt'.
    None when the matcher cannot say (regex, several unrelated prefixes)."""
    if matcher.negated:
        return None
    if matcher.kind == "any":
        return ""
    prefixes = set()
    for p in matcher_paths(matcher):
        p = p.rstrip("*")
        for endpoint in JWT_ENDPOINTS:
            if p.rstrip("/").endswith(endpoint):
                p = p.rstrip("/")[: -len(endpoint)]
                break
        prefixes.add(p.rstrip("/"))
    return prefixes.pop() if len(prefixes) == 1 else None


def _says_jwt(route: "Route", site: "Site | None") -> bool:
    texts = [*matcher_paths(route.matcher), route.name]
    if site is not None:
        texts += site.hosts
    if any(_JWT_NAME.search(t or "") for t in texts):
        return True
    return any(p.rstrip("/*").endswith(e) for p in matcher_paths(route.matcher) for e in CLIENT_ENDPOINTS)


def upstream_role(ctx: "RuleContext", route: "Route", site: "Site | None" = None) -> str | None:
    """'jwt', 'livekit', another service role, or None when the upstream is unknown.
    Asked per route by a dozen rules: answered once per (route, site) and run."""
    if route.proxy is None:  # no upstream (a well-known body, a redirect): no memo needed
        return None
    # site id -> (the site, {route id -> (the route, its role)}): holding each object keeps
    # its id unique, and a tuple key per (route, site) held megabytes of a big tree
    by_site = ctx.memo("upstream_roles", dict)
    held = by_site.get(id(site))
    if held is None or held[0] is not site:  # an id reused by a new object
        held = by_site[id(site)] = (site, {})
    entry = held[1].get(id(route))
    if entry is None or entry[0] is not route:
        entry = held[1][id(route)] = (route, _upstream_role(ctx, route, site))
    return entry[1]


def _upstream_role(ctx: "RuleContext", route: "Route", site: "Site | None") -> str | None:
    if route.proxy is None:
        return None
    up = route.proxy.upstream
    svc = service_for(ctx.deployment, up)
    if svc is not None and svc.role in ("jwt", "livekit", "synapse", "element-call", "proxy"):
        return svc.role
    names = [up.host or "", route.proxy.backend_name or ""]
    if any(_JWT_NAME.search(n) for n in names):
        return "jwt"
    if up.host in ("host.docker.internal",):
        return None  # the Docker host: whatever runs there, its name tells nothing
    if any(_LIVEKIT_NAME.search(n) for n in names):
        return "livekit"
    port = up.effective_port
    if port in livekit_ports(ctx) and port != JWT_DEFAULT_PORT:
        return "livekit"
    if port in jwt_ports(ctx) and _says_jwt(route, site):
        return "jwt"
    return None


def is_jwt_route(ctx: "RuleContext", route: "Route", site: "Site | None" = None) -> bool:
    return upstream_role(ctx, route, site) == "jwt"


def is_livekit_route(ctx: "RuleContext", route: "Route", site: "Site | None" = None) -> bool:
    return upstream_role(ctx, route, site) == "livekit"


# -- public URLs -------------------------------------------------------------------------------

def concrete_hosts(site: "Site") -> list[str]:
    return [h for h in site.hosts if h and "*" not in h and not h.startswith(".") and h != "_"
            and "{" not in h and "$" not in h]


def public_port(site: "Site") -> int:
    tls = site.tls_ports
    if not tls or 443 in tls:
        return 443
    return tls[0]


def jwt_public_urls(ctx: "RuleContext") -> dict[str, tuple["Site", "Route"]]:
    """The https URLs at which the proxies in the tree publish the JWT service."""
    return ctx.memo("jwt_public_urls", lambda: _jwt_public_urls(ctx))


def _jwt_public_urls(ctx: "RuleContext") -> dict[str, tuple["Site", "Route"]]:
    found: dict[str, tuple[Site, Route]] = {}
    for site in ctx.deployment.sites:
        for route in site.routes:
            if not is_jwt_route(ctx, route, site):
                continue
            prefix = mount_prefix(route.matcher)
            if prefix is None:
                continue
            port = public_port(site)  # once per route, not per host
            for host in concrete_hosts(site):
                found.setdefault(PublicUrl("https", host, port, prefix).text(), (site, route))
    return found


def undecidable(route: "Route | None") -> bool:
    """The model cannot say what this route does (e.g. a Traefik upstream whose port only
    the running container knows, two routers tied on priority): rules that would judge it
    stay quiet."""
    return route is not None and bool(route.facts.get("undecidable"))


def route_for_host(site: "Site", host: str | None, path: str) -> "Route | None":
    """The route answering `path` on `host`: like `Site.route_for`, but routes bound to
    other hosts (HAProxy `use_backend … if host_acl`, Caddy host matchers) are skipped."""
    if not host or not any(r.facts.get("hosts") for r in site.routes):
        return site.route_for(path)
    host = host.lower()
    routes = [r for r in site.routes if not r.facts.get("hosts") or host in r.facts["hosts"]]
    scoped = copy.copy(site)  # the site as this host sees it
    scoped.routes = routes
    return scoped.route_for(path)
