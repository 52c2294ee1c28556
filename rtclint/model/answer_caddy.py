"""Caddy's answer: the route (directive order, handle groups), `respond`, `redir` with
placeholders, `reverse_proxy` with the prefix `handle_path`/`uri strip_prefix` removed.
A request no route takes gets Caddy's empty 200."""

from __future__ import annotations

import re

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, unknown
from rtclint.model.proxy import Route, Site
from rtclint.model.routing import select_route

_PLACEHOLDER = re.compile(r"\{([^{}\s]+)\}")
_ENV = re.compile(r"\{\$([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
MODELLED_CONDITIONS = frozenset({"method"})


def answer_caddy(site: Site, request: Request) -> Answer:
    if len({lst.tls for lst in site.listens}) > 1:
        return unknown("Caddy site mixing http:// and https:// addresses (per-address listeners)", site)
    routes = [r for r in site.routes if _host_ok(r, request) and _conditions_ok(r, request) is not False]
    undecided = [r for r in routes if _conditions_ok(r, request) is None]
    chosen = _select(site, routes, request.path)
    if chosen is not None and chosen in undecided:
        return unknown(f"Caddy matcher {', '.join(chosen.facts.get('conditions', []))} in {chosen.name}", site, chosen)
    if chosen is None or chosen.facts.get("claim_only"):
        headers = _headers(chosen, request.path) if chosen is not None else _site_headers(site, request.path)
        return Answer("respond", 200, body="", headers=headers, content_type=None, route=chosen)
    if chosen.respond is not None:
        return _respond(site, chosen, request)
    if chosen.redirect is not None:
        target = placeholders(chosen.redirect.target, request)
        if target is None:
            return unknown(f"Caddy redir placeholder in {chosen.redirect.target!r}", site, chosen)
        return Answer("redirect", chosen.redirect.status, location=target, headers=_headers(chosen, request.path),
                      route=chosen)
    if chosen.proxy is not None:
        return _proxy(site, chosen, request)
    return unknown(f"Caddy `{chosen.facts.get('directive')}` in {chosen.name}", site, chosen)


def _select(site: Site, routes: list[Route], path: str) -> Route | None:
    view = Site(kind="caddy", hosts=site.hosts, listens=site.listens, routes=routes, span=site.span)
    return select_route(view, path)


def _respond(site: Site, route: Route, request: Request) -> Answer:
    resp = route.respond
    body = resp.body
    if body is not None and (resp.templated or "{$" in body):
        body = placeholders(body, request)
        if body is None:
            return unknown(f"Caddy respond placeholder in {route.name}", site, route)
    ctype = resp.content_type
    if ctype is None and body:
        ctype = "text/plain; charset=utf-8"
    headers = [h for h in _headers(route, request.path) if h.name.lower() != "content-type"]
    return Answer("respond", resp.status, body=body if body is not None else "", headers=headers,
                  content_type=ctype, route=route)


def _proxy(site: Site, route: Route, request: Request) -> Answer:
    proxy = route.proxy
    up = proxy.upstream
    if "{" in up.host or (up.path not in (None, "", "/")):
        return unknown(f"Caddy reverse_proxy upstream {up.host!r}", site, route)
    path = request.path
    if proxy.strip_prefix and path.startswith(proxy.strip_prefix):
        path = path[len(proxy.strip_prefix):] or "/"
        if not path.startswith("/"):
            path = "/" + path
    port = up.effective_port
    upstream = UpstreamAnswer(up.host, port, path, request.upgrade, proxy.read_timeout, None,
                              balanced(route, (up.host, port)))
    return Answer("proxy", None, headers=_headers(route, request.path), upstream=upstream, route=route)


def _headers(route: Route | None, path: str):
    """The route's `header` lines whose own matcher takes the request's path."""
    if route is None:
        return []
    return [h for h in route.headers if h.matcher is None or h.matcher.matches(path)]


def _site_headers(site: Site, path: str):
    """`header` lines at the top of the site apply to requests no route takes, too: the
    ones every route carries."""
    if not site.routes:
        return []
    common = site.routes[0].headers
    return [h for h in common if not h.deferred and all(h in r.headers for r in site.routes)
            and (h.matcher is None or h.matcher.matches(path))]


def _host_ok(route: Route, request: Request) -> bool:
    hosts = route.facts.get("hosts")
    return not hosts or request.host.lower() in hosts


def _conditions_ok(route: Route, request: Request) -> bool | None:
    conds = route.facts.get("conditions") or []
    if not conds:
        return True
    if any(c not in MODELLED_CONDITIONS for c in conds):
        return None
    return None  # method matchers: the parser keeps no values yet


def placeholders(text: str, request: Request) -> str | None:
    failed = False

    def one(m: re.Match) -> str:
        nonlocal failed
        value = _placeholder(m.group(1), request)
        if value is None:
            failed = True
            return ""
        return value

    text = _ENV.sub(lambda m: m.group(2) or "", text)  # {$VAR:default}: the environment is empty here
    out = _PLACEHOLDER.sub(one, text)
    return None if failed else out


def _placeholder(name: str, request: Request) -> str | None:
    host = request.host
    return {"uri": request.path, "path": request.path, "host": host, "hostport": f"{host}:{request.port}",
            "scheme": request.scheme, "method": request.method, "query": "",
            "http.request.uri": request.path, "http.request.uri.path": request.path,
            "http.request.host": host, "http.request.scheme": request.scheme,
            "http.request.method": request.method}.get(name)
