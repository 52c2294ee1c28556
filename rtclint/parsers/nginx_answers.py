"""What an nginx location answers: `return` (a redirect or a response, with the content
type in effect), `proxy_pass` and the upstream it names (`upstream {}` blocks
included), `alias`/`root` serving a file. A part of `nginx_model.Builder`."""

from __future__ import annotations

import re
from collections.abc import Callable

from rtclint.document import Span
from rtclint.model.proxy import PathMatch, Proxy, Redirect, Respond, Route, Upstream
from rtclint.parsers.nginx_config import flatten
from rtclint.parsers.nginx_levels import Level
from rtclint.parsers.nginx_lexer import Stmt, Word
from rtclint.parsers.nginx_values import parse_time, split_hostport

REDIRECT_CODES = {301, 302, 303, 307, 308}
_VARIABLE = re.compile(r"\$(\{?[A-Za-z_0-9])")


class Answers:
    """The Builder's methods for a location's answer; they use its `text_of`,
    `upstreams`, `last_servers` and `span`."""

    def apply_return(self, route: Route, stmt: Stmt, lvl: Level) -> None:
        first = stmt.args[0]
        if not first.value.isdecimal():
            route.redirect = Redirect(first.value, 302, self.span(stmt, stmt.path))
            return
        code = int(first.value)
        body = stmt.args[1] if len(stmt.args) > 1 else None
        if code in REDIRECT_CODES and body is not None:
            route.redirect = Redirect(body.value, code, self.span(stmt, stmt.path))
            return
        route.respond = self.respond(code, body, stmt.path, lvl)

    def respond(self, code: int, body: Word | None, path: str, lvl: Level) -> Respond:
        resp = Respond(status=code, body=None)
        if body is not None:
            text = self.text_of(path)
            resp.body = body.value
            resp.body_span = Span(path, body.raw_start, body.raw_end)
            if body.value != text[body.raw_start:body.raw_end]:
                resp.body_map = body.source_map(text)
            resp.templated = bool(_VARIABLE.search(body.value))
        content_type = lvl.default_type
        explicit = next((h for h in lvl.add_headers if h.name.lower() == "content-type"), None)
        if content_type is not None:
            resp.content_type, resp.content_type_span = content_type.value, content_type.span
        elif explicit is not None:
            resp.content_type, resp.content_type_span = explicit.value, explicit.span
        return resp

    def proxy(self, stmt: Stmt, lvl: Level, matcher: PathMatch) -> Proxy:
        word = stmt.args[0]
        upstream, backend = self.upstream(word, stmt.path)
        proxy = Proxy(upstream=upstream, span=self.span(stmt, stmt.path))
        if backend is not None:
            proxy.backend_name = backend
            proxy.backend_span = upstream.span  # the proxy_pass word's (spans are frozen: shared)
            self.last_servers = list(self.upstreams.get(backend, []))
        else:
            self.last_servers = [upstream]
        if upstream.path is not None and "$" not in word.value and matcher.kind in ("prefix", "prefix_noregex",
                                                                                  "exact"):
            prefix = matcher.paths[0]
            proxy.strip_prefix = "" if upstream.path == prefix else prefix
            proxy.strip_span = upstream.span
        proxy.request_headers = list(lvl.proxy_headers)
        names = {h.name.lower(): h.value.lower() for h in lvl.proxy_headers}
        proxy.websocket = "upgrade" in names and "upgrade" in names.get("connection", "")
        if lvl.http_version is not None:
            proxy.http_version, proxy.http_version_span = lvl.http_version.value, lvl.http_version.span
        if lvl.read_timeout is not None:
            proxy.read_timeout = parse_time(lvl.read_timeout.value)
            proxy.read_timeout_span = lvl.read_timeout.span
        return proxy

    def upstream(self, word: Word, path: str) -> tuple[Upstream, str | None]:
        url = word.value
        scheme, _, rest = url.partition("://")
        if not rest:
            scheme, rest = "http", url
        if rest.startswith("unix:"):
            return Upstream(rest.split(":", 2)[1] if ":" in rest[5:] else rest, None, scheme.lower(),
                            span=Span(path, word.start, word.end)), None
        hostport, slash, tail = rest.partition("/")
        uri = slash + tail if slash else None
        host, port = split_hostport(hostport)
        span = Span(path, word.start, word.end)
        port_span = None
        if port is not None:
            at = self.text_of(path).find(":" + str(port), word.raw_start, word.raw_end)
            if at != -1:
                port_span = Span(path, at + 1, at + 1 + len(str(port)))
        servers = self.upstreams.get(host) if port is None else None
        if servers:
            first = servers[0]
            return Upstream(first.host, first.port, scheme.lower(), uri, span, first.port_span), host
        return Upstream(host, port, scheme.lower(), uri, span, port_span), None

    def static_file(self, route: Route, body: list[Stmt]) -> None:
        """`alias`/`root` serving a file: the body comes from a file the tree may hold."""
        alias = next((s for s in body if s.name in ("alias", "root") and s.args), None)
        if alias is None or route.matcher.kind not in ("exact", "prefix", "prefix_noregex"):
            return
        base = alias.args[0].value
        target = base if alias.name == "alias" else base.rstrip("/") + route.matcher.paths[0]
        route.respond = Respond(status=200, body=None, from_file=target)
        route.facts["static"] = alias.name

    # -- facts -----------------------------------------------------------------------


def upstream_blocks(stmts: list[Stmt], text_of: Callable[[str], str]) -> dict[str, list[Upstream]]:
    """`upstream name { server host:port; }` blocks at http level (or anywhere reachable)."""
    found: dict[str, list[Upstream]] = {}
    for stmt in flatten(stmts):
        if stmt.name == "upstream" and stmt.args and stmt.block is not None:
            servers = []
            for inner in flatten(stmt.block):
                if inner.name == "server" and inner.args:
                    word = inner.args[0]
                    host, port = split_hostport(word.value)
                    span = Span(inner.path, word.start, word.end)
                    port_span = None
                    if port is not None:
                        at = text_of(inner.path).find(":" + str(port), word.raw_start, word.raw_end)
                        port_span = Span(inner.path, at + 1, at + 1 + len(str(port))) if at != -1 else None
                    servers.append(Upstream(host, port if port is not None else 80, "http", None, span, port_span))
            found.setdefault(stmt.args[0].value.lower(), servers)
        elif stmt.block is not None and stmt.name in ("http", "stream") or (stmt.name == "" and stmt.block):
            found.update({k: v for k, v in upstream_blocks(stmt.block or [], text_of).items() if k not in found})
    return found
