"""Caddyfile → FileFacts: which hosts and ports each site serves and what its routes do.

Syntax (lexer port + Lark grammar) lives in caddy_lexer / caddy_syntax; matchers and
Caddy's directive order in caddy_matchers. This module follows imports (snippets first,
then files relative to the Caddyfile, like Caddy's doImport), and flattens each site into
routes in the order Caddy evaluates them.

Format-specific facts other modules may read:
- Route.facts: 'wrapper' ('handle' | 'handle_path' | 'route' | 'invoke' | None), 'directive'
  (respond, reverse_proxy, redir, file_server, …), 'matcher_name' ('@name'), 'hosts' (a
  `host` matcher's names), 'conditions' (other matcher types: method, header, …),
  'unknown_matcher', 'roots'/'try_files'/'strip'/'file_root' (a file_server's, see caddy_static), 'upstreams' (every Upstream of a reverse_proxy), 'header_down'.
- Header.matcher: the path matcher a `header` directive is scoped to (None: all requests).
- Site.facts: 'options' (global http_port, https_port, auto_https), 'host_matcher_of' (a
  Site split off a site whose handles use `host` matchers).
- Respond.content_type: see `caddy_actions.content_type` (what staticresp.go sends).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from rtclint.document import Document, Span
from rtclint.model import FileFacts
from rtclint.model.proxy import Header, PathMatch, Route, Site
from rtclint.parsers import caddy_actions, caddy_static
from rtclint.parsers.base import Tree, include_not_found, parse_error
from rtclint.parsers.caddy_imports import discovered_alone, first_statement, imported_by, set_path, substitute
from rtclint.parsers.caddy_insertion import InsertionPoints
from rtclint.parsers.caddy_lexer import LexError, tokenize
from rtclint.parsers.caddy_matchers import (
    KNOWN_DIRECTIVES,
    combine,
    directive_matcher,
    matcher_token,
    named_matcher,
    order_position,
    overlaps,
    sorted_directives,
)
from rtclint.parsers.caddy_sites import addresses, split_by_host
from rtclint.parsers.caddy_syntax import Block, CaddySyntaxError, Directive, Entry, parse

_MAX_IMPORT_DEPTH = 10
_TERMINAL = {"respond", "reverse_proxy", "redir", "file_server", "abort", "error", "php_fastcgi", "acme_server"}
_WRAPPERS = {"handle", "handle_path", "route"}


def read(doc: Document, tree: Tree) -> FileFacts:
    return _Reader(doc, tree).run()


@dataclass
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
    roots: tuple = ()  # groups of (PathMatch, path) of `root`, outermost first (caddy_static)
    try_files: tuple = ()  # (PathMatch, files) of each `try_files` in effect


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
        self.at = InsertionPoints(doc)  # where fixes insert text, and how indented

    # -- the file ------------------------------------------------------------------

    def run(self) -> FileFacts:
        text = self.doc.text
        try:
            tokens = tokenize(text)
        except LexError as exc:
            self.facts.diagnostics.append(parse_error(self.doc, exc.offset, exc.message))
            return self.facts
        first = first_statement(tokens)
        fragment = first is not None and (first.text.startswith("@") or first.text in KNOWN_DIRECTIVES)
        try:
            tokens, tree = parse(text, "lines" if fragment else "start", tokens)
        except CaddySyntaxError as exc:
            self.facts.diagnostics.append(parse_error(self.doc, exc.start, exc.message, exc.end))
            return self.facts
        set_path(tokens, self.doc.path)
        if fragment:
            # A site body with no address (a docs snippet, or a file meant to be imported inside a
            # site block): Caddy rejects it standalone, rtclint analyses it as one catch-all site —
            # unless a Caddyfile nearby imports it, whose sites already hold these routes.
            importer = imported_by(self.doc, self.tree)
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
                self.facts.sites += split_by_host(self._site(entry))

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
            set_path(tokens, doc.path)
            sub._entries(entries)
            self.snippets.update(sub.snippets)
            self.snippet_errors.update(sub.snippet_errors)
            self.facts.diagnostics += sub.facts.diagnostics
            if not discovered_alone(self.tree, path):
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
                out += self._expand([substitute(x, params) for x in self.snippets[name]], depth + 1)
                continue
            for _path, doc in self._import_files(d):
                try:
                    tokens, sub = parse(doc.text, "lines")
                except CaddySyntaxError as exc:
                    self.facts.diagnostics.append(parse_error(doc, exc.start, exc.message, exc.end))
                    continue
                set_path(tokens, doc.path)
                out += self._expand([substitute(x, params) for x in sub], depth + 1)
        return out

    # -- sites ----------------------------------------------------------------------

    def _site(self, entry: Entry) -> Site:
        lines = entry.block.lines if entry.block is not None else entry.lines
        hosts, listens = addresses(entry.keys, lines, self.options, self.doc.path)
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
        site.indent = self.at.inner_indent(lines, block)
        site.insert_at = self.at.insert_point(block)
        site.facts["options"] = dict(self.options)

    # -- routes ---------------------------------------------------------------------

    def _routes(self, lines: list[Directive], ctx: _Ctx, sort: bool, scope_out: list | None = None) -> list[Route]:
        """The routes of one block, in Caddy's order; `scope_out` receives what is in effect
        at its end (the site-level headers)."""
        lines = self._expand(lines)
        matchers = dict(ctx.matchers)
        for d in lines:
            if d.name.startswith("@") and d.items[0].bare:
                matchers[d.name] = named_matcher(d, self.doc.path)
        ctx = replace(ctx, matchers=matchers, headers=list(ctx.headers))
        ordered = [d for d in lines if order_position(d.name) is not None]
        self.groups += 1
        group = self.groups  # the handle blocks of this block form one route group
        if sort:
            ordered = sorted_directives(ordered, matchers, self.doc.path)
        routes: list[Route] = []
        outer_roots, level_roots = ctx.roots, []  # this block's `root`s form one route group
        for d in ordered:
            own, own_facts = directive_matcher(d, matchers, self.doc.path)
            scope = combine(ctx.matcher, own, ctx.strip)
            if d.name == "header":
                self._header(d, ctx, scope, own_facts)
            elif d.name == "uri":
                self._uri(d, ctx)
            elif d.name == "root":
                level_roots.append(caddy_static.root_entry(d, ctx.matcher, scope, own_facts))
                ctx.roots = outer_roots + (caddy_static.root_group(level_roots),)
            elif d.name == "try_files":
                ctx.try_files = ctx.try_files + (caddy_static.try_files_entry(d, ctx.matcher),)
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

    def _header(self, d: Directive, ctx: _Ctx, scope: PathMatch, own_facts: dict | None = None) -> None:
        """`header [matcher] [+|-|?|>]Name [value [replacement]]`, or a block of such lines."""
        skip = 2 if matcher_token(d) is not None else 1
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
            checks = own_facts.get("checks") if own_facts and own_facts.get("conditions") else None
            ctx.headers.append(Header(name, value_tok.text, span, True, matcher, deferred=deferred, checks=checks))

    def _uri(self, d: Directive, ctx: _Ctx) -> None:
        args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
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
        args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
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
            name=ctx.label or " ".join(t.text for t in d.args[: 2 if matcher_token(d) else 1]),
        )
        route.facts["wrapper"] = ctx.wrapper
        route.facts["directive"] = d.name
        route.facts.update({k: v for k, v in dict(ctx.conditions, **own_facts).items() if v})
        if d.name == "file_server":
            route.facts.update(caddy_static.file_server_facts(d, ctx.roots, ctx.try_files, ctx.strip))
        if d.name == "respond":
            route.respond = caddy_actions.respond(d, route.headers, self.doc.path)
        elif d.name == "reverse_proxy":
            route.proxy = caddy_actions.proxy(d, ctx.strip, ctx.strip_span, route, self.doc.path)
        elif d.name == "redir":
            route.redirect = caddy_actions.redirect(d, self.doc.path)
        if ctx.block is not None and ctx.wrapper is not None:
            route.insert_at = self.at.insert_point(ctx.block)
            route.indent = self.at.inner_indent(ctx.block.lines, ctx.block)
        else:
            route.insert_at = self.at.line_start(d.start) if head.path in ("", self.doc.path) else None
            route.indent = self.at.indent_of(d.start) if head.path in ("", self.doc.path) else self.at.unit
        return route

# -- helpers ------------------------------------------------------------------------------


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

