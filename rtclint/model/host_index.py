"""Which sites serve a host name, found through dictionaries rather than by asking every
site: a tree of many deployments looks up every site's host, so a scan per lookup (or a
list membership test, which compares whole sites field by field) made runs quadratic.

The answer is the one `Site.serves_host` gives, in the order rtclint always used: the
sites naming the host exactly (site order), then the others that serve it (site order,
a site listed once for each of its names that is not an exact host name)."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.proxy import Site

CATCH_ALL = ("*", "", "_")  # names that serve every host (see Site.serves_host)


def is_exact_name(host: str) -> bool:
    return bool(host) and "*" not in host and not host.startswith(".") and host != "_"


class HostIndex:
    def __init__(self, sites: list["Site"]) -> None:
        self.exact: dict[str, list[Site]] = {}
        self.catch_all: list[Site] = []
        self.literal: dict[str, list[Site]] = {}  # a pattern name only ever equals itself...
        self.star: dict[str, list[Site]] = {}  # ...or `*.rest` serves one label + `.rest`
        self.dot: dict[str, list[Site]] = {}  # ...or `.rest` serves `rest` and its subdomains
        self.order: dict[int, tuple[int, int]] = {}  # id(site) -> (position, pattern names)
        self.answers: dict[str, list[Site]] = {}
        for position, site in enumerate(sites):
            patterns = 0
            for host in site.hosts:
                if is_exact_name(host):
                    self.exact.setdefault(host, []).append(site)
                    continue
                patterns += 1
                self._add_pattern(host, site)
            self.order[id(site)] = (position, patterns)

    def _add_pattern(self, host: str, site: "Site") -> None:
        if host in CATCH_ALL:
            self.catch_all.append(site)
            return
        self.literal.setdefault(host, []).append(site)
        if host.startswith("*."):
            self.star.setdefault(host[2:], []).append(site)
        elif host.startswith("."):
            self.dot.setdefault(host[1:], []).append(site)

    def sites_for_host(self, host: str) -> list["Site"]:
        """`host` is lower-case. Rules ask about the same few names again and again (every
        catch-all site answers each of them): each answer is built once."""
        known = self.answers.get(host)
        if known is None:
            known = self.answers[host] = self._sites_for_host(host)
        return list(known)

    def _sites_for_host(self, host: str) -> list["Site"]:
        exact = self.exact.get(host, [])
        taken = {id(site) for site in exact}
        found: dict[int, Site] = {}
        for site in self._pattern_candidates(host):
            if id(site) not in taken:
                found[id(site)] = site
        ordered = sorted(found.values(), key=lambda site: self.order[id(site)][0])
        return exact + [site for site in ordered for _ in range(self.order[id(site)][1])]

    def _pattern_candidates(self, host: str):
        yield from self.catch_all
        yield from self.literal.get(host, ())
        if "." in host:
            yield from self.star.get(host.split(".", 1)[1], ())
        yield from self.dot.get(host, ())
        for i, char in enumerate(host):
            if char == ".":
                yield from self.dot.get(host[i + 1 :], ())
