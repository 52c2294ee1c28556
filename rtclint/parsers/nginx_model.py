"""nginx statements → the proxy model (Site per `server`, Route per `location`).

What is in effect at each level is in `nginx_levels.py` (nginx's inheritance rules),
what a location answers (return, proxy_pass, upstreams, static files) in
`nginx_answers.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from rtclint.document import Span
from rtclint.model.proxy import Listen, PathMatch, Route, Site, Upstream
from rtclint.parsers.nginx_answers import Answers, upstream_blocks
from rtclint.parsers.nginx_config import HTTP, LOCATION, MAIN, SERVER, flatten
from rtclint.parsers.nginx_levels import Level, header, inherit
from rtclint.parsers.nginx_lexer import Stmt
from rtclint.parsers.nginx_values import listen_port, parse_time, split_modifier
from rtclint.parsers.text_lines import TextLines


# how far back `Builder.line_start` looks for a line break before asking the line index
_NEAR = 32
_TLS_FLAGS = frozenset({"ssl", "quic"})
_DEFAULT_FLAGS = frozenset({"default_server", "default"})  # `listen` words making the default server
# location modifier -> (PathMatch kind, case-insensitive)
_MATCH_KINDS = {"=": ("exact", False), "^~": ("prefix_noregex", False), "~": ("regex", False),
                "~*": ("regex", True), "": ("prefix", False)}


class Builder(Answers):
    def __init__(self, text_of: Callable[[str], str], upstreams: dict[str, list[Upstream]]) -> None:
        self.text_of = text_of
        self.upstreams = upstreams
        self.last_servers: list[Upstream] = []
        self._lines: dict[str, TextLines] = {}
        self._tabs: dict[str, bool] = {}

    def span(self, stmt_or_word, path: str) -> Span:
        return Span(path, stmt_or_word.start, stmt_or_word.end)

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
        lvl = inherit(parent, body)
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
        # one pass over the server's `listen`s (a generator per question cost more)
        unique: dict[tuple[int, bool], Listen] = {}
        default = False
        listens = [s for s in body if s.name == "listen"]
        for stmt in listens:
            lst = self.listen(stmt)
            if lst is not None:
                unique.setdefault((lst.port, lst.tls), lst)
            default = default or not _DEFAULT_FLAGS.isdisjoint([w.value for w in stmt.args])
        if default and "*" not in hosts:
            hosts.append("*")
        if not listens:
            unique[(80, False)] = Listen(80, False, None)
        name = "server " + " ".join(hosts)
        return Site(kind="nginx", hosts=hosts, listens=list(unique.values()), routes=[], span=span, name=name)

    def fill_site(self, site: Site, body: list[Stmt], parent: Level) -> None:
        lvl = inherit(parent, body)
        site.headers = list(lvl.add_headers)
        ifs, rewrites, ret, _ = self.scan(body)
        site.facts["ifs"] = ifs
        site.facts["rewrites"] = rewrites
        site.facts["directives"] = [s.name for s in body]  # for the answer model's unknowns
        if lvl.default_type is not None:
            site.facts["default_type"] = lvl.default_type.value
        if ret is not None:
            route = Route(PathMatch("any"), Span(ret.path, ret.start, ret.end), name="server",
                          headers=list(lvl.add_headers), facts={"server_level": True})
            self.apply_return(route, ret, lvl)
            site.routes.append(route)
        for stmt in body:
            if stmt.name == "location" and stmt.block is not None:
                self.location(site, stmt, lvl, None)

    def scan(self, body: list[Stmt]) -> tuple[list[dict], list[dict], Stmt | None, Stmt | None]:
        """The `if` and `rewrite` facts of a level and its first `return` and `proxy_pass`
        with arguments, in one pass over its statements (this runs for every server and
        location; a pass per directive was a tenth of the model's time)."""
        ifs: list[dict] = []
        rewrites: list[dict] = []
        ret = proxy_pass = None
        for stmt in body:
            name = stmt.name
            if name == "if":
                ifs.append(self.if_fact(stmt))
            elif name == "rewrite":
                rewrites.append(self.rewrite_fact(stmt))
            elif name == "return" and ret is None and stmt.args:
                ret = stmt
            elif name == "proxy_pass" and proxy_pass is None and stmt.args:
                proxy_pass = stmt
        return ifs, rewrites, ret, proxy_pass

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
        tls = not _TLS_FLAGS.isdisjoint([w.value for w in stmt.args[1:]])
        return Listen(port, tls, self.span(stmt, stmt.path))

    # -- routes ----------------------------------------------------------------------

    def location(self, site: Site, stmt: Stmt, parent: Level, parent_route: Route | None) -> None:
        body = flatten(stmt.block or [])
        lvl = inherit(parent, body)
        text = self.text_of(stmt.path)
        label = " ".join([text[w.start:w.end] for w in stmt.words])
        route = Route(self.matcher(stmt), Span(stmt.path, stmt.start, stmt.term_start + 1),
                      headers=list(lvl.add_headers), name=label)
        route.insert_at, route.indent = self.insert_point(stmt)
        route.parent = parent_route
        ifs, rewrites, ret, proxy_pass = self.scan(body)
        facts = route.facts
        facts["block_span"] = Span(stmt.path, stmt.start, stmt.end)
        facts["ifs"] = ifs
        facts["rewrites"] = rewrites
        facts["types"] = [t.value for t in lvl.types]
        facts["directives"] = [s.name for s in body]  # for the answer model's unknowns
        if lvl.default_type is not None:
            facts["default_type"] = lvl.default_type.value
        if ret is not None:
            self.apply_return(route, ret, lvl)
        elif proxy_pass is not None:
            route.proxy = self.proxy(proxy_pass, lvl, route.matcher)
            facts["servers"] = self.last_servers  # every server of an upstream {} block
            facts["proxy_templated"] = "$" in proxy_pass.args[0].value
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
        if mod not in _MATCH_KINDS:
            return PathMatch("none", (path,), span)
        kind, ci = _MATCH_KINDS[mod]
        return PathMatch(kind, (path,), span, case_insensitive=ci)
    def if_fact(self, stmt: Stmt) -> dict:
        inner = flatten(stmt.block or [])
        ret = next((s for s in inner if s.name == "return" and s.args), None)
        return {"condition": " ".join(w.value for w in stmt.args), "span": self.span(stmt, stmt.path),
                "return": [w.value for w in ret.args] if ret else None,
                "directives": [s.name for s in inner],
                "args": [w.value for w in stmt.args],  # the condition's words, unquoted
                "headers": [header(s) for s in inner if s.name == "add_header" and len(s.args) >= 2],
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
        line_start = self.line_start(stmt.path, text, close)
        at = line_start if not text[line_start:close].strip() else close
        return at, self.child_indent(stmt.path, stmt.block or [], stmt.start, text)

    def line_start(self, path: str, text: str, offset: int) -> int:
        """Where the line holding `offset` starts. Lines are short: the characters just
        before it are searched first, and only a longer line asks the file's line index
        (searching a whole line back from every block makes a one-line file quadratic)."""
        brk = text.rfind("\n", offset - _NEAR if offset > _NEAR else 0, offset)
        if brk != -1 or offset <= _NEAR:
            return brk + 1
        return self.lines_of(path).line_start(offset)

    def lines_of(self, path: str) -> TextLines:
        """The line index of a file's text, made once per file (not once per block)."""
        lines = self._lines.get(path)
        if lines is None or lines.text is not self.text_of(path):
            lines = self._lines[path] = TextLines(self.text_of(path))
        return lines

    def child_indent(self, path: str, children: list[Stmt], opener: int, text: str | None = None) -> str:
        """The indentation of a block's first child on a line of its own, else the
        opener's plus one step (a tab if the file indents with tabs)."""
        text = self.text_of(path) if text is None else text
        for child in children:
            if child.path and (child.path == path or text is self.text_of(child.path)):
                start = child.start
                lead = text[self.line_start(path, text, start):start]
                if not lead.strip():
                    return lead
        lead = text[self.line_start(path, text, opener):opener]
        lead = lead if not lead.strip() else ""
        return lead + ("\t" if self.tab_indented(path, text) else "    ")

    def tab_indented(self, path: str, text: str) -> bool:
        """A line of the file starts with a tab (asked once per file)."""
        tabs = self._tabs.get(path)
        if tabs is None:
            tabs = self._tabs[path] = "\n\t" in text
        return tabs


__all__ = ["Builder", "upstream_blocks", "parse_time", "LOCATION"]
