"""HAProxy's answer: `http-request return|redirect|deny` rules, then `use_backend` in
order, then `default_backend`; a request no rule takes gets 503. Conditions are the
parser's reading of the ACLs: a path ACL and host ACLs; a condition with `or`/`||`, or
with a fetch the simple reading skips, is evaluated term by term (`condition` below:
path, Host and method fetches with their matching methods); anything else is unknown."""

from __future__ import annotations

import re

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, default_port, unknown
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
    if facts.get("unknown_acls"):
        return None
    if facts.get("unmodelled") or facts.get("or"):
        return condition(facts.get("cond"), request)
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
                      headers=route.headers, content_type=resp.content_type, route=route)
    if route.redirect is not None:
        return _redirect(site, route, request)
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
    return Answer("proxy", None, headers=route.headers, upstream=upstream, route=route)


def _redirect(site: Site, route: Route, request: Request) -> Answer:
    """`http-request redirect location|prefix|scheme <value> [code N]` (http_apply_redirect_rule):
    a literal target only; `drop-query`, `append-slash` and `set-cookie` change nothing the
    client's requests (no query, paths without a trailing slash asked twice) would see, other
    options, or a log-format target, are unknown."""
    kind, options = route.facts.get("redirect") or ("", ())
    target = route.redirect.target
    extra = [o for o in options if o not in ("code", "drop-query") and not o.isdecimal()]
    if "%" in target or extra or kind not in ("location", "prefix", "scheme"):
        return unknown(f"HAProxy redirect {kind} {target!r} in {route.name}", site, route)
    host = request.host if request.port == default_port(request.scheme) else f"{request.host}:{request.port}"
    if kind == "location":
        location = target
    elif kind == "prefix":
        location = ("" if target == "/" else target) + request.path  # "/" exactly inserts nothing
    else:
        location = f"{target}://{host}{request.path}"
    return Answer("redirect", route.redirect.status, body=None, headers=route.headers, location=location,
                  route=route)


def condition(cond, request: Request) -> bool | None:
    """An `if`/`unless` condition: OR of AND groups, three-valued (None: undecided)."""
    if cond is None:
        return None
    unless, groups = cond
    result: bool | None = False
    for group in groups:
        value: bool | None = True
        for negated, acls in group:
            term = _term(acls, request)
            term = None if term is None else term != negated
            value = False if term is False or value is False else (None if term is None or value is None else True)
        result = True if value is True or result is True else (None if value is None or result is None else False)
    return None if result is None else result != unless


def _term(acls, request: Request) -> bool | None:
    """A named ACL (its `acl` lines are ORed) or an anonymous one."""
    if acls is None:
        return None
    out: bool | None = False
    for fetch, values, ci, method in acls:
        hit = _acl(fetch, values, ci, method, request)
        if hit is True:
            return True
        if hit is None:
            out = None
    return out


def _converters(fetch: str) -> tuple[str, list | None]:
    """`fetch,conv,conv…`: the converters modelled are `lower` and `field(N,C)` with one
    delimiter (`hdr(host),field(1,:)` drops the port); others: None."""
    base, *convs = fetch.split(",", 1)
    out: list = []
    rest = convs[0] if convs else ""
    while rest:
        if rest.startswith("lower"):
            out.append(("lower", ()))
            rest = rest[len("lower"):]
        else:
            m = re.match(r"field\((\d+),(.)\)", rest)
            if m is None or int(m.group(1)) < 1:
                return base, None
            out.append(("field", (int(m.group(1)), m.group(2))))
            rest = rest[m.end():]
        if rest and not rest.startswith(","):
            return base, None
        rest = rest[1:]
    return base, out


# fetch -> (sample kind, default matching method)
_FETCHES = {"path": ("path", "str"), "path_beg": ("path", "beg"), "path_end": ("path", "end"),
            "path_sub": ("path", "sub"), "path_reg": ("path", "reg"), "method": ("method", "str")}
_HOST = re.compile(r"^(?:req\.)?hdr(?:_(beg|end|reg|sub|str))?\(host\)$")


def _acl(fetch: str, values, ci: bool, method: str, request: Request) -> bool | None:
    fetch = fetch.lower()
    if fetch == "ssl_fc" and not values:  # a boolean fetch: the connection to the frontend is TLS
        return request.scheme == "https"
    fetch, converters = _converters(fetch)
    if converters is None:
        return None
    host = _HOST.match(fetch)
    if host:
        sample = request.host if request.port == default_port(request.scheme) else f"{request.host}:{request.port}"
        default = host.group(1) or "str"
    elif fetch in _FETCHES:
        kind, default = _FETCHES[fetch]
        sample = request.path if kind == "path" else request.method
    else:
        return None
    how = method or default
    for name, args in converters:
        if name == "lower":
            sample = sample.lower()
        else:  # field(<index>,<delimiter>): the index-th (from 1) piece, empty when there is none
            pieces = sample.split(args[1])
            sample = pieces[args[0] - 1] if args[0] <= len(pieces) else ""
    if how == "found":
        return True
    if ci and how != "reg":
        sample, values = sample.lower(), [v.lower() for v in values]
    if how == "str":
        return sample in values
    if how == "beg":
        return any(sample.startswith(v) for v in values)
    if how == "end":
        return any(sample.endswith(v) for v in values)
    if how == "sub":
        return any(v in sample for v in values)
    if how == "reg":
        try:
            return any(re.search(v, sample, re.I if ci else 0) for v in values)
        except re.error:
            return None
    return None  # dir, dom, len, int, ip…: not modelled
