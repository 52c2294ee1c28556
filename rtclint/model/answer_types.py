"""The request and the answer of the answer model (`answer.py` computes them).

An answer is `respond`, `redirect`, `proxy` or `unknown`. Where it depends on something
rtclint does not evaluate (Lua, njs, a variable it cannot resolve, an unknown fetch or
directive), it is `unknown` with the reason: a rule reading it stays quiet instead of
guessing, and RTC006 can name the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.model.proxy import Header, Route, Site

# nginx sends `add_header` without `always` only with these statuses (ngx_http_headers_filter)
NGINX_ADD_HEADER_STATUSES = frozenset({200, 201, 204, 206, 301, 302, 303, 304, 307, 308})


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class Request:
    """A client request as a proxy receives it: scheme, host, port, method, path and headers."""

    scheme: str  # 'https' or 'http'
    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def upgrade(self) -> bool:
        return self.headers.get("upgrade", "").lower() == "websocket"


@dataclass(slots=True, eq=False, repr=False)
class UpstreamAnswer:
    """Where a proxied request goes: the upstream's address, the path it receives, and what reaches it."""

    host: str
    port: int
    path: str  # the path the upstream receives
    upgrade: bool  # Upgrade and Connection reach the upstream
    read_timeout: float | None = None
    tunnel_timeout: float | None = None
    # every (host, port) the proxy balances between (Caddy `to a b`, nginx `upstream {}`,
    # HAProxy `server` lines), `host`/`port` first; () when `host`/`port` is the only one
    choices: tuple[tuple[str, int], ...] = ()


def balanced(route: Route, first: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    """The upstreams a route balances between, `first` first; () for `first` alone (the
    common case: a big tree's answers then hold no tuple of their own)."""
    servers = route.facts.get("servers") or route.facts.get("upstreams")
    if not servers:
        return ()
    if len(servers) == 1:  # the usual single server: () unless it is another than `first`
        only = servers[0]
        if not only.host or (only.host, only.effective_port) == first:
            return ()
    found = tuple(dict.fromkeys([first] + [(u.host, u.effective_port) for u in servers if u.host]))
    return found if len(found) > 1 else ()


@dataclass(slots=True, eq=False, repr=False)
class Answer:
    """What a proxy does with a request: respond, redirect, proxy, or unknown (with the reason)."""

    kind: str  # 'respond' | 'redirect' | 'proxy' | 'unknown'
    status: int | None = None
    body: str | None = None  # None: not modelled (a server-made error page, a file)
    # response headers the proxy adds: the route's (or site's) own list, shared by every
    # answer it gives (one copy per answer was a tenth of a big tree's memory): never mutated
    headers: list[Header] = field(default_factory=list)
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


def no_site(host: str, port: int) -> Answer:
    """The answer when no site of the tree listens for `host` on `port`."""
    return unknown(f"no site serves {host}:{port}")


def default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def authority(request: Request) -> str:
    """`host[:port]` as a server writes it in an absolute redirect."""
    if request.port == default_port(request.scheme):
        return request.host
    return f"{request.host}:{request.port}"
