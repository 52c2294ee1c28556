"""What the proxy answers to one client request: respond, redirect, proxy — or unknown.

`answer(sites, request)` picks the site the proxy would pick for the request's port, scheme
and host (`answer_hosts`), then reads it with that proxy's own rules (`answer_nginx`,
`answer_caddy`, `answer_haproxy`, `answer_traefik`). The types are in `answer_types`. Linear in the number of
routes: one pass to pick the site, one route selection, a bounded number of nginx
`rewrite … last` restarts.
"""

from __future__ import annotations

import importlib
from functools import cache

from rtclint.model.answer_hosts import SiteIndex
from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, no_site, unknown

__all__ = ["Answer", "Request", "UpstreamAnswer", "answer", "answer_site", "unknown"]
# each proxy's reader, imported when a site of its kind is first asked (a tree of nginx
# sites never loads Traefik's rule language)
READERS = {"nginx": "answer_nginx", "caddy": "answer_caddy", "haproxy": "answer_haproxy",
           "traefik": "answer_traefik", "ingress": "answer_ingress", "gateway": "answer_ingress"}


@cache
def _reader(kind: str):
    module = READERS.get(kind)
    if module is None:
        return None
    return getattr(importlib.import_module(f"rtclint.model.{module}"), "answer_ingress" if kind == "gateway" else module)


def answer(sites, request: Request) -> Answer:
    """The proxy's answer to `request`; `sites` is a Deployment, a list of Sites or their
    SiteIndex."""
    index = sites if isinstance(sites, SiteIndex) else _site_index(sites)  # the rules pass their own
    site = index.pick(request)
    if site is None:
        return no_site(request.host, request.port)
    return answer_site(site, request)


def _site_index(sites) -> SiteIndex:
    """The deployment's site index, kept on it while its sites stay the same ones (or the
    index a caller keeps, given as it is)."""
    if isinstance(sites, SiteIndex):
        return sites
    current = tuple(getattr(sites, "sites", sites))
    index = getattr(sites, "_site_index", None)
    if index is not None and index.sites == current:
        return index
    index = SiteIndex(current)
    if hasattr(sites, "sites"):
        try:
            sites._site_index = index
        except AttributeError:  # a slotted holder: indexed again next time
            pass
    return index


def answer_site(site, request: Request) -> Answer:
    """The answer of one site (e.g. a fragment without an address, included elsewhere)."""
    reader = _reader(site.kind)
    if reader is None:
        return unknown(f"{site.kind} sites are not modelled", site)
    result = reader(site, request)
    result.site = site
    result.server = site.kind
    return result
