"""nginx's answer: the server's rewrite phase, the location, then the location's own
`if`/`rewrite`/`return`, and `proxy_pass` (with or without a URI) or a static answer."""

from __future__ import annotations

import dataclasses
import re

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, authority, default_port, unknown
from rtclint.model.proxy import Route, Site
from rtclint.model.routing import select_route

# Directives whose effect on the answer rtclint does not evaluate (prefixes of names).
UNMODELLED = ("content_by_lua", "access_by_lua", "rewrite_by_lua", "header_filter_by_lua", "body_filter_by_lua",
              "js_content", "js_header_filter", "js_body_filter", "js_set", "perl", "auth_request", "try_files",
              "error_page", "sub_filter", "more_set_headers", "more_clear_headers", "set", "proxy_redirect",
              "proxy_hide_header", "limit_except", "deny", "allow", "auth_basic", "echo", "empty_gif",
              "grpc_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass", "internal", "mirror")
_UNMODELLED_NAMES = frozenset(UNMODELLED)
MAX_RESTARTS = 10  # nginx stops `rewrite … last` cycles after 10 (500)
_VAR = re.compile(r"\$(\{\w+\}|\w+)")


def answer_nginx(site: Site, request: Request) -> Answer:
    return _expand_headers(_answer(site, request), request)


def reads_host(site: Site) -> bool:
    """Whether an answer of this server may depend on the request's host (beyond the
    host having chosen the server). The model reads the host only where it expands a
    variable (`if` conditions, `rewrite` replacements, redirect targets, templated
    bodies, header values) and where it writes an absolute redirect (`authority`): a
    server with none of these answers every host it serves alike, so the routing rules
    ask it once for all of them."""
    facts = site.facts
    if facts.get("ifs") or facts.get("rewrites") or _templated(site.headers):
        return True
    for route in site.routes:
        facts = route.facts
        if facts.get("ifs") or facts.get("rewrites") or route.redirect is not None or _templated(route.headers):
            return True
        if route.respond is not None and route.respond.templated:
            return True
    return False


def _templated(headers) -> bool:
    return any("$" in h.value for h in headers)


def _expand_headers(result: Answer, request: Request) -> Answer:
    """`add_header` values with variables, as nginx sends them: expanded per request, and
    not sent at all when empty (ngx_http_headers_filter skips an empty value). A value with
    a variable the model does not know stays as written."""
    for h in result.headers:
        if "$" in h.value:
            break
    else:  # no value with a variable (the common case): nothing to expand
        return result
    out = []
    for h in result.headers:
        value = expand(h.value, request, request.path) if "$" in h.value else h.value
        if value is None:
            out.append(h)
        elif value:
            out.append(dataclasses.replace(h, value=value))
    result.headers = out
    return result


def _answer(site: Site, request: Request) -> Answer:
    # asked thousands of times on a big tree: each fact is read once, and the steps a
    # server without `if`/`rewrite`/unmodelled directives does not have are skipped
    path = request.path
    facts = site.facts
    odd = _unmodelled(facts.get("directives", ()))
    if odd:
        return unknown(f"nginx `{odd}` at server level", site)
    for fact in facts.get("ifs", ()):
        early = _if(fact, request, path, site, None)
        if early is not None:
            return early
    rewrites = facts.get("rewrites")
    if rewrites:
        rewritten = _rewrites(rewrites, request, path, site, None)
        if isinstance(rewritten, Answer):
            return rewritten
        path = rewritten[0]
    for _ in range(MAX_RESTARTS):
        route = select_route(site, path)
        if route is None:  # the server's static handler, with the server's add_header
            missing = _no_file(request)
            missing.headers = site.headers
            return missing
        result = _route(site, route, request, path)
        if isinstance(result, str):  # `rewrite … last`: search the locations again
            path = result
            continue
        result.route = route
        return result
    return Answer("respond", 500, body=None, site=site)


def _route(site: Site, route: Route, request: Request, path: str) -> Answer | str:
    facts = route.facts
    if facts.get("server_level"):
        return _static(route, request, path, site)
    odd = _unmodelled(facts.get("directives", ()))
    if odd:
        return unknown(f"nginx `{odd}` in {route.name}", site, route)
    if route.matcher.kind == "none":
        return unknown(f"nginx named or unreadable location {route.name}", site, route)
    for fact in facts.get("ifs", ()):
        early = _if(fact, request, path, site, route)
        if early is not None:
            return early
    new_path, flag = path, ""
    rewrites = facts.get("rewrites")
    if rewrites:
        rewritten = _rewrites(rewrites, request, path, site, route)
        if isinstance(rewritten, Answer):
            return rewritten
        new_path, flag = rewritten
        if flag == "last":
            return new_path
    if route.proxy is not None:
        return _proxy(site, route, request, path, new_path, flag == "break")
    return _static(route, request, new_path, site)


def _static(route: Route, request: Request, path: str, site: Site) -> Answer:
    if route.redirect is not None:
        target = expand(route.redirect.target, request, path)
        if target is None:
            return unknown(f"nginx redirect target {route.redirect.target!r} uses an unresolved variable", site, route)
        if target.startswith("/"):
            target = f"{request.scheme}://{authority(request)}{target}"
        return Answer("redirect", route.redirect.status, location=target, headers=route.headers)
    if route.respond is None:
        if route.facts.get("static"):
            return unknown(f"nginx serves files in {route.name}", site, route)
        answer = _no_file(request)
        answer.headers = route.headers
        return answer
    resp = route.respond
    if resp.from_file is not None:
        return unknown(f"nginx serves the file {resp.from_file}", site, route)
    body = resp.body
    if body is not None and resp.templated:
        body = expand(body, request, path)
        if body is None:
            return unknown("nginx return body uses an unresolved variable", site, route)
    content_type = route.facts.get("default_type") or site.facts.get("default_type") or "text/plain"
    return Answer("respond", resp.status, body=body, headers=route.headers,
                  content_type=content_type if body is not None else None)


def _no_file(request: Request) -> Answer:
    """The static handler under the default root, where none of the client's paths exist."""
    if request.method not in ("GET", "HEAD", "POST"):
        return Answer("respond", 405, body=None)
    return Answer("respond", 404, body=None)


def _proxy(site: Site, route: Route, request: Request, original: str, path: str, rewritten: bool) -> Answer:
    proxy = route.proxy
    if route.facts.get("proxy_templated"):
        return unknown("nginx proxy_pass with variables", site, route)
    up = proxy.upstream
    received = path
    if up.path is not None and not rewritten:
        prefix = route.matcher.paths[0] if route.matcher.paths else ""
        if route.matcher.kind not in ("prefix", "prefix_noregex", "exact"):
            return unknown(f"nginx proxy_pass with a URI in {route.name}", site, route)
        received = up.path + path[len(prefix):]
    port = up.port if up.port is not None else default_port(up.scheme)
    upstream = UpstreamAnswer(up.host, port, received, bool(proxy.websocket) and request.upgrade,
                              proxy.read_timeout, proxy.tunnel_timeout, balanced(route, (up.host, port)))
    return Answer("proxy", None, headers=route.headers, upstream=upstream)


def _if(fact: dict, request: Request, path: str, site: Site, route: Route | None) -> Answer | None:
    """An `if` whose body returns: its answer when the condition holds; None otherwise."""
    truth = condition(fact.get("args") or [], request, path)
    if truth is None:
        return unknown(f"nginx `if ({fact.get('condition')})`", site, route)
    if not truth:
        return None
    others = [d for d in fact.get("directives", ()) if d not in ("return", "add_header", "rewrite")]
    if others:
        return unknown(f"nginx `{others[0]}` inside `if`", site, route)
    ret = fact.get("return")
    if not ret:
        if fact.get("rewrites") or fact.get("headers"):
            return unknown("nginx `if` without return changes the request", site, route)
        return None
    headers = fact.get("headers") or (route.headers if route is not None else site.headers)
    code = ret[0]
    if not code.isdecimal():
        return Answer("redirect", 302, location=expand(code, request, path), headers=list(headers))
    status = int(code)
    text = ret[1] if len(ret) > 1 else None
    if status in (301, 302, 303, 307, 308) and text is not None:
        target = expand(text, request, path)
        if target is None:
            return unknown("nginx redirect target uses an unresolved variable", site, route)
        return Answer("redirect", status, location=target, headers=list(headers))
    body = expand(text, request, path) if text is not None else None
    ctype = (route.facts.get("default_type") if route else None) or site.facts.get("default_type") or "text/plain"
    return Answer("respond", status, body=body, headers=list(headers), content_type=ctype if body is not None else None)


def _rewrites(facts, request: Request, path: str, site: Site, route: Route | None):
    """Apply `rewrite regex replacement [flag]` in order: (path, flag) or a redirect Answer."""
    for fact in facts:
        regex, repl, flag = fact["regex"], fact["replacement"], fact["flag"]
        try:
            m = re.search(regex, path)
        except re.error:
            return unknown(f"nginx rewrite regex {regex!r}", site, route)
        if m is None:
            continue
        new = _substitute(repl, m, request, path)
        if new is None:
            return unknown(f"nginx rewrite replacement {repl!r}", site, route)
        if new.startswith(("http://", "https://", "$scheme")) or flag in ("redirect", "permanent"):
            status = 301 if flag == "permanent" else 302
            if new.startswith("/"):
                new = f"{request.scheme}://{authority(request)}{new}"
            return Answer("redirect", status, location=new, headers=list(route.headers if route else site.headers))
        path = new.split("?", 1)[0]
        if flag in ("break", "last"):
            return path, flag
    return path, ""


def _substitute(repl: str, m: re.Match, request: Request, path: str) -> str | None:
    out = re.sub(r"\$(\d)", lambda g: m.group(int(g.group(1))) or "" if int(g.group(1)) <= m.re.groups else "",
                 repl)
    return expand(out, request, path)


def condition(args: list[str], request: Request, path: str) -> bool | None:
    """An `if` condition over request variables; None when it cannot be decided."""
    args = list(args)
    if args and args[0].startswith("("):  # the lexer keeps the parentheses on the words
        args[0] = args[0][1:]
    if args and args[-1].endswith(")"):
        args[-1] = args[-1][:-1]
    args = [a for a in args if a]
    if len(args) == 1:
        value = variable(args[0], request, path)
        return None if value is None else value not in ("", "0")
    if len(args) != 3:
        return None
    left = variable(args[0], request, path)
    if left is None:
        return None
    op, right = args[1], args[2]
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    if op in ("~", "~*", "!~", "!~*"):
        try:
            hit = re.search(right, left, re.I if op.endswith("*") else 0) is not None
        except re.error:
            return None
        return hit != op.startswith("!")
    return None


def variable(word: str, request: Request, path: str) -> str | None:
    if not word.startswith("$"):
        return None
    return expand(word, request, path)


def expand(text: str, request: Request, path: str) -> str | None:
    """`text` with nginx variables replaced; None when one is not a request fact."""
    failed = False

    def one(m: re.Match) -> str:
        nonlocal failed
        name = m.group(1).strip("{}")
        value = _value(name, request, path)
        if value is None:
            failed = True
            return ""
        return value

    out = _VAR.sub(one, text)
    return None if failed else out


def _value(name: str, request: Request, path: str) -> str | None:
    if name.startswith("http_"):
        return request.headers.get(name[5:].replace("_", "-"), "")
    return {"request_method": request.method, "host": request.host.lower(), "scheme": request.scheme,
            "uri": path, "document_uri": path, "request_uri": request.path, "server_port": str(request.port),
            "server_name": None, "args": "", "is_args": "", "query_string": ""}.get(name)


def _unmodelled(names) -> str | None:
    """The first directive whose effect the model does not evaluate: one of UNMODELLED, or
    a Lua/njs variant of one (`content_by_lua_block`). Asked at every request of a big tree:
    whole-list tests in C first; the loop, in order, only when one may hit."""
    if _UNMODELLED_NAMES.isdisjoint(names):
        joined = " ".join(names)
        if "lua" not in joined and "js_" not in joined:  # no variant either
            return None
    for name in names:
        if name in _UNMODELLED_NAMES or (("lua" in name or name.startswith("js_")) and name.startswith(UNMODELLED)):
            return name
    return None
