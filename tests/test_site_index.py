"""model.answer_hosts.SiteIndex picks the site the plain scan picks: the reference below is
the scan it replaced (every site's listens, then every site's rank for the host), run on
generated trees of nginx, Caddy, HAProxy and Traefik sites with exact, wildcard, regex and
catch-all names."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.model.answer import _site_index
from rtclint.model.answer_hosts import SiteIndex, _host_rank, _listens


@dataclass(eq=False)
class FakeListen:
    port: int
    tls: bool


@dataclass(eq=False)
class FakeSite:
    kind: str
    hosts: list[str]
    listens: list[FakeListen] = field(default_factory=list)


@dataclass
class FakeRequest:
    scheme: str
    host: str
    port: int


def reference_pick(sites, request):
    tls = request.scheme == "https"
    on_port = [s for s in sites if _listens(s, request.port, tls)]
    if not on_port:
        return None
    host = request.host.lower()
    best, chosen = None, None
    for site in on_port:
        rank = _host_rank(site, host)
        if rank is not None and (best is None or rank > best):
            best, chosen = rank, site
    if chosen is not None:
        return chosen
    if on_port[0].kind == "nginx":
        return next((s for s in on_port if "*" in s.hosts), on_port[0])
    if on_port[0].kind == "haproxy":
        return on_port[0]
    if on_port[0].kind in ("ingress", "gateway"):  # a rule or route without a host takes the rest
        return next((s for s in on_port if "*" in s.hosts), None)
    return None


NAMES = st.sampled_from(["a.example.com", "A.example.com", "example.com", "*.example.com", ".example.com",
                         "a.*", "www.*.com", "~^a\\.", "~[", "*", "", "_", "b.example.org", "*foo"])
HOSTS = st.sampled_from(["a.example.com", "A.Example.com", "example.com", "x.example.com", "a.example.org",
                         "b.example.org", "www.x.com", "other"])
SITES = st.builds(FakeSite, st.sampled_from(["nginx", "caddy", "haproxy", "traefik", "gateway"]),
                  st.lists(NAMES, max_size=3),
                  st.lists(st.builds(FakeListen, st.sampled_from([80, 443, 8443]), st.booleans()), max_size=2))


@settings(max_examples=400, deadline=None)
@given(st.lists(SITES, max_size=8), st.lists(st.builds(FakeRequest, st.sampled_from(["http", "https"]), HOSTS,
                                                       st.sampled_from([80, 443, 8443])), min_size=1, max_size=6))
def test_the_index_picks_what_the_scan_picks(sites, requests):
    index = SiteIndex(sites)
    for request in requests:  # one index asked many times, as the rules ask it
        assert index.pick(request) is reference_pick(sites, request)


def test_a_deployment_keeps_its_index_until_its_sites_change():
    class Holder:
        def __init__(self, sites):
            self.sites = sites

    first = FakeSite("nginx", ["a.example.com"], [FakeListen(443, True)])
    holder = Holder([first])
    request = FakeRequest("https", "a.example.com", 443)
    kept = _site_index(holder)
    assert _site_index(holder) is kept and holder._site_index is kept
    second = FakeSite("nginx", ["a.example.com"], [FakeListen(443, True)])
    holder.sites.insert(0, second)  # changed in place: the index is made again
    again = _site_index(holder)
    assert again is not kept and holder._site_index is again and again.pick(request) is second
