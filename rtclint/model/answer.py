"""What the proxy answers to one client request: respond, redirect, proxy — or unknown.

`answer(sites, request)` picks the site the proxy would pick for the request's port, scheme
and host, then the route (`routing.select_route`, each proxy's own rules), then reads the
route as the server would run it: nginx `if ($request_method …)` and `rewrite`, response
headers with nginx's 2xx/3xx-only rule for `add_header` without `always`, the path the
upstream receives. Where the answer depends on something rtclint does not evaluate (Lua,
njs, a variable it cannot resolve, an unknown fetch or directive), the answer is `unknown`
with the reason: a rule reading it stays quiet instead of guessing.

Linear in the number of routes: one pass to pick the site, one `select_route`, and a
bounded number of nginx `rewrite … last` restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.model.answer_hosts import pick_site
from rtclint.model.proxy import Header, Route, Site

# nginx sends `add_header` without `always` only with these statuses (ngx_http_headers_filter)
NGINX_ADD_HEADER_STATUSES = frozenset({200, 201, 204, 206, 301, 302, 303, 304, 307, 308})


@dataclass(slots=True)
class Request:
    scheme: str  # 'https' or 'http'
    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def upgrade(self) -> bool:
        return self.headers.get("upgrade", "").lower() == "websocket"


@dataclass(slots=True)
class UpstreamAnswer:
    host: str
    port: int
    path: str  # the path the upstream receives
    upgrade: bool  # Upgrade and Connection reach the upstream
    read_timeout: float | None = None
    tunnel_timeout: float | None = None
    # every (host, port) the proxy balances between (Caddy `to a b`, nginx `upstream {}`,
    # HAProxy `server` lines); `host`/`port` is the first
    choices: tuple[tuple[str, int], ...] = ()


def balanced(route: Route, first: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    servers = route.facts.get("servers") or route.facts.get("upstreams") or []
    found = [first] + [(u.host, u.effective_port) for u in servers if u.host]
    return tuple(dict.fromkeys(found))


@dataclass(slots=True)
class Answer:
    kind: str  # 'respond' | 'redirect' | 'proxy' | 'unknown'
    status: int | None = None
    body: str | None = None  # None: not modelled (a server-made error page, a file)
    headers: list[Header] = field(default_factory=list)  # response headers the proxy adds
    content_type: str | None = None  # the proxy's own Content-Type (respond/redirect)
    location: str | None = None
    upstream: UpstreamAnswer | None = None
    reason: str = ""  # for unknown: why
    site: Site | None = field(default=None, repr=False)
    route: Route | None = field(default=None, repr=False)
    server: str = ""  # 'nginx' | 'caddy' | 'haproxy'

    def header_values(self, name: str, status: int | None = None) -> list[str]:
        """Values of a response header the proxy adds to a response with `status` (the
        upstream's status for a proxied request): nginx drops non-`always` ones on other
        statuses than 2xx/3xx."""
        status = self.status if status is None else status
        name = name.lower()
        out = []
        for h in self.headers:
            if h.name.lower() != name:
                continue
            if self.server == "nginx" and not h.always and status not in NGINX_ADD_HEADER_STATUSES:
                continue
            out.append(h.value)
        return out


def unknown(reason: str, site: Site | None = None, route: Route | None = None) -> Answer:
    return Answer("unknown", reason=reason, site=site, route=route,
                  server=site.kind if site is not None else "")


def answer(sites, request: Request) -> Answer:
    """The proxy's answer to `request`; `sites` is a Deployment or a list of Sites."""
    sites = list(getattr(sites, "sites", sites))
    site = pick_site(sites, request)
    if site is None:
        return unknown(f"no site serves {request.host}:{request.port}")
    if site.kind == "nginx":
        from rtclint.model.answer_nginx import answer_nginx

        result = answer_nginx(site, request)
    elif site.kind == "caddy":
        from rtclint.model.answer_caddy import answer_caddy

        result = answer_caddy(site, request)
    elif site.kind == "haproxy":
        from rtclint.model.answer_haproxy import answer_haproxy

        result = answer_haproxy(site, request)
    else:
        return unknown(f"{site.kind} sites are not modelled", site)
    result.site = site
    result.server = site.kind
    return result


def default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def authority(request: Request) -> str:
    """`host[:port]` as a server writes it in an absolute redirect."""
    if request.port == default_port(request.scheme):
        return request.host
    return f"{request.host}:{request.port}"
