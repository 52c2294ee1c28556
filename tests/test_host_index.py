"""Deployment.sites_for_host answers from an index: looking up every site's host in a tree
of N sites asks O(N) questions of the sites, not O(N²) (a scan of every pattern site per
lookup, and list membership that compares whole sites field by field)."""

from rtclint.document import Span
from rtclint.model import Deployment, Site

N = 300


def _site(i: int, hosts: list[str]) -> Site:
    return Site(kind="nginx", hosts=hosts, listens=[], routes=[], span=Span(f"d{i}/nginx.conf", 0, 10))


def _tree() -> list[Site]:
    sites = []
    for i in range(N):
        sites.append(_site(i, [f"d{i}.example.com", f".d{i}.example.com"]))  # exact + the same as a suffix
        sites.append(_site(i, [f"*.d{i}.example.com"]))
    sites.append(_site(N, ["_"]))  # one default server: serves every host
    return sites


def _reference(sites: list[Site], host: str) -> list[Site]:
    """The answer rtclint always gave, by asking every site."""
    host = host.lower()

    def is_name(h: str) -> bool:
        return bool(h) and "*" not in h and not h.startswith(".") and h != "_"

    exact = [s for s in sites for h in s.hosts if h == host and is_name(h)]
    exact_ids = {id(s) for s in exact}
    patterns = [s for s in sites for h in s.hosts if not is_name(h)]
    return exact + [s for s in patterns if s.serves_host(host) and id(s) not in exact_ids]


class _Counter:
    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        for name in ("__eq__", "serves_host"):
            real = getattr(Site, name)
            monkeypatch.setattr(Site, name, self._counting(real))

    def _counting(self, real):
        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)
        return counted


def test_every_lookup_agrees_with_asking_every_site():
    sites = _tree()
    dep = Deployment(sites=list(sites))
    hosts = ["d7.example.com", "x.d7.example.com", "a.b.d7.example.com", "D7.Example.com", "nowhere.test",
             "*.d3.example.com", "_", "example.com"]
    for host in hosts:
        assert [id(s) for s in dep.sites_for_host(host)] == [id(s) for s in _reference(sites, host)], host


def test_looking_up_every_host_does_not_compare_sites(monkeypatch):
    dep = Deployment(sites=_tree())
    counter = _Counter(monkeypatch)
    answers = 0
    for i in range(N):
        for host in (f"d{i}.example.com", f"api.d{i}.example.com"):
            answers += len(dep.sites_for_host(host))
    assert answers == 2 * N * 2 + N  # the named site(s) and the default server, per host
    assert counter.calls <= N  # was ~2·N² serves_host calls and N site comparisons
