"""HAProxy's answer: `http-request return|redirect|deny` rules, then `use_backend` in
order, then `default_backend`; a request no rule takes gets 503. Conditions are the
parser's reading of the ACLs: a path ACL and host ACLs; anything else is unknown."""

from __future__ import annotations

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, unknown
from rtclint.model.proxy import Route, Site


def answer_haproxy(site: Site, request: Request) -> Answer:
    if site.facts.get("mode") == "tcp":
        return unknown("HAProxy frontend in tcp mode", site)
    for route in site.routes:
        hit = _matches(route, request)
        if hit is None:
            return unknown(_why(route), site, route)
        if hit:
            return _answer(site, route, request)
    return Answer("respond", 503, body=None, site=site)


def _matches(route: Route, request: Request) -> bool | None:
    facts = route.facts
    if facts.get("unknown_acls") or facts.get("unmodelled") or facts.get("or"):
        return None
    if route.matcher.kind == "none":
        return None
    hosts = facts.get("hosts")
    if hosts and request.host.lower() not in hosts:
        return False
    return route.matcher.matches(request.path)


def _why(route: Route) -> str:
    facts = route.facts
    names = facts.get("unknown_acls") or facts.get("unmodelled") or []
    if facts.get("or"):
        return f"HAProxy condition with `or` in {route.name}"
    if names:
        return f"HAProxy ACL/fetch {', '.join(map(str, names))} in {route.name}"
    return f"HAProxy condition in {route.name}"


def _answer(site: Site, route: Route, request: Request) -> Answer:
    if route.facts.get("missing_backend"):
        return Answer("respond", 503, body=None, route=route)
    if route.respond is not None:
        resp = route.respond
        if resp.templated or resp.from_file:
            return unknown(f"HAProxy return body from a file or expression in {route.name}", site, route)
        return Answer("respond", resp.status, body=resp.body if resp.body is not None else "",
                      headers=list(route.headers), content_type=resp.content_type, route=route)
    if route.redirect is not None:
        return unknown(f"HAProxy redirect in {route.name}", site, route)
    proxy = route.proxy
    if proxy is None or not proxy.upstream.host:
        return Answer("respond", 503, body=None, route=route)
    up = proxy.upstream
    path = request.path
    if proxy.strip_prefix:
        if path.startswith(proxy.strip_prefix):
            path = (up.path or "") + path[len(proxy.strip_prefix):]
    upstream = UpstreamAnswer(up.host, up.effective_port, path, request.upgrade, proxy.read_timeout,
                              proxy.tunnel_timeout, balanced(route, (up.host, up.effective_port)))
    return Answer("proxy", None, headers=list(route.headers), upstream=upstream, route=route)
