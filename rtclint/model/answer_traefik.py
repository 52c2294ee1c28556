"""Traefik's answer to a request: the router its priority order picks (`routing`), its
redirect or its service with the stripped path; Traefik passes websocket upgrades itself.
Equal-priority overlaps and upstreams only the running container knows are unknown."""

from __future__ import annotations

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, unknown
from rtclint.model.proxy import Site
from rtclint.model.traefik_rule import upstream_path


def answer_traefik(site: Site, request: Request) -> Answer:
    route = site.route_for(request.path)
    if route is None:
        return Answer("respond", status=404, body="404 page not found\n", content_type="text/plain; charset=utf-8")
    if route.facts.get("undecidable"):
        return unknown(route.facts["undecidable"], site, route)
    if route.facts.get("path_rewrites") or route.facts.get("unknown_middlewares"):
        kinds = route.facts.get("path_rewrites") or route.facts.get("unknown_middlewares")
        return unknown(f"router `{route.facts.get('router')}` uses middlewares not modelled: {', '.join(kinds)}",
                       site, route)
    if route.redirect is not None:
        return Answer("redirect", status=route.redirect.status, location=route.redirect.target,
                      headers=list(route.headers), route=route)
    if route.proxy is None:
        return unknown(f"router `{route.facts.get('router')}` has no service the tree shows", site, route)
    up = route.proxy.upstream
    first = (up.host, up.effective_port)
    return Answer("proxy", headers=list(route.headers), route=route,
                  upstream=UpstreamAnswer(up.host, up.effective_port,
                                          upstream_path(route.facts.get("strip_prefixes", []), request.path),
                                          upgrade=True, choices=balanced(route, first)))
