"""nginx statements → the proxy model (Site per `server`, Route per `location`).

Inheritance follows nginx's merge rules: array directives (`add_header`,
`proxy_set_header`) are inherited from the enclosing level only when the level itself
has none of them — one `add_header` in a location drops every server-level one;
single-value directives (`default_type`, `proxy_http_version`, `proxy_read_timeout`)
are inherited unless set again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rtclint.document import Span
from rtclint.model.proxy import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from rtclint.parsers.nginx_config import HTTP, LOCATION, MAIN, SERVER, flatten
from rtclint.parsers.nginx_lexer import Stmt, Word
from rtclint.parsers.nginx_values import listen_port, parse_time, split_hostport, split_modifier
from rtclint.parsers.text_lines import TextLines

REDIRECT_CODES = {301, 302, 303, 307, 308}
_VARIABLE = re.compile(r"\$(\{?[A-Za-z_0-9])")
_LEVEL_DIRECTIVES = frozenset({"add_header", "proxy_set_header", "types", "default_type", "proxy_http_version",
                               "proxy_read_timeout"})


@dataclass
class Setting:
    value: str
    span: Span


@dataclass
class Level:
    """What is in effect at one level (http, server, location) after inheritance."""

    add_headers: list[Header] = field(default_factory=list)
    proxy_headers: list[Header] = field(default_factory=list)
    default_type: Setting | None = None
    http_version: Setting | None = None
    read_timeout: Setting | None = None
    types: list[Setting] = field(default_factory=list)  # `types {}` entries in effect


class Builder:
    def __init__(self, text_of: Callable[[str], str], upstreams: dict[str, list[Upstream]]) -> None:
        self.text_of = text_of
        self.upstreams = upstreams
        self.last_servers: list[Upstream] = []
        self._lines: dict[str, TextLines] = {}

    # -- levels ----------------------------------------------------------------------

    def span(self, stmt_or_word, path: str) -> Span:
        return Span(path, stmt_or_word.start, stmt_or_word.end)

    def level(self, parent: Level, stmts: list[Stmt]) -> Level:
        # one pass over the level's statements (this runs for every server and location)
        lvl = Level(parent.add_headers, parent.proxy_headers, parent.default_type, parent.http_version,
                    parent.read_timeout, parent.types)
        adds: list[Header] = []
        sets: list[Header] = []
        for stmt in stmts:
            name = stmt.name
            if name not in _LEVEL_DIRECTIVES:
                continue
            args = stmt.args
            if name == "add_header" or name == "proxy_set_header":
                if len(args) >= 2:
                    (adds if name == "add_header" else sets).append(self.header(stmt))
                continue
            if not args:
                if name == "types" and stmt.block is not None:
                    lvl.types = self.types(stmt)
                continue
            setting = Setting(args[0].value, self.span(stmt, stmt.path))
            if name == "default_type":
                lvl.default_type = setting
            elif name == "proxy_http_version":
                lvl.http_version = setting
            elif name == "proxy_read_timeout":
                lvl.read_timeout = setting
        if adds:
            lvl.add_headers = adds
        if sets:
            lvl.proxy_headers = sets
        return lvl

    def header(self, stmt: Stmt) -> Header:
        always = any(w.value == "always" for w in stmt.args[2:])
        return Header(stmt.args[0].value, stmt.args[1].value, self.span(stmt, stmt.path), always=always)

    def types(self, stmt: Stmt) -> list[Setting]:
        return [Setting(s.name, self.span(s, s.path)) for s in stmt.block or [] if s.name]

    # -- sites -----------------------------------------------------------------------

    def sites(self, stmts: list[Stmt], ctx: tuple, path: str) -> list[Site]:
        """Sites of a file whose top level is in context `ctx`."""
        if ctx == MAIN:
            found: list[Site] = []
            for stmt in flatten(stmts):
                if stmt.name == "http" and stmt.block is not None:
                    found += self.http_sites(stmt.block, Level())
            return found
        if ctx == HTTP:
            return self.http_sites(stmts, Level())
        if ctx == SERVER:
            return [self.fragment_site(stmts, path)]
        return []

    def http_sites(self, stmts: list[Stmt], parent: Level) -> list[Site]:
        body = flatten(stmts)
        lvl = self.level(parent, body)
        return [self.server_site(s, lvl) for s in body if s.name == "server" and s.block is not None]

    def server_site(self, stmt: Stmt, parent: Level) -> Site:
        body = flatten(stmt.block or [])
        site = self.new_site(body, Span(stmt.path, stmt.start, stmt.term_start + 1), parent)
        site.insert_at, site.indent = self.insert_point(stmt)
        site.facts["block_span"] = Span(stmt.path, stmt.start, stmt.end)
        self.fill_site(site, body, parent)
        return site

    def fragment_site(self, stmts: list[Stmt], path: str) -> Site:
        """A file that is a server body (top-level `location`s): the site it is meant for."""
        body = flatten(stmts)
        text = self.text_of(path)
        site = self.new_site(body, Span(path, 0, 0), Level())
        site.fragment = True
        site.insert_at = len(text)
        site.indent = self.child_indent(path, body, 0)
        self.fill_site(site, body, Level())
        return site

    def new_site(self, body: list[Stmt], span: Span, parent: Level) -> Site:
        hosts = self.hosts(body)
        listens = [lst for s in body if s.name == "listen" for lst in [self.listen(s)] if lst is not None]
        if any(s.name == "listen" and any(w.value in ("default_server", "default") for w in s.args) for s in body):
            if "*" not in hosts:
                hosts.append("*")
        unique: dict[tuple[int, bool], Listen] = {}
        for lst in listens:
            unique.setdefault((lst.port, lst.tls), lst)
        if not any(s.name == "listen" for s in body):
            unique[(80, False)] = Listen(80, False, None)
        name = "server " + " ".join(hosts)
        return Site(kind="nginx", hosts=hosts, listens=list(unique.values()), routes=[], span=span, name=name)

    def fill_site(self, site: Site, body: list[Stmt], parent: Level) -> None:
        lvl = self.level(parent, body)
        site.headers = list(lvl.add_headers)
        site.facts["ifs"] = [self.if_fact(s) for s in body if s.name == "if"]
        site.facts["rewrites"] = [self.rewrite_fact(s) for s in body if s.name == "rewrite"]
        site.facts["directives"] = [s.name for s in body]  # for the answer model's unknowns
        if lvl.default_type is not None:
            site.facts["default_type"] = lvl.default_type.value
        ret = next((s for s in body if s.name == "return" and s.args), None)
        if ret is not None:
            route = Route(PathMatch("any"), Span(ret.path, ret.start, ret.end), name="server",
                          headers=list(lvl.add_headers), facts={"server_level": True})
            self.apply_return(route, ret, lvl)
            site.routes.append(route)
        for stmt in body:
            if stmt.name == "location" and stmt.block is not None:
                self.location(site, stmt, lvl, None)

    def hosts(self, body: list[Stmt]) -> list[str]:
        hosts: list[str] = []
        for stmt in body:
            if stmt.name != "server_name":
                continue
            for w in stmt.args:
                name = w.value if w.value.startswith("~") else w.value.lower()
                name = "*" if name == "_" else name
                if name and name not in hosts:
                    hosts.append(name)
        return hosts or ["*"]

    def listen(self, stmt: Stmt) -> Listen | None:
        if not stmt.args:
            return None
        addr = stmt.args[0].value
        if addr.startswith("unix:"):
            return None
        port = listen_port(addr)
        if port is None:
            return None
        flags = {w.value for w in stmt.args[1:]}
        return Listen(port, bool(flags & {"ssl", "quic"}), self.span(stmt, stmt.path))

    # -- routes ----------------------------------------------------------------------

    def location(self, site: Site, stmt: Stmt, parent: Level, parent_route: Route | None) -> None:
        body = flatten(stmt.block or [])
        lvl = self.level(parent, body)
        text = self.text_of(stmt.path)
        label = " ".join(text[w.start:w.end] for w in stmt.words)
        route = Route(self.matcher(stmt), Span(stmt.path, stmt.start, stmt.term_start + 1),
                      headers=list(lvl.add_headers), name=label)
        route.insert_at, route.indent = self.insert_point(stmt)
        route.parent = parent_route
        route.facts["block_span"] = Span(stmt.path, stmt.start, stmt.end)
        route.facts["ifs"] = [self.if_fact(s) for s in body if s.name == "if"]
        route.facts["rewrites"] = [self.rewrite_fact(s) for s in body if s.name == "rewrite"]
        route.facts["types"] = [t.value for t in lvl.types]
        route.facts["directives"] = [s.name for s in body]  # for the answer model's unknowns
        if lvl.default_type is not None:
            route.facts["default_type"] = lvl.default_type.value
        ret = next((s for s in body if s.name == "return" and s.args), None)
        passes = [s for s in body if s.name == "proxy_pass" and s.args]
        if ret is not None:
            self.apply_return(route, ret, lvl)
        elif passes:
            route.proxy = self.proxy(passes[0], lvl, route.matcher)
            route.facts["servers"] = self.last_servers  # every server of an upstream {} block
            route.facts["proxy_templated"] = "$" in passes[0].args[0].value
        else:
            self.static_file(route, body)
        site.routes.append(route)
        for inner in body:
            if inner.name == "location" and inner.block is not None:
                self.location(site, inner, lvl, route)

    def matcher(self, stmt: Stmt) -> PathMatch:
        args = [w.value for w in stmt.args]
        span = Span(stmt.path, stmt.args[0].start, stmt.args[-1].end) if stmt.args else None
        if len(args) == 2:
            mod, path = args
        elif len(args) == 1:
            mod, path = split_modifier(args[0])
        else:
            return PathMatch("none", (), span)
        if path.startswith("@"):
            return PathMatch("none", (path,), span)
        kinds = {"=": ("exact", False), "^~": ("prefix_noregex", False), "~": ("regex", False),
                 "~*": ("regex", True), "": ("prefix", False)}
        if mod not in kinds:
            return PathMatch("none", (path,), span)
        kind, ci = kinds[mod]
        return PathMatch(kind, (path,), span, case_insensitive=ci)

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
            proxy.backend_span = Span(stmt.path, word.start, word.end)
            self.last_servers = list(self.upstreams.get(backend, []))
        else:
            self.last_servers = [upstream]
        if upstream.path is not None and "$" not in word.value and matcher.kind in ("prefix", "prefix_noregex",
                                                                                  "exact"):
            prefix = matcher.paths[0]
            proxy.strip_prefix = "" if upstream.path == prefix else prefix
            proxy.strip_span = Span(stmt.path, word.start, word.end)
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

    def if_fact(self, stmt: Stmt) -> dict:
        inner = flatten(stmt.block or [])
        ret = next((s for s in inner if s.name == "return" and s.args), None)
        return {"condition": " ".join(w.value for w in stmt.args), "span": self.span(stmt, stmt.path),
                "return": [w.value for w in ret.args] if ret else None,
                "directives": [s.name for s in inner],
                "args": [w.value for w in stmt.args],  # the condition's words, unquoted
                "headers": [self.header(s) for s in inner if s.name == "add_header" and len(s.args) >= 2],
                "rewrites": [self.rewrite_fact(s) for s in inner if s.name == "rewrite"]}

    def rewrite_fact(self, stmt: Stmt) -> dict:
        args = [w.value for w in stmt.args]
        return {"regex": args[0] if args else "", "replacement": args[1] if len(args) > 1 else "",
                "flag": args[2] if len(args) > 2 else "", "span": self.span(stmt, stmt.path)}

    # -- insertion points --------------------------------------------------------------

    def insert_point(self, stmt: Stmt) -> tuple[int | None, str]:
        if stmt.block_end is None:
            return None, ""
        text = self.text_of(stmt.path)
        close = stmt.block_end
        line_start = self.lines_of(stmt.path).line_start(close)
        at = line_start if not text[line_start:close].strip() else close
        return at, self.child_indent(stmt.path, stmt.block or [], stmt.start)

    def lines_of(self, path: str) -> TextLines:
        """The line index of a file's text, made once per file (not once per block)."""
        lines = self._lines.get(path)
        if lines is None or lines.text is not self.text_of(path):
            lines = self._lines[path] = TextLines(self.text_of(path))
        return lines

    def child_indent(self, path: str, children: list[Stmt], opener: int) -> str:
        """The indentation of a block's first child on a line of its own, else the
        opener's plus one step (a tab if the file indents with tabs)."""
        text = self.text_of(path)
        lines = self.lines_of(path)
        for child in children:
            if child.path and text is self.text_of(child.path):
                lead = lines.lead(child.start)
                if not lead.strip():
                    return lead
        lead = lines.lead(opener)
        lead = lead if not lead.strip() else ""
        return lead + ("\t" if lines.tab_indented else "    ")


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


__all__ = ["Builder", "upstream_blocks", "parse_time", "LOCATION"]
