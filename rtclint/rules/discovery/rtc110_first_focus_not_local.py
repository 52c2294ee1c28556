"""The first `rtc_foci` entry is not this deployment's JWT service.

## What it does
Compares the first `rtc_foci` entry with the public URLs at which the proxies in the
tree publish lk-jwt-service. Reports when the tree publishes a JWT service but the
first entry points elsewhere (another deployment, a public test service).

## Why
Element Call 0.19.1–0.23 uses only the first entry, whatever its `type` (an entry without
one, or with another type, is used all the same): your own JWT service and SFU are never
used, and calls depend on (or fail at) the other one. Clients that bundle these versions
still read only the well-known. [element-call 0.19.1/0.22.0
`RtcTransportAutoDiscovery.tryWellKnownTransports`: `return fociConfig[0]`]

## Example
```json
{"org.matrix.msc4143.rtc_foci": [
  {"type": "livekit", "livekit_service_url": "https://livekit-jwt.call.example.net"},
  {"type": "livekit", "livekit_service_url": "https://jwt.example.com"}]}
```

## Fix
Manual: put the entry for your own JWT service first.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.rules.common.roles import PublicUrl, jwt_public_urls
from rtclint.rules.common.wkedit import where
from rtclint.model import RTC_FOCI_KEY
from rtclint.rules.discovery.well_known_json import client_well_knowns, foci_member, node_span, parsed

CODE = "RTC110"
NAME = "first-focus-not-local"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    local = {PublicUrl.parse(u): site_route for u, site_route in jwt_public_urls(ctx).items()}
    local.pop(None, None)
    if not local:
        return
    hosts = {u.host for u in local}  # a set: a big tree has thousands of both
    by_domain = _domain_index(local)
    named: dict[frozenset, tuple[dict, str]] = {}  # per set of domains: ours, their URLs as text
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        entry, node = _first_focus(value, root)
        if entry is None:
            continue
        first = PublicUrl.parse(entry["livekit_service_url"])
        if first is None or first.host in hosts:
            continue  # our host: a wrong path there is RTC200's finding, not a foreign focus
        domains = frozenset(_well_known_domains(ctx, wk, value))
        if domains not in named:
            ours = _same_domain(local, set(domains), by_domain)
            urls = sorted(u.text() for u in ours)
            named[domains] = ours, ", ".join(urls[:3]) + (f", … ({len(urls)} in all)" if len(urls) > 3 else "")
        ours, mine = named[domains]
        if not ours:
            continue  # the tree's JWT services belong to other domains: another deployment
        site, route = next(iter(ours.values()))
        yield ctx.report(node_span(wk, node), f"the first rtc_foci entry in {where(wk)} is {first.text()}, not "
                         f"this deployment's JWT service ({mine}); Element Call 0.19.1–0.23 uses only the first "
                         f"entry", related=[Related(route.span, "the proxy publishes the JWT service here")])


def _first_focus(value: dict, root) -> tuple[dict | None, object]:
    """`rtc_foci[0]` when it names a JWT service, and its `livekit_service_url` node: the
    entry Element Call 0.19.1–0.23 uses, its `type` unchecked. Only the exact key counts
    (a misspelled one is RTC102's: clients find nothing there)."""
    key, _, foci_node = foci_member(value, root)
    foci = value.get(key) if key == RTC_FOCI_KEY else None
    if not isinstance(foci, list) or not foci:
        return None, None
    entry = foci[0]
    if not isinstance(entry, dict) or not isinstance(entry.get("livekit_service_url"), str):
        return None, None
    url_node = None
    if foci_node is not None and foci_node.items and foci_node.items[0].kind == "object":
        hit = foci_node.items[0].member("livekit_service_url")
        url_node = hit[1] if hit else None
    return entry, url_node


def _domain(host: str) -> str:
    """The last two labels of a host name: how one deployment's hosts are told apart
    from another's when a tree (a monorepo, examples/) holds several."""
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def _well_known_domains(ctx, wk, value: dict) -> set[str]:
    domains = {_domain(h) for h in wk.hosts if h not in ("*", "", "_")}
    base = value.get("m.homeserver")
    if isinstance(base, dict):
        url = PublicUrl.parse(str(base.get("base_url") or ""))
        if url is not None:
            domains.add(_domain(url.host))
    return domains


def _same_domain(local: dict, domains: set[str], by_domain: dict | None = None) -> dict:
    """The JWT services published under one of `domains` (all of them when unknown),
    in `local`'s order; `by_domain` (from `_domain_index`) saves a scan of all of them."""
    if not domains:
        return local
    if by_domain is None:
        return {url: place for url, place in local.items() if _domain(url.host) in domains}
    found = sorted(item for d in domains for item in by_domain.get(d, ()))
    return {url: place for _, url, place in found}


def _domain_index(local: dict) -> dict[str, list]:
    """domain -> [(position in `local`, url, place)]: built once per run, not per well-known."""
    index: dict[str, list] = {}
    for pos, (url, place) in enumerate(local.items()):
        index.setdefault(_domain(url.host), []).append((pos, url, place))
    return index
