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


def answer_caddy(site: Site, request: Request) -> Answer:
    try:
        return _answer(site, request)
    except _Undecided as exc:
        return unknown(f"Caddy header matcher on {exc.args[0]}", site)


def _answer(site: Site, request: Request) -> Answer:
    if len({lst.tls for lst in site.listens}) > 1:
        return unknown("Caddy site mixing http:// and https:// addresses (per-address listeners)", site)
    routes = [r for r in site.routes if _host_ok(r, request) and _conditions_ok(r, request) is not False]
    undecided = [r for r in routes if _conditions_ok(r, request) is None]
    chosen = _select(site, routes, request.path)
    if chosen is not None and chosen in undecided:
        return unknown(f"Caddy matcher {', '.join(chosen.facts.get('conditions', []))} in {chosen.name}", site, chosen)
    if chosen is None or chosen.facts.get("claim_only"):
        headers = _headers(chosen, request.path, request) if chosen is not None else \
            _site_headers(site, request.path, request)
        return Answer("respond", 200, body="", headers=headers, content_type=None, route=chosen)
    if chosen.respond is not None:
        return _respond(site, chosen, request)
    if chosen.redirect is not None:
        target = placeholders(chosen.redirect.target, request)
        if target is None:
            return unknown(f"Caddy redir placeholder in {chosen.redirect.target!r}", site, chosen)
        return Answer("redirect", chosen.redirect.status, location=target,
                      headers=_headers(chosen, request.path, request),
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
    headers = [h for h in _headers(route, request.path, request) if h.name.lower() != "content-type"]
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
    return Answer("proxy", None, headers=_headers(route, request.path, request), upstream=upstream, route=route)


class _Undecided(Exception):
    """A `header` line's named matcher has a condition the model cannot evaluate."""


def _headers(route: Route | None, path: str, request: Request | None = None):
    """The route's `header` lines whose own matcher takes the request."""
    if route is None:
        return []
    out = []
    for h in route.headers:
        if h.matcher is not None and not h.matcher.matches(path):
            continue
        if h.checks is not None and request is not None:
            hit = conditions(h.checks, request)
            if hit is None:
                raise _Undecided(h.name)
            if not hit:
                continue
        out.append(h)
    return out


def _site_headers(site: Site, path: str, request: Request):
    """`header` lines at the top of the site apply to requests no route takes, too: the
    ones every route carries."""
    if not site.routes:
        return []
    view = Route(site.routes[0].matcher, site.routes[0].span, headers=[
        h for h in site.routes[0].headers if not h.deferred and all(h in r.headers for r in site.routes)])
    return _headers(view, path, request)


def _host_ok(route: Route, request: Request) -> bool:
    hosts = route.facts.get("hosts")
    return not hosts or request.host.lower() in hosts


def _conditions_ok(route: Route, request: Request) -> bool | None:
    conds = route.facts.get("conditions") or []
    if not conds:
        return True
    checks = route.facts.get("checks")
    if checks is None:
        return None
    return conditions(checks, request)


# Request header fields whose value the model knows: the ones its client requests carry
# (answer_requests.py) and Host; a browser or a test client adds others (User-Agent,
# Accept, Content-Length…) the model cannot know, so a matcher on them is undecided.
KNOWN_FIELDS = frozenset({"origin", "content-type", "upgrade", "access-control-request-method",
                          "access-control-request-headers", "sec-websocket-key", "sec-websocket-version", "host"})
PATH_TYPES = frozenset({"path", "path_regexp", "host"})  # read into the route's matcher and hosts


def conditions(checks, request: Request) -> bool | None:
    """The non-path lines of a named matcher (all must match, MatchRequest): `method`
    (merged lines OR their values) and `header` (MatchHeader: fields AND, values of one
    field OR, `*` wildcards, `!field` absent), and `not` sets of those; three-valued."""
    methods: list[str] = []
    headers: dict[str, list[str] | None] = {}
    nots = []
    for kind, values in checks:
        if kind == "not":
            inner = {k for k, _ in values}
            if inner == {"host"}:
                names = [v.lower() for _, vs in values for v in vs]
                if any("*" in n or "{" in n for n in names):
                    return None
                nots.append(None if request.host.lower() in names else ())
                continue
            if inner <= {"path", "path_regexp"}:
                continue  # `not path …`: the route's matcher is negated already
            if inner & PATH_TYPES:
                return None
            nots.append(values)
        elif kind == "method":
            methods += values
        elif kind == "header":
            if not _add_header(headers, values):
                return None
        elif kind not in PATH_TYPES:
            return None
    result: bool | None = True
    for value in [_method_ok(methods, request) if methods else True, _headers_ok(headers, request)]:
        result = _and(result, value)
    for values in nots:
        if values is None or values == ():  # a `not host` set: it matched (None) or did not
            result = _and(result, values == ())
            continue
        inner = conditions(values, request)
        result = _and(result, None if inner is None else not inner)
    return result


def _and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _method_ok(methods: list[str], request: Request) -> bool | None:
    if any(m != m.upper() for m in methods):
        return None  # the spelling Caddy compares is not sure
    return request.method in methods


def _add_header(headers: dict, values) -> bool:
    """One `header <field> [<value>]` line into the merged map; False when not modelled."""
    if not values or len(values) > 2 or any("{" in v for v in values):
        return False
    field = values[0].lower()
    if field.startswith("!"):
        headers[field[1:]] = None  # the field must be absent
        return len(values) == 1
    if len(values) < 2:
        return False  # a field without a value: not modelled
    if headers.get(field, []) is None:
        return False
    headers.setdefault(field, []).append(values[1])
    return True


def _headers_ok(headers: dict, request: Request) -> bool | None:
    result: bool | None = True
    for field, allowed in headers.items():
        if field not in KNOWN_FIELDS:
            return None
        actual = request.host if field == "host" else request.headers.get(field)
        if allowed is None:
            result = _and(result, actual is None)
            continue
        hit = actual is not None and any(_header_value_ok(actual, want) for want in allowed)
        result = _and(result, hit)
    return result


def _header_value_ok(actual: str, want: str) -> bool:
    if want == "*":
        return True
    if len(want) > 1 and want.startswith("*") and want.endswith("*"):
        return want[1:-1] in actual
    if want.startswith("*"):
        return actual.endswith(want[1:])
    if want.endswith("*"):
        return actual.startswith(want[:-1])
    return actual == want


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
