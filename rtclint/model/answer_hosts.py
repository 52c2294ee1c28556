"""Which site takes a request: by listening port and TLS, then by host name.

nginx: exact name, then the longest leading wildcard (`*.example.com`), then the longest
trailing wildcard (`www.*`), then regex names in order, then the port's `default_server`
(else its first server). Caddy: the site whose address names the host (exact before
wildcard); HAProxy: the frontend that binds the port (a snippet without `bind` takes any).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.model.answer_types import Request
    from rtclint.model.proxy import Site


def pick_site(sites: list["Site"], request: "Request") -> "Site | None":
    tls = request.scheme == "https"
    on_port = [s for s in sites if _listens(s, request.port, tls)]
    if not on_port:
        return None
    host = request.host.lower()
    best: tuple[int, int] | None = None
    chosen = None
    for index, site in enumerate(on_port):
        rank = _host_rank(site, host)
        if rank is not None and (best is None or rank > best):
            best, chosen = rank, site
    if chosen is not None:
        return chosen
    if on_port[0].kind == "nginx":
        return next((s for s in on_port if "*" in s.hosts), on_port[0])  # default_server
    if on_port[0].kind == "haproxy":
        return on_port[0]
    return None


def _listens(site: "Site", port: int, tls: bool) -> bool:
    if not site.listens:  # a frontend snippet without `bind`; Traefik without its static config
        return site.kind in ("haproxy", "traefik", "gateway")  # gateway: an HTTPRoute without its Gateway
    return any(lst.port == port and lst.tls == tls for lst in site.listens)


def _host_rank(site: "Site", host: str) -> tuple[int, int] | None:
    """Higher is a better match; None when the site does not name the host."""
    best = None
    for name in site.hosts:
        rank = None
        if name == host:
            rank = (4, len(name))
        elif name.startswith("*.") and host.endswith(name[1:]):
            rank = (3, len(name))
        elif name.startswith(".") and (host == name[1:] or host.endswith(name)):
            rank = (3, len(name))
        elif name.endswith(".*") and host.startswith(name[:-1]):
            rank = (2, len(name))
        elif name.startswith("~"):
            try:
                if re.search(name[1:], host):
                    rank = (1, 0)
            except re.error:
                rank = None
        elif name in ("*", "") and site.kind in ("caddy", "traefik"):
            rank = (0, 0)
        if rank is not None and (best is None or rank > best):
            best = rank
    return best
