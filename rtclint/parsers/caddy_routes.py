"""A Caddyfile block's directives → routes, in the order Caddy evaluates them.

`RouteFlattener` is the half of caddy.py's reader that walks one block: named matchers,
Caddy's directive order, `header`/`uri`/`root` in effect for later directives, the
`handle`/`handle_path`/`route`/`invoke` wrappers (a `handle` group answers with its first
matching member), and the terminal directives (respond, reverse_proxy, redir, …) that
become Routes. The reader (caddy.py) supplies the file: `doc`, `at`, `stack`, `groups`,
`named_routes` and `_expand` (imports and snippets)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rtclint.document import Span
from rtclint.model.proxy import Header, PathMatch, Route
from rtclint.parsers import caddy_actions, caddy_static
from rtclint.parsers.caddy_matchers import (
    combine,
    directive_matcher,
    matcher_token,
    named_matcher,
    order_position,
    overlaps,
    sorted_directives,
)
from rtclint.parsers.caddy_syntax import Block, Directive

MAX_DEPTH = 10  # imports and named routes followed at most this deep
_TERMINAL = {"respond", "reverse_proxy", "redir", "file_server", "abort", "error", "php_fastcgi", "acme_server"}
_WRAPPERS = {"handle", "handle_path", "route"}


@dataclass
class BlockContext:
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


class RouteFlattener:
    """Routes of a block (mixed into caddy.py's reader)."""

    def _routes(self, lines: list[Directive], ctx: BlockContext, sort: bool, scope_out: list | None = None) -> list[Route]:
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

    def _header(self, d: Directive, ctx: BlockContext, scope: PathMatch, own_facts: dict | None = None) -> None:
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

    def _uri(self, d: Directive, ctx: BlockContext) -> None:
        args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
        if len(args) >= 2 and args[0].text == "strip_prefix":
            prefix = args[1].text
            if not prefix.startswith("/"):
                prefix = "/" + prefix
            if _strips_nothing_more(ctx, prefix):
                return
            ctx.strip = ctx.strip + prefix
            ctx.strip_span = Span(args[1].path or self.doc.path, args[0].start, args[1].end)

    def _wrapper(self, d: Directive, ctx: BlockContext, scope: PathMatch, own_facts: dict) -> list[Route]:
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

    def _group_member(self, d: Directive, ctx: BlockContext, scope: PathMatch, own_facts: dict, group: int) -> list[Route]:
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

    def _invoke(self, d: Directive, ctx: BlockContext, scope: PathMatch, own_facts: dict) -> list[Route]:
        """`invoke [matcher] name`: the named route's directives, sorted like a site's."""
        args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
        lines = self.named_routes.get(args[0].text) if args else None
        if lines is None or len(self.stack) > MAX_DEPTH:
            return []
        inner = replace(ctx, matcher=scope, wrapper="invoke", label=" ".join(t.text for t in d.args),
                                    conditions=dict(ctx.conditions, **own_facts))
        self.stack += ("&(" + args[0].text + ")",)  # a named route invoking itself stops here
        try:
            return self._routes(lines, inner, sort=True)
        finally:
            self.stack = self.stack[:-1]

    def _route(self, d: Directive, ctx: BlockContext, scope: PathMatch, own_facts: dict) -> Route:
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


def _strips_nothing_more(ctx: BlockContext, prefix: str) -> bool:
    """Caddy runs `uri strip_prefix` directives one after another, each trimming what the
    last one left. A further strip changes nothing when none of the paths the route
    matches still starts with its prefix once the earlier strips are gone: a duplicated
    `uri strip_prefix /livekit/jwt` is a no-op, not a strip of `/livekit/jwt/livekit/jwt`.
    Unknown paths (no matcher, a regex) keep the strips composed."""
    if not ctx.strip or ctx.matcher.kind not in ("exact", "prefix") or ctx.matcher.negated:
        return False
    rest = [p[len(ctx.strip):] if p.startswith(ctx.strip) else p for p in ctx.matcher.paths]
    return bool(rest) and not any(r.startswith(prefix) for r in rest)
