"""Which site takes a request: by listening port and TLS, then by host name.

nginx: exact name, then the longest leading wildcard (`*.example.com`), then the longest
trailing wildcard (`www.*`), then regex names in order, then the port's `default_server`
(else its first server). Caddy: the site whose address names the host (exact before
wildcard); HAProxy: the frontend that binds the port (a snippet without `bind` takes any);
Kubernetes Ingress: the host's rules, else the rules written without a host.
"""

from __future__ import annotations

import functools
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.model.answer_types import Request
    from rtclint.model.proxy import Site


def pick_site(sites: list["Site"], request: "Request") -> "Site | None":
    return SiteIndex(sites).pick(request)


class SiteIndex:
    """`pick_site` for one list of sites, asked many times (the rules ask the same tree
    thousands of questions): the sites on each (port, TLS), the first of them that names
    each host exactly, and those with a wildcard, regex or catch-all name are found once,
    not at every request. An exact name ranks above every other, so it decides alone;
    without one, only the sites with such names can rank."""

    __slots__ = ("sites", "_on_port")

    def __init__(self, sites) -> None:
        self.sites = tuple(sites)
        self._on_port: dict[tuple, tuple] = {}

    def pick(self, request: "Request") -> "Site | None":
        tls = request.scheme == "https"
        key = (request.port, tls)
        entry = self._on_port.get(key)
        if entry is None:
            entry = self._on_port[key] = _port_entry([s for s in self.sites if _listens(s, request.port, tls)])
        on_port, exact, patterned, default = entry
        if not on_port:
            return None
        host = request.host.lower()
        site = exact.get(host)
        if site is not None:
            return site
        # no exact name: only a wildcard, regex or catch-all name can take the host
        best: tuple[int, int] | None = None
        chosen = None
        for site in patterned:
            rank = _host_rank(site, host)
            if rank is not None and (best is None or rank > best):
                best, chosen = rank, site
        if best is not None:
            return chosen
        return default


def _port_entry(on_port: list["Site"]) -> tuple:
    """(the sites on one port, the first naming each exact host, those with a name that
    is not plain: the only ones that can take a host no site names exactly, the site
    that takes a host no site names)."""
    exact: dict[str, Site] = {}
    patterned = []
    plain_name = _plain_name()
    for site in on_port:
        for name in site.hosts:
            exact.setdefault(name, site)
        if any(not plain_name.fullmatch(name) for name in site.hosts):
            patterned.append(site)
    return on_port, exact, patterned, _default(on_port)


@functools.cache
def _plain_name() -> re.Pattern:
    """A name that takes only itself: no leading `*.`, `.` or `~`, no trailing `.*`, not
    `*` or empty. Compiled at first use: a tree without a proxy never asks."""
    return re.compile(r"[^*.~].*(?<!\.\*)", re.S)


def _default(on_port: list["Site"]) -> "Site | None":
    if on_port and on_port[0].kind == "nginx":
        return next((s for s in on_port if "*" in s.hosts), on_port[0])  # default_server
    if on_port and on_port[0].kind == "haproxy":
        return on_port[0]
    if on_port and on_port[0].kind in ("ingress", "gateway"):
        # the rules of an Ingress without `host` serve every host no rule names (ingress-nginx
        # puts them in its catch-all server; Traefik routes them without a Host matcher), and
        # so do those of an HTTPRoute without `hostnames` on a listener without `hostname`
        return next((s for s in on_port if "*" in s.hosts), None)
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
