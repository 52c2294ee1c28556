"""Caddyfile → FileFacts: which hosts and ports each site serves and what its routes do.

Syntax (lexer port + Lark grammar) lives in caddy_lexer / caddy_syntax; matchers and
Caddy's directive order in caddy_matchers; a block's directives become routes in
caddy_routes. This module reads the file: global options, snippets and named routes,
imports (snippets first, then files relative to the Caddyfile, like Caddy's doImport),
and each site's addresses.

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

from rtclint.document import Document, Span
from rtclint.model import FileFacts
from rtclint.model.proxy import Site
from rtclint.parsers.base import Tree, include_not_found, parse_error
from rtclint.parsers.caddy_imports import discovered_alone, first_statement, imported_by, set_path, substitute
from rtclint.parsers.caddy_insertion import InsertionPoints
from rtclint.parsers.caddy_lexer import LexError, tokenize
from rtclint.parsers.caddy_matchers import KNOWN_DIRECTIVES
from rtclint.parsers.caddy_routes import MAX_DEPTH, BlockContext, RouteFlattener
from rtclint.parsers.caddy_sites import addresses, split_by_host
from rtclint.parsers.caddy_syntax import Block, CaddySyntaxError, Directive, Entry, parse


def read(doc: Document, tree: Tree) -> FileFacts:
    return _Reader(doc, tree).run()


class _Reader(RouteFlattener):
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
        if len(self.stack) > MAX_DEPTH or "{$" in pattern or "{args" in pattern:
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
            if depth > MAX_DEPTH:
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
        ctx = BlockContext(block=block)
        scopes: list[_Ctx] = []
        site.routes = self._routes(lines, ctx, sort=True, scope_out=scopes)
        site.headers = list(scopes[0].headers) if scopes else []
        site.indent = self.at.inner_indent(lines, block)
        site.insert_at = self.at.insert_point(block)
        site.facts["options"] = dict(self.options)
