"""What the routing rules share: the proxy kinds they judge, the public URLs the tree
names for the JWT service and LiveKit, and the proxy sites for a host. What the proxy
does with a request is the answer model's (answers.py).
"""

from __future__ import annotations

from rtclint.document import Span
from rtclint.rules.common.roles import PublicUrl, is_livekit_route

# Proxies whose config files rtclint edits; a Kubernetes Ingress (read as ingress-nginx
# serves it) and a Gateway API HTTPRoute take part in the rules that read ROUTING: reach
# (RTC200, RTC204, RTC208), the stripped prefix (RTC201) and CORS (RTC203). Their upstream
# port is a Service's, which RTC603 compares with the pods, not RTC207.
PROXIES = ("caddy", "nginx", "haproxy", "traefik")
ROUTING = PROXIES + ("ingress", "gateway")  # Site kinds


def service_urls(ctx) -> list[tuple[PublicUrl, Span]]:
    """Every https livekit_service_url in the tree (well-knowns, Synapse transports):
    found once per run (four rules ask), a list of its own for each caller."""
    return list(ctx.memo("routing.service_urls", lambda: _service_urls(ctx)))


def _service_urls(ctx) -> list[tuple[PublicUrl, Span]]:
    dep = ctx.deployment
    found = []
    client = dep.well_knowns("client")
    if client:  # the JSON readers only for a tree with a well-known
        from rtclint.rules.common.wkedit import body_span
        from rtclint.rules.discovery.well_known_json import livekit_entries, parsed
    for wk in client:
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        for _i, entry, node in livekit_entries(value, root):
            url = PublicUrl.parse(str(entry.get("livekit_service_url") or ""))
            if url is not None and url.scheme == "https":
                span = wk.span
                if node is not None:
                    span = body_span(wk, node.start, node.end)
                found.append((url, span))
    for cfg in dep.synapse:
        for t in cfg.transports:
            if isinstance(t.value, dict):
                url = PublicUrl.parse(str(t.value.get("livekit_service_url") or t.value.get("url") or ""))
                if url is not None and url.scheme == "https":
                    found.append((url, t.span or cfg.span))
    return found


def ess_hosts(dep) -> set[str]:
    hosts = set()
    for ess in dep.ess:
        for loc in ess.hosts.values():
            if isinstance(loc.value, str):
                hosts.add(loc.value.lower())
        if ess.server_name is not None and isinstance(ess.server_name.value, str):
            hosts.add(ess.server_name.value.lower())
    return hosts


def opaque(role: str | None) -> bool:
    """An upstream that may forward anywhere (unknown, another proxy such as Traefik)."""
    return role in (None, "proxy", "other")


def proxy_sites(dep, host: str):
    return [s for s in dep.sites_for_host(host) if s.kind in ROUTING]

ROLE_NAMES = {"jwt": "the JWT service", "livekit": "LiveKit", "synapse": "Synapse", "element-call": "Element Call"}


def livekit_routes(ctx, kinds):
    for site in ctx.deployment.sites:
        if site.kind not in kinds:
            continue
        for route in site.routes:
            if is_livekit_route(ctx, route, site):
                yield site, route
