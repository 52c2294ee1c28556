"""The well-known bodies the proxies serve, as the answer model says they answer a
client's `GET /.well-known/matrix/{client,server}` (with an Origin) on each host of each
site: a `respond` with status 200 and a body read from the config is one `WellKnown`,
carrying its `Answer` in `facts['answer']` (the response headers per status, the
Content-Type) for the CORS and content-type rules. An `unknown` answer serves nothing
rtclint can read, and is kept in `facts` of no well-known: the rules stay quiet about it
(RTC006 names it). Linear: one answer per (site, named host)."""

from __future__ import annotations

from rtclint.model.answer import answer, answer_site
from rtclint.model.answer_requests import ORIGIN
from rtclint.model.answer_types import Request
from rtclint.model.wellknown import CLIENT_PATH, SERVER_PATH, WellKnown

MAX_HOPS = 5  # a browser follows up to 20; a config that needs more is not one anybody means
MAX_HOSTS = 16  # a site naming more hosts is asked for its first ones (they share routes but for host ACLs)


def served_well_knowns(sites, which: str) -> list[WellKnown]:
    path = CLIENT_PATH if which == "client" else SERVER_PATH
    headers = {"origin": ORIGIN} if which == "client" else {}
    sites = list(sites)
    by_host: dict[str, list] = {}  # filled by _follow at the first redirect (most trees have none)
    found: dict[int, WellKnown] = {}
    for site in sites:
        if site.kind not in ("nginx", "caddy", "haproxy", "traefik"):
            continue
        scheme, port = _entry(site)
        for host in _hosts(site):
            hops, got = _follow(by_host, sites, site, Request(scheme, host, port, "GET", path, dict(headers)))
            route = got.route
            if got.kind != "respond" or got.status != 200 or route is None or route.respond is None:
                continue
            if route.respond.body is None or route.respond.status != 200:
                continue
            known = found.get(id(route))
            if known is not None:
                if hops and site is not known.site:  # a redirect leads here from another site
                    known.hosts = list(dict.fromkeys(known.hosts + list(site.hosts)))
                    known.facts.setdefault("hops", []).extend(hops)
                continue
            found[id(route)] = WellKnown(which=which, body=route.respond.body,
                                         span=route.respond.body_span or route.span, source="proxy",
                                         hosts=list(dict.fromkeys(list(got.site.hosts) + list(site.hosts))),
                                         site=got.site, route=route, respond=route.respond,
                                         facts={"answer": got, "hops": hops})
    return list(found.values())


def _by_host(by_host: dict, sites: list) -> dict:
    """host -> the sites naming it ('*': those with a pattern or no name), for following
    redirects without scanning every site per hop; built into `by_host` once."""
    if not by_host:
        for site in sites:
            for name in site.hosts or ["*"]:
                key = name.lower() if name and "*" not in name and not name.startswith((".", "~")) else "*"
                by_host.setdefault(key, []).append(site)
    return by_host


def _follow(by_host: dict, sites: list, site, request: "Request") -> tuple[list, "object"]:
    """The site's answer, following redirects to the same path as a browser's fetch does
    (at most MAX_HOPS, each to a site of the tree): (the redirects, the last answer)."""
    got = answer_site(site, request)
    hops = []
    while got.kind == "redirect" and got.status in (301, 302, 303, 307, 308) and got.location \
            and len(hops) < MAX_HOPS:
        from urllib.parse import urlsplit

        try:  # a target such as `https://x:¹/` or a broken IPv6 literal: no browser follows it either
            parts = urlsplit(got.location)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            break
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path != request.path:
            break
        hops.append(got)
        request = Request(parts.scheme, parts.hostname, port, "GET", parts.path, dict(request.headers))
        index = _by_host(by_host, sites)
        near = index.get(request.host.lower(), []) + index.get("*", [])
        got = answer(near, request)
    return hops, got


def _entry(site) -> tuple[str, int]:
    """How a client reaches the site: https on its first TLS port (443 first), else http."""
    tls = sorted([lst.port for lst in site.listens if lst.tls and lst.port])  # lists: no generator frames
    plain = sorted([lst.port for lst in site.listens if not lst.tls and lst.port])
    if tls or not plain:
        return "https", 443 if not tls or 443 in tls else tls[0]
    return "http", 80 if 80 in plain else plain[0]


def site_hosts(site) -> list[str]:
    """The host names a site answers for: its named hosts, else the ones its HAProxy
    conditions compare the Host header with (`hdr(host),field(1,:) -i example.com`)."""
    named = [h for h in site.hosts if h and "*" not in h and not h.startswith((".", "~")) and h != "_"
             and "{" not in h and "$" not in h]
    if named:
        return named
    found: list[str] = []
    for route in site.routes:
        _unless, groups = route.facts.get("cond") or (False, [])
        for group in groups:
            for _negated, acls in group:
                for fetch, values, _ci, _method in acls or ():
                    if fetch.lower().removeprefix("req.").startswith("hdr(host)"):
                        found += [v.lower() for v in values if v and "*" not in v]
    return list(dict.fromkeys(found))


def _hosts(site) -> list[str]:
    """The hosts to ask: each named one (up to MAX_HOSTS) when a route is bound to hosts
    (HAProxy host ACLs, Caddy host matchers, an nginx `if`); else the first, as every host gets the same
    route (a site of thousands of names is asked once)."""
    named = site_hosts(site)
    if len(named) > 1 and not site.facts.get("ifs") and not _host_bound_routes(site):
        named = named[:1]
    return named[:MAX_HOSTS] or ["localhost"]


def _host_bound_routes(site) -> bool:
    """Some route of the site answers by host (a loop, not a generator: asked for every
    site twice, once per well-known)."""
    for route in site.routes:
        facts = route.facts
        if facts.get("hosts") or facts.get("conditions") or facts.get("ifs") or facts.get("cond"):
            return True
    return False
