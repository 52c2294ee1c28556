"""The first `rtc_foci` entry is not this deployment's JWT service.

## What it does
Compares the first `rtc_foci` entry with the public URLs at which the proxies in the
tree publish lk-jwt-service. Reports when the tree publishes a JWT service but the
first entry points elsewhere (another deployment, a public test service).

## Why
Element Call 0.19.1–0.23 uses only the first entry: your own JWT service and SFU are
never used, and calls depend on (or fail at) the other one.

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
from rtclint.rules.discovery.well_known_json import client_well_knowns, livekit_entries, node_span, parsed

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
        entries = list(livekit_entries(value, root))
        if not entries or entries[0][0] != 0:
            continue
        _, entry, node = entries[0]
        first = PublicUrl.parse(entry.get("livekit_service_url") or "")
        if first is None or first.host in hosts:
            continue  # our host: a wrong path there is RTC200's finding, not a foreign focus
        domains = frozenset(_well_known_domains(wk, value))
        if domains not in named:
            ours = _same_domain(local, set(domains), by_domain)
            urls = sorted(u.text() for u in ours)
            named[domains] = ours, ", ".join(urls[:3]) + (f", … ({len(urls)} in all)" if len(urls) > 3 else "")
        ours, mine = named[domains]
        if not ours:
            continue  # the tree's JWT services belong to other domains: another deployment
        site, route = next(iter(ours.values()))
        yield ctx.report(node_span(wk, node), f"the first rtc_foci entry in {where(wk)} is {first.text()}, not "
                         f"this deployment's JWT service ({mine}); Element Call uses only the first "
                         f"entry", related=[Related(route.span, "the proxy publishes the JWT service here")])


def _domain(host: str) -> str:
    """The last two labels of a host name: how one deployment's hosts are told apart
    from another's when a tree (a monorepo, examples/) holds several."""
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def _well_known_domains(wk, value: dict) -> set[str]:
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
