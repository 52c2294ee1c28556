"""Caddyfile → FileFacts: which hosts and ports each site serves and what its routes do.

Syntax (lexer port + Lark grammar) lives in caddy_lexer / caddy_syntax; matchers and
Caddy's directive order in caddy_matchers. This module follows imports (snippets first,
then files relative to the Caddyfile, like Caddy's doImport), and flattens each site into
routes in the order Caddy evaluates them.

Format-specific facts other modules may read:
- Route.facts: 'wrapper' ('handle' | 'handle_path' | 'route' | 'invoke' | None), 'directive'
  (respond, reverse_proxy, redir, file_server, …), 'matcher_name' ('@name'), 'hosts' (a
  `host` matcher's names), 'conditions' (other matcher types: method, header, …),
  'unknown_matcher', 'root', 'upstreams' (every Upstream of a reverse_proxy), 'header_down'.
- Header.matcher: the path matcher a `header` directive is scoped to (None: all requests).
- Site.facts: 'options' (global http_port, https_port, auto_https), 'host_matcher_of' (a
  Site split off a site whose handles use `host` matchers).
- Respond.content_type: see `_content_type` (what staticresp.go sends).
"""

from __future__ import annotations

import functools
import json
import os
import re

from rtclint.document import Document, Span
from rtclint.lazy_regex import lazy
from rtclint.model import FileFacts
from rtclint.model.proxy import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from rtclint.parsers.base import Tree, include_not_found, parse_error
from rtclint.parsers.caddy_lexer import CToken, LexError, tokenize
from rtclint.parsers.caddy_matchers import (
    KNOWN_DIRECTIVES,
    combine,
    is_matcher_token,
    order_position,
    overlaps,
    path_match,
    regex_match,
    single_path,
    sort_key_less,
)
from rtclint.parsers.caddy_syntax import Block, CaddySyntaxError, Directive, Entry, parse
from rtclint.record import field, record, replace

ANY = PathMatch("any")
_MAX_IMPORT_DEPTH = 10
_TERMINAL = {"respond", "reverse_proxy", "redir", "file_server", "abort", "error", "php_fastcgi", "acme_server"}
_WRAPPERS = {"handle", "handle_path", "route"}
_PLACEHOLDER = lazy(r"\{[A-Za-z_][\w.\-]*(\[[^\]{}]*\])?\}")
_REDIR_CODES = {"permanent": 301, "temporary": 302, "html": 200}


def read(doc: Document, tree: Tree) -> FileFacts:
    return _Reader(doc, tree).run()


@record
class _Ctx:
    """What is in effect for the directives of one block."""

    matcher: PathMatch = field(default_factory=lambda: PathMatch("any"))
    headers: list[Header] = field(default_factory=list)
    strip: str = ""  # path prefix removed before inner matchers and proxies see the path
    strip_span: Span | None = None
    wrapper: str | None = None  # 'handle' | 'handle_path' | 'route' | None
    label: str = ""
    block: Block | None = None
    matchers: dict = field(default_factory=dict)  # '@name' -> (PathMatch, facts)
    conditions: dict = field(default_factory=dict)  # non-path matcher facts in effect
    root: str | None = None


class _Reader:
    def __init__(self, doc: Document, tree: Tree, stack: tuple[str, ...] = ()) -> None:
        self.doc = doc
        self.tree = tree
        self.facts = FileFacts(doc.path)
        self.snippets: dict[str, list[Directive]] = {}
        self.snippet_errors: dict[str, tuple] = {}  # name -> (Document, CaddySyntaxError)
        self.named_routes: dict[str, list[Directive]] = {}  # `&(name) {…}`, run by `invoke name`
        self.groups = 0  # route groups numbered so far (ids for Route.facts['groups'])
        self.options = {"http_port": 80, "https_port": 443, "auto_https": None}
        self.stack = stack + (os.path.abspath(doc.abspath),)
        self.unit = _indent_unit(doc.text)

    # -- the file ------------------------------------------------------------------

    def run(self) -> FileFacts:
        text = self.doc.text
        try:
            tokens = tokenize(text)
        except LexError as exc:
            self.facts.diagnostics.append(parse_error(self.doc, exc.offset, exc.message))
            return self.facts
        first = _first_statement(tokens)
        fragment = first is not None and (first.text.startswith("@") or first.text in KNOWN_DIRECTIVES)
        try:
            tokens, tree = parse(text, "lines" if fragment else "start", tokens)
        except CaddySyntaxError as exc:
            self.facts.diagnostics.append(parse_error(self.doc, exc.start, exc.message, exc.end))
            return self.facts
        _set_path(tokens, self.doc.path)
        if fragment:
            # A site body with no address (a docs snippet, or a file meant to be imported inside a
            # site block): Caddy rejects it standalone, rtclint analyses it as one catch-all site —
            # unless a Caddyfile nearby imports it, whose sites already hold these routes.
            importer = _imported_by(self.doc, self.tree)
            if importer is None:
                self.facts.sites.append(self._fragment_site(tree))
            else:
                self.facts.includes.append(importer)  # the facts cache must see that file change
        else:
            self._entries(tree)
        return self.facts

    def _entries(self, entries: list[Entry]) -> None:
        for entry in entries:
            if entry.kind == "snippet":
                self.snippets[entry.keys[0].text[1:-1]] = entry.block.lines
                if entry.block.error is not None:
                    self.snippet_errors[entry.keys[0].text[1:-1]] = (self.doc, entry.block.error)
            elif entry.kind == "named_route":
                self.named_routes[entry.keys[0].text[2:-1]] = entry.block.lines
            elif entry.kind == "global":
                self._global_options(entry.block.lines)
            elif entry.kind == "import":
                self._top_import(entry.directive)
        for entry in entries:
            if entry.kind in ("site", "braceless"):
                self.facts.sites += _split_by_host(self._site(entry))

    def _global_options(self, lines: list[Directive]) -> None:
        for d in lines:
            args = [t.text for t in d.args]
            if d.name in ("http_port", "https_port") and len(args) > 1 and args[1].isdecimal():
                self.options[d.name] = int(args[1])
            elif d.name == "auto_https" and len(args) > 1:
                self.options["auto_https"] = args[1]

    def _top_import(self, d: Directive) -> None:
        """A top-level import: a snippet's tokens or whole Caddyfiles (sites, snippets)."""
        pattern = d.args[1].text
        if pattern in self.snippets:
            return  # top-level snippet imports (rare) define nothing rtclint models
        for path, doc in self._import_files(d):
            sub = _Reader(doc, self.tree, self.stack)
            sub.options = self.options
            try:
                tokens, entries = parse(doc.text, "start")
            except CaddySyntaxError as exc:
                self.facts.diagnostics.append(parse_error(doc, exc.start, exc.message, exc.end))
                continue
            _set_path(tokens, doc.path)
            sub._entries(entries)
            self.snippets.update(sub.snippets)
            self.snippet_errors.update(sub.snippet_errors)
            self.facts.diagnostics += sub.facts.diagnostics
            if not _discovered_alone(self.tree, path):
                self.facts.sites += sub.facts.sites

    def _import_files(self, d: Directive):
        """(abspath, Document) for each file an import names; RTC003 when none match."""
        pattern = d.args[1].text
        if len(self.stack) > _MAX_IMPORT_DEPTH or "{$" in pattern or "{args" in pattern:
            return
        base = os.path.dirname(os.path.abspath(self.doc.abspath))
        paths = [p for p in self.tree.glob(pattern, base) if not (os.path.basename(p).startswith(".") and "*" in pattern)]
        if not paths:
            span = Span(d.args[1].path or self.doc.path, d.args[1].start, d.args[1].end)
            self.facts.diagnostics.append(include_not_found(self.doc, span, pattern))
            # listed although absent, so the facts cache never keeps this result past its creation
            self.facts.includes.append(os.path.join(base, pattern))
            return
        for path in paths:
            if os.path.abspath(path) in self.stack:
                continue  # an import cycle: Caddy reports it; rtclint just stops following
            doc = self.tree.load(path)
            if doc is None:
                continue
            if doc.path not in self.facts.includes:
                self.facts.includes.append(doc.path)
            yield path, doc

    # -- imports inside blocks ----------------------------------------------------------

    def _expand(self, lines: list[Directive], depth: int = 0) -> list[Directive]:
        out: list[Directive] = []
        for d in lines:
            if d.name != "import" or not d.items[0].bare or len(d.args) < 2:
                out.append(d)
                continue
            if depth > _MAX_IMPORT_DEPTH:
                continue
            name = d.args[1].text
            params = [t.text for t in d.args[2:]]
            if name in self.snippets:
                if name in self.snippet_errors:  # Caddy parses a snippet's tokens where it is imported
                    doc, exc = self.snippet_errors[name]
                    self.facts.diagnostics.append(parse_error(doc, exc.start, exc.message, exc.end))
                out += self._expand([_substitute(x, params) for x in self.snippets[name]], depth + 1)
                continue
            for _path, doc in self._import_files(d):
                try:
                    tokens, sub = parse(doc.text, "lines")
                except CaddySyntaxError as exc:
                    self.facts.diagnostics.append(parse_error(doc, exc.start, exc.message, exc.end))
                    continue
                _set_path(tokens, doc.path)
                out += self._expand([_substitute(x, params) for x in sub], depth + 1)
        return out

    # -- sites ----------------------------------------------------------------------

    def _site(self, entry: Entry) -> Site:
        lines = entry.block.lines if entry.block is not None else entry.lines
        hosts, listens = self._addresses(entry.keys, lines)
        first = entry.keys[0]
        end = entry.block.close.end if entry.block is not None else (lines[-1].end if lines else entry.keys[-1].end)
        site = Site(
            kind="caddy",
            hosts=hosts,
            listens=listens,
            routes=[],
            span=Span(first.path or self.doc.path, first.start, end),
            name=" ".join(k.text for k in entry.keys),
        )
        self._fill(site, lines, entry.block)
        return site

    def _fragment_site(self, lines: list[Directive]) -> Site:
        end = lines[-1].end if lines else 0
        start = lines[0].start if lines else 0
        site = Site(kind="caddy", hosts=["*"], listens=[], routes=[], span=self.doc.span(start, end), fragment=True,
                    name="(site body)")
        self._fill(site, lines, None)
        return site

    def _fill(self, site: Site, lines: list[Directive], block: Block | None) -> None:
        ctx = _Ctx(block=block)
        scopes: list[_Ctx] = []
        site.routes = self._routes(lines, ctx, sort=True, scope_out=scopes)
        site.headers = list(scopes[0].headers) if scopes else []
        site.indent = self._inner_indent(lines, block)
        site.insert_at = self._insert_point(block)
        site.facts["options"] = dict(self.options)

    def _addresses(self, keys: list[CToken], lines: list[Directive]) -> tuple[list[str], list[Listen]]:
        """Caddy's address rules: `[scheme://]host[:port][/path]`; a host name gets HTTPS on
        https_port (443) unless the scheme is http or the port is http_port; no host →
        catch-all ('*'), with TLS only on the HTTPS port (or with a `tls` directive)."""
        forced_tls = any(d.name == "tls" for d in lines)
        auto_off = self.options["auto_https"] == "off"
        hosts: list[str] = []
        listens: list[Listen] = []
        for key in keys:
            value = key.text.rstrip(",")
            if not value:
                continue
            scheme, host, port = _split_address(_env_default(value))
            if port is None:
                port = self.options["http_port"] if scheme == "http" else self.options["https_port"]
            if scheme == "https":
                tls = True
            elif scheme == "http" or port == self.options["http_port"]:
                tls = False
            else:
                # autohttps.go: a host name gets a certificate; a server listening only on the
                # HTTPS port gets a TLS connection policy even without one
                tls = forced_tls or (not auto_off and (bool(host) or port == self.options["https_port"]))
            host = (host if "{$" in host else host.lower()) or "*"
            if host not in hosts:
                hosts.append(host)
            span = Span(key.path or self.doc.path, key.start, key.end)
            if not any(listen.port == port and listen.tls == tls for listen in listens):
                listens.append(Listen(port, tls, span))
        return hosts or ["*"], listens

    # -- routes ---------------------------------------------------------------------

    def _routes(self, lines: list[Directive], ctx: _Ctx, sort: bool, scope_out: list | None = None) -> list[Route]:
        """The routes of one block, in Caddy's order; `scope_out` receives what is in effect
        at its end (the site-level headers)."""
        lines = self._expand(lines)
        matchers = dict(ctx.matchers)
        for d in lines:
            if d.name.startswith("@") and d.items[0].bare:
                matchers[d.name] = self._matcher_def(d)
        ctx = replace(ctx, matchers=matchers, headers=list(ctx.headers))
        ordered = [d for d in lines if order_position(d.name) is not None]
        self.groups += 1
        group = self.groups  # the handle blocks of this block form one route group
        if sort:
            ordered = self._sorted(ordered, matchers)
        routes: list[Route] = []
        for d in ordered:
            own, own_facts = self._directive_matcher(d, matchers)
            scope = combine(ctx.matcher, own, ctx.strip)
            if d.name == "header":
                self._header(d, ctx, scope)
            elif d.name == "uri":
                self._uri(d, ctx)
            elif d.name == "root":
                ctx.root = _arg_text(d, own is not ANY)
            elif d.name in ("handle", "handle_path"):
                routes += self._group_member(d, ctx, scope, own_facts, group)
            elif d.name in _WRAPPERS:
                routes += self._wrapper(d, ctx, scope, own_facts)
            elif d.name == "invoke":
                routes += self._invoke(d, ctx, scope, own_facts)
            elif d.name in _TERMINAL:
                routes.append(self._route(d, ctx, scope, own_facts))
        if scope_out is not None:
            scope_out.append(ctx)
        return routes

    def _sorted(self, lines: list[Directive], matchers: dict) -> list[Directive]:
        keyed = []
        for d in lines:
            m, _ = self._directive_matcher(d, matchers)
            has = _matcher_token(d) is not None
            keyed.append((d, order_position(d.name), (d.name, single_path(m) if has else None, has)))

        def cmp(a, b) -> int:
            if a[1] != b[1]:
                return -1 if a[1] < b[1] else 1
            if sort_key_less(a[2], b[2]):
                return -1
            if sort_key_less(b[2], a[2]):
                return 1
            return 0

        return [k[0] for k in sorted(keyed, key=functools.cmp_to_key(cmp))]

    def _directive_matcher(self, d: Directive, matchers: dict) -> tuple[PathMatch, dict]:
        tok = _matcher_token(d)
        if tok is None:
            return ANY, {}
        span = Span(tok.path or self.doc.path, tok.start, tok.end)
        if tok.text.startswith("@"):
            found = matchers.get(tok.text)
            if found is None:
                return PathMatch("none", (), span), {"unknown_matcher": tok.text}
            m, facts = found
            return replace(m, span=m.span or span), dict(facts, matcher_name=tok.text)
        return path_match([tok.text], span), {}

    def _matcher_def(self, d: Directive) -> tuple[PathMatch, dict]:
        """A named matcher (`@name type args…` or a block of `type args…` lines)."""
        rows: list[list[CToken]] = []
        if d.blocks:
            for line in d.blocks[0].lines:
                if line.name == "not" and line.blocks:  # `not { path … }`: each line negated
                    rows += [[line.args[0], *inner.args] for inner in line.blocks[0].lines]
                else:
                    rows.append(line.args)
        elif len(d.args) > 2:
            rows = [d.args[1:]]
        elif len(d.args) == 2:
            rows = [[replace(d.args[1], text="expression")]]
        paths: list[str] = []
        regex: PathMatch | None = None
        facts: dict = {"conditions": []}
        span = Span(d.items[0].path or self.doc.path, d.start, d.end)
        negated = False
        for row in rows:
            kind, values = row[0].text, [t.text for t in row[1:]]
            negate = kind == "not" and len(values) >= 2
            if negate:
                kind, values = values[0], values[1:]
            if kind == "path":
                paths += values
                negated = negated or negate
            elif kind == "path_regexp" and values:
                regex = regex_match(values[-1], span, negate)
            elif kind == "host":
                facts["hosts"] = [v.lower() for v in values]
            else:
                facts["conditions"].append(kind)
        if paths:
            return path_match(paths, span, negated), facts
        if regex is not None:
            return regex, facts
        return PathMatch("any", (), span), facts

    def _header(self, d: Directive, ctx: _Ctx, scope: PathMatch) -> None:
        """`header [matcher] [+|-|?|>]Name [value [replacement]]`, or a block of such lines."""
        skip = 2 if _matcher_token(d) is not None else 1
        rows = [d.args[skip:]] if len(d.args) > skip else []
        for block in d.blocks:
            rows += [line.args for line in block.lines]
        matcher = None if scope.kind == "any" and not scope.negated else scope
        deferred = any(row and (row[0].text == "defer" or row[0].text.startswith(">")) for row in rows)
        for row in rows:
            if not row or row[0].text in ("defer", "match"):
                continue
            raw = row[0].text
            op = raw[0] if raw[:1] in "+-?>" and len(raw) > 1 else ""
            name = raw[len(op):]
            if op == "-":
                ctx.headers = [h for h in ctx.headers if h.name.lower() != name.lower()]
                continue
            if len(row) != 2:
                continue  # find/replace of an existing header, or a bare name: nothing new is set
            value_tok = row[1]
            span = Span(row[0].path or self.doc.path, row[0].start, value_tok.end)
            if op != "+":
                ctx.headers = [h for h in ctx.headers if h.name.lower() != name.lower() or h.matcher != matcher]
            ctx.headers.append(Header(name, value_tok.text, span, True, matcher, deferred=deferred))

    def _uri(self, d: Directive, ctx: _Ctx) -> None:
        args = d.args[2:] if _matcher_token(d) is not None else d.args[1:]
        if len(args) >= 2 and args[0].text == "strip_prefix":
            prefix = args[1].text
            if not prefix.startswith("/"):
                prefix = "/" + prefix
            if _strips_nothing_more(ctx, prefix):
                return
            ctx.strip = ctx.strip + prefix
            ctx.strip_span = Span(args[1].path or self.doc.path, args[0].start, args[1].end)

    def _wrapper(self, d: Directive, ctx: _Ctx, scope: PathMatch, own_facts: dict) -> list[Route]:
        if not d.blocks:
            return []
        block = d.blocks[0]
        label = " ".join(t.text for t in d.args)
        inner = replace(
            ctx, matcher=scope, wrapper=d.name, label=label, block=block,
            conditions=dict(ctx.conditions, **own_facts),
        )
        if d.name == "handle_path" and len(d.args) > 1:
            path = d.args[1].text
            strip = path[:-2] if path.endswith("/*") else path[:-1] if path.endswith("*") else path
            inner.strip = ctx.strip + strip
            inner.strip_span = Span(d.args[1].path or self.doc.path, d.args[1].start, d.args[1].end)
        return self._routes(block.lines, inner, sort=d.name != "route")

    def _group_member(self, d: Directive, ctx: _Ctx, scope: PathMatch, own_facts: dict, group: int) -> list[Route]:
        """A `handle`/`handle_path` block: its routes, tagged with the group it belongs to
        (model/routing.py skips the other members once one matches). A block that answers
        nothing still takes the request: a route that never matches keeps its claim."""
        self.groups += 1
        member = self.groups
        routes = self._wrapper(d, ctx, scope, own_facts)
        if not routes and d.blocks:
            claim = Route(matcher=PathMatch("none"), span=Span(d.items[0].path or self.doc.path, d.start, d.end),
                          name=" ".join(t.text for t in d.args))
            claim.facts.update(wrapper=d.name, directive=None, claim_only=True)
            routes = [claim]
        for route in routes:
            route.facts["groups"] = [(group, member, scope)] + route.facts.get("groups", [])
        return routes

    def _invoke(self, d: Directive, ctx: _Ctx, scope: PathMatch, own_facts: dict) -> list[Route]:
        """`invoke [matcher] name`: the named route's directives, sorted like a site's."""
        args = d.args[2:] if _matcher_token(d) is not None else d.args[1:]
        lines = self.named_routes.get(args[0].text) if args else None
        if lines is None or len(self.stack) > _MAX_IMPORT_DEPTH:
            return []
        inner = replace(ctx, matcher=scope, wrapper="invoke", label=" ".join(t.text for t in d.args),
                                    conditions=dict(ctx.conditions, **own_facts))
        self.stack += ("&(" + args[0].text + ")",)  # a named route invoking itself stops here
        try:
            return self._routes(lines, inner, sort=True)
        finally:
            self.stack = self.stack[:-1]

    def _route(self, d: Directive, ctx: _Ctx, scope: PathMatch, own_facts: dict) -> Route:
        head = d.items[0]
        route = Route(
            matcher=scope,
            span=Span(head.path or self.doc.path, d.start, d.end),
            headers=[h for h in ctx.headers if h.matcher is None or overlaps(h.matcher, scope)],
            name=ctx.label or " ".join(t.text for t in d.args[: 2 if _matcher_token(d) else 1]),
        )
        route.facts["wrapper"] = ctx.wrapper
        route.facts["directive"] = d.name
        route.facts.update({k: v for k, v in dict(ctx.conditions, **own_facts).items() if v})
        if ctx.root is not None:
            route.facts["root"] = ctx.root
        if d.name == "respond":
            route.respond = self._respond(d, route.headers)
        elif d.name == "reverse_proxy":
            route.proxy = self._proxy(d, ctx, route)
        elif d.name == "redir":
            route.redirect = self._redirect(d)
        if ctx.block is not None and ctx.wrapper is not None:
            route.insert_at = self._insert_point(ctx.block)
            route.indent = self._inner_indent(ctx.block.lines, ctx.block)
        else:
            route.insert_at = _line_start(self.doc.text, d.start) if head.path in ("", self.doc.path) else None
            route.indent = _indent_of(self.doc.text, d.start) if head.path in ("", self.doc.path) else self.unit
        return route

    def _respond(self, d: Directive, headers: list[Header]) -> Respond:
        args = d.args[2:] if _matcher_token(d) is not None else d.args[1:]
        status, body_tok = 200, None
        if len(args) == 1:
            if len(args[0].text) == 3 and args[0].text.isdecimal() and int(args[0].text) > 0:
                status = int(args[0].text)
            else:
                body_tok = args[0]
        elif len(args) >= 2:
            body_tok = args[0]
            status = int(args[1].text) if args[1].text.isdecimal() else 200
        for block in d.blocks:
            for line in block.lines:
                if line.name == "body" and len(line.args) == 2:
                    body_tok = line.args[1]
        respond = Respond(status=status, body=None)
        if body_tok is not None:
            respond.body = body_tok.text
            path = body_tok.path or self.doc.path
            end = body_tok.offset_of(len(body_tok.text)) if body_tok.text else body_tok.offset_of(0)
            respond.body_span = Span(path, body_tok.offset_of(0), end)
            respond.body_map = list(body_tok.value_map) if body_tok.value_map is not None else None
            respond.templated = bool(_PLACEHOLDER.search(body_tok.text))
        self._content_type(respond, headers)
        return respond

    @staticmethod
    def _content_type(respond: Respond, headers: list[Header]) -> None:
        """Caddy's static_response (modules/caddyhttp/staticresp.go, ServeHTTP): a Content-Type
        already set (by `header`) is kept; otherwise, for a non-empty body, Caddy sets
        `application/json` when the trimmed body starts with `{`/`[`, ends with `}`/`]`, is
        longer than 2 characters and is valid JSON (Go's json.Valid) — else
        `text/plain; charset=utf-8`. We record the explicit header (with its span), the implicit
        `application/json`, and None for the text/plain fallback."""
        for h in headers:
            if h.name.lower() == "content-type":
                respond.content_type, respond.content_type_span = h.value, h.span
                return
        body = (respond.body or "").strip()
        if len(body) > 2 and (body[0], body[-1]) in (("{", "}"), ("[", "]")) and _json_valid(body):
            respond.content_type = "application/json"

    def _proxy(self, d: Directive, ctx: _Ctx, route: Route) -> Proxy | None:
        args = d.args[2:] if _matcher_token(d) is not None else d.args[1:]
        upstream_toks = list(args)
        request_headers: list[Header] = []
        header_down: list[Header] = []
        proxy_facts: dict = {}
        for block in d.blocks:
            for line in block.lines:
                largs = line.args
                if line.name == "to":
                    upstream_toks += largs[1:]
                elif line.name in ("header_up", "header_down") and len(largs) >= 3:
                    h = Header(largs[1].text.lstrip("+-"), largs[2].text,
                               Span(largs[0].path or self.doc.path, line.start, line.end))
                    (request_headers if line.name == "header_up" else header_down).append(h)
                elif line.name == "transport":
                    proxy_facts.update(self._transport(line))
        upstreams = [self._upstream(t) for t in upstream_toks]
        route.facts["upstreams"] = upstreams
        if header_down:
            route.facts["header_down"] = header_down
        if not upstreams:
            return None
        proxy = Proxy(
            upstream=upstreams[0],
            strip_prefix=ctx.strip,
            strip_span=ctx.strip_span,
            websocket=True,  # Caddy's reverse_proxy passes upgrades through by itself
            request_headers=request_headers,
            span=route.span,
        )
        if "versions" in proxy_facts:
            proxy.http_version, proxy.http_version_span = proxy_facts["versions"]
        if "read_timeout" in proxy_facts:
            proxy.read_timeout, proxy.read_timeout_span = proxy_facts["read_timeout"]
        return proxy

    def _transport(self, line: Directive) -> dict:
        out: dict = {}
        for block in line.blocks:
            for sub in block.lines:
                args = sub.args
                span = Span(args[0].path or self.doc.path, sub.start, sub.end)
                if sub.name == "versions" and len(args) > 1:
                    out["versions"] = (" ".join(t.text for t in args[1:]), span)
                elif sub.name == "read_timeout" and len(args) > 1:
                    seconds = _duration(args[1].text)
                    if seconds is not None:
                        out["read_timeout"] = (seconds, span)
        return out

    def _upstream(self, tok: CToken) -> Upstream:
        path = tok.path or self.doc.path
        text = _env_default(tok.text)
        scheme, host, port = _split_address(text)
        scheme = {"h2c": "http", "": "http"}.get(scheme, scheme)
        up = Upstream(host=host if "{$" in host else host.lower(), port=port, scheme=scheme, span=Span(path, tok.start, tok.end))
        if port is not None and text == tok.text and tok.value_map is None:
            idx = tok.text.rfind(":" + str(port))
            if idx >= 0:
                start = tok.offset_of(idx + 1)
                up.port_span = Span(path, start, start + len(str(port)))
        slash = text.find("/", text.find("://") + 3 if "://" in text else 0)
        if slash >= 0:
            up.path = text[slash:]
        return up

    def _redirect(self, d: Directive) -> Redirect | None:
        args = d.args[2:] if _matcher_token(d) is not None else d.args[1:]
        if not args:
            return None
        status = 302
        if len(args) > 1:
            code = args[1].text
            status = int(code) if code.isdecimal() else _REDIR_CODES.get(code, 302)
        return Redirect(args[0].text, status, Span(d.items[0].path or self.doc.path, d.start, d.end))

    # -- where fixes insert text ------------------------------------------------------

    def _insert_point(self, block: Block | None) -> int:
        """The start of the line holding the block's `}` (a fix inserts `indent + text +
        newline` there); the end of the file for a site without braces."""
        if block is None or (block.close.path and block.close.path != self.doc.path):
            return len(self.doc.text)
        text = self.doc.text
        start = _line_start(text, block.close.start)
        if text[start : block.close.start].strip():
            return block.close.start
        return start

    def _inner_indent(self, lines: list[Directive], block: Block | None) -> str:
        for d in lines:
            if d.items[0].path in ("", self.doc.path) and _line_start(self.doc.text, d.start) != _line_start(
                self.doc.text, block.open.start if block else -1
            ):
                return _indent_of(self.doc.text, d.start)
        if block is not None:
            return _indent_of(self.doc.text, block.open.start) + self.unit
        return ""


# -- helpers ------------------------------------------------------------------------------


def _split_by_host(site: Site) -> list[Site]:
    """A site whose routes use `host` matchers (one wildcard-certificate site serving many
    names) answers each of those hosts with its own routes: model one Site per such host,
    holding the routes that apply to it, in order. The original keeps the routes without a
    host condition, for the addresses no host matcher names."""
    named: list[str] = []
    for route in site.routes:
        for host in route.facts.get("hosts", ()):
            if host not in named:
                named.append(host)
    if not named:
        return [site]
    derived = []
    for host in named:
        routes = [r for r in site.routes if "hosts" not in r.facts or host in r.facts["hosts"]]
        derived.append(replace(
            site, hosts=[host], routes=routes, listens=list(site.listens), headers=list(site.headers),
            name=f"{site.name} (host {host})", facts=dict(site.facts, host_matcher_of=site.name),
        ))
    site.routes = [r for r in site.routes if "hosts" not in r.facts]
    site.hosts = [h for h in site.hosts if h not in named]
    return ([site] if site.hosts else []) + derived



def _first_statement(tokens: list[CToken]) -> CToken | None:
    """The first token that does not belong to a top-level `import` line."""
    skip_line = None
    for tok in tokens:
        if skip_line is not None and tok.line == skip_line:
            continue
        if tok.bare and tok.text == "import":
            skip_line = tok.line
            continue
        return tok
    return None


_IMPORT_LINE = lazy(r"^[ \t]*import[ \t]+([^\s#]+)", re.M)


def _imported_by(doc: Document, tree: Tree, levels: int = 4) -> str | None:
    """A Caddy file in the fragment's folder (or up to three parents, inside the tree) whose
    `import` lines name the fragment."""
    from rtclint.discover import kind_from_name

    me = os.path.abspath(doc.abspath)
    folder = os.path.dirname(me)
    for _ in range(levels):
        if not tree.inside(folder):
            break
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            break
        for name in names:
            path = os.path.join(folder, name)
            if path == me or kind_from_name(path) != "caddy" or not os.path.isfile(path):
                continue
            other = tree.load(path)
            if other is None or "import" not in other.text:
                continue
            for m in _IMPORT_LINE.finditer(other.text):
                if me in (os.path.abspath(p) for p in tree.glob(m.group(1), folder)):
                    return path
        folder = os.path.dirname(folder)
    return None


def _set_path(tokens: list[CToken], path: str) -> None:
    for tok in tokens:
        tok.path = path


def _discovered_alone(tree: Tree, path: str) -> bool:
    """Whether rtclint also checks this file on its own (so its sites are counted there)."""
    from rtclint.discover import kind_from_name

    return tree.inside(path) and kind_from_name(path) == "caddy"


def _strips_nothing_more(ctx: _Ctx, prefix: str) -> bool:
    """Caddy runs `uri strip_prefix` directives one after another, each trimming what the
    last one left. A further strip changes nothing when none of the paths the route
    matches still starts with its prefix once the earlier strips are gone: a duplicated
    `uri strip_prefix /livekit/jwt` is a no-op, not a strip of `/livekit/jwt/livekit/jwt`.
    Unknown paths (no matcher, a regex) keep the strips composed."""
    if not ctx.strip or ctx.matcher.kind not in ("exact", "prefix") or ctx.matcher.negated:
        return False
    rest = [p[len(ctx.strip):] if p.startswith(ctx.strip) else p for p in ctx.matcher.paths]
    return bool(rest) and not any(r.startswith(prefix) for r in rest)


def _matcher_token(d: Directive) -> CToken | None:
    args = d.args
    if d.name == "handle_path":
        return args[1] if len(args) > 1 else None
    if len(args) > 1 and is_matcher_token(args[1].text):
        return args[1]
    return None


def _arg_text(d: Directive, has_matcher: bool) -> str | None:
    args = d.args[2:] if has_matcher else d.args[1:]
    return args[0].text if args else None


_ARGS = lazy(r"\{args(?:\[(\d+)\]|\.(\d+))\}")
_VARIADIC = lazy(r"^\{args\[(\d*):(\d*)\]\}$")


def _substitute(d: Directive, params: list[str]) -> Directive:
    """A snippet's directive with `{args[N]}` / `{args[i:j]}` replaced by the import's arguments
    (the tokens keep the snippet's spans)."""
    if not params and not any(isinstance(i, CToken) and "{args" in i.text for i in d.items):
        return d
    items: list = []
    for item in d.items:
        if isinstance(item, Block):
            items.append(Block(item.open, item.close, [_substitute(x, params) for x in item.lines]))
            continue
        if "{args" not in item.text:
            items.append(item)
            continue
        m = _VARIADIC.match(item.text)
        if m:
            lo = int(m.group(1) or 0)
            hi = int(m.group(2)) if m.group(2) else len(params)
            items += [_replaced(item, p) for p in params[lo:hi]]
            continue
        text = _ARGS.sub(lambda mm: _param(params, mm), item.text)
        items.append(_replaced(item, text))
    return Directive(items)


def _replaced(tok: CToken, text: str) -> CToken:
    """A token whose value came from an import argument: every character maps to the
    placeholder's first character (the value is not in the source)."""
    return replace(tok, text=text, value_map=[tok.start] * len(text), value_start=tok.start)


def _param(params: list[str], m) -> str:
    index = int(m.group(1) or m.group(2))
    return params[index] if index < len(params) else ""


def _env_default(text: str) -> str:
    """`{$NAME:default}` → default (the best guess rtclint has); `{$NAME}` stays opaque."""
    return re.sub(r"\{\$[^{}\s:]+:([^{}\n]*)\}", lambda m: m.group(1), text)


def _split_address(text: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `[scheme://]host[:port][/path]`; IPv6 in brackets."""
    scheme = ""
    if "://" in text:
        scheme, text = text.split("://", 1)
        scheme = scheme.lower()
    slash = text.find("/")
    if slash >= 0:
        text = text[:slash]
    port: int | None = None
    if text.startswith("["):
        close = text.find("]")
        host = text[1:close] if close > 0 else text[1:]
        rest = text[close + 1 :] if close > 0 else ""
        if rest.startswith(":") and rest[1:].isdecimal():
            port = int(rest[1:])
        return scheme, host, port
    if ":" in text:
        host, _, tail = text.rpartition(":")
        if tail.isdecimal():
            port = int(tail)
        else:
            host = text
    else:
        host = text
    return scheme, host, port


def _duration(text: str) -> float | None:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", text):
        total += float(number) * units[unit]
    return total if re.fullmatch(r"(\d+(?:\.\d+)?(ms|s|m|h|d))+", text) else None


def _json_valid(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _line_start(text: str, offset: int) -> int:
    if offset < 0:
        return -1
    return max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1


def _indent_of(text: str, offset: int) -> str:
    start = _line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def _indent_unit(text: str) -> str:
    """The file's indentation step: a tab (what `caddy fmt` writes) unless it indents with spaces."""
    widths = [len(m.group(1)) for m in re.finditer(r"^( +)\S", text, re.M)]
    if re.search(r"^\t", text, re.M) or not widths:
        return "\t"
    return " " * min(widths)
