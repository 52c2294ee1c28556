"""The nginx parser: `read(doc, tree) -> FileFacts`.

Structure and syntax come from `nginx_lexer` (nginx's own token rules, exact offsets),
directive checks from crossplane's analyzer in the file's context (`nginx_config`), and
the proxy model from `nginx_model`. A file that another checked nginx file includes
reports only its own errors; its servers and locations belong to the including file's
model, so nothing is reported twice.
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model.deployment import FileFacts
from rtclint.parsers.base import reading_diagnostic
from rtclint.parsers.nginx_checks import check_file
from rtclint.parsers.nginx_config import (
    MAIN,
    NginxState,
    conf_bases,
    expand,
    guess_context,
    state_for,
)
from rtclint.parsers.nginx_lexer import Stmt
from rtclint.parsers.nginx_model import Builder, upstream_blocks


def read(doc: Document, tree) -> FileFacts:
    state = state_for(tree)
    parsed = state.parse(doc)
    facts = FileFacts(doc.path)
    includer = state.includer_of(doc.abspath)
    ctx = includer[1] if includer else guess_context(parsed.stmts)
    bases = _bases(state, doc.abspath, ctx)
    _report(facts, doc, check_file(state, doc, parsed, ctx, bases))
    if includer is not None:
        facts.subkind = "include"
        # what this file means depends on the files that include it (the parse cache
        # re-reads it when one of them changes)
        facts.includes = _includer_chain(state, doc.abspath)
        return facts
    # A file that never spells out `include` has none (escapes never make letters): no
    # need to walk every block of it three times looking for them.
    if state.mentions(doc.abspath, "include"):
        expand(state, doc, parsed.stmts, ctx, bases)
        facts.includes = list(dict.fromkeys(_included_paths(parsed.stmts)))
        for sub_doc, sub_ctx in _unchecked(state, parsed.stmts, ctx):
            _report(facts, sub_doc, check_file(state, sub_doc, state.parse(sub_doc), sub_ctx, bases))
    upstreams = upstream_blocks(parsed.stmts, state.text_of)
    for name, servers in all_upstreams(state).items():  # this file's own come first
        upstreams.setdefault(name, servers)
    facts.sites = Builder(state.text_of, upstreams).sites(parsed.stmts, ctx, doc.path)
    facts.includes += _upstream_sources(facts, doc.path)
    facts.subkind = "main" if ctx == MAIN else "snippet"
    if not state.mentions(doc.abspath, "include", "upstream"):
        # No other file's read asks for these statements again (the include graph and
        # the upstream merge only load files that mention those words; nothing includes
        # this one), and the facts keep none of them: holding every file's statements
        # until the whole tree is read was most of a big tree's peak memory.
        state.parsed.pop(doc.abspath, None)
    return facts


def all_upstreams(state: NginxState) -> dict:
    """Every nginx file's upstream blocks, the first definition of a name winning,
    computed once per statement generation: per file it made reading a tree quadratic."""
    memo = state.memo.get("upstreams")
    if memo is not None and memo[0] == state.generation:
        return memo[1]
    merged: dict = {}
    for path in state.nginx_files():
        loaded = state.load(path) if state.mentions(path, "upstream", "include") else None
        if loaded is not None:
            for name, servers in upstream_blocks(loaded[1].stmts, state.text_of).items():
                merged.setdefault(name, servers)
    state.memo["upstreams"] = (state.generation, merged)
    return merged


def _upstream_sources(facts: FileFacts, own_path: str) -> list[str]:
    """Other files whose `upstream {}` blocks this file's proxy_pass uses: the facts
    depend on them too (for the parse cache)."""
    used = []
    for site in facts.sites:
        for route in site.routes:
            for server in route.facts.get("servers", []) if route.proxy and route.proxy.backend_name else []:
                path = server.span.path if server.span else own_path
                if path != own_path and path not in facts.includes and path not in used:
                    used.append(path)
    return used


def _includer_chain(state: NginxState, abspath: str) -> list[str]:
    chain: list[str] = []
    seen = {abspath}
    up = state.includer_of(abspath)
    while up is not None and up[0] not in seen:
        seen.add(up[0])
        loaded = state.load(up[0])
        if loaded is not None:
            chain.append(loaded[0].path)
        up = state.includer_of(up[0])
    return chain


def _bases(state: NginxState, abspath: str, ctx: tuple) -> list[str]:
    """Include base directories come from the top of the include chain."""
    seen = {abspath}
    top, top_ctx = abspath, ctx
    while True:
        up = state.includer_of(top)
        if up is None or up[0] in seen:
            break
        seen.add(up[0])
        top = up[0]
        loaded = state.load(top)
        top_ctx = guess_context(loaded[1].stmts) if loaded else MAIN
    return conf_bases(top, top_ctx)


def _report(facts: FileFacts, doc: Document, problems) -> None:
    for p in problems:
        end = max(p.end, p.start)
        facts.diagnostics.append(reading_diagnostic(p.code, Span(doc.path, p.start, end), p.message))


def _included_paths(stmts: list[Stmt]) -> list[str]:
    """Display paths of every file the statements pull in, recursively, in order."""
    found: list[str] = []
    for stmt in stmts:
        for inc in stmt.includes:
            found.append(inc.path)
            found += _included_paths(inc.stmts)
        if stmt.block:
            found += _included_paths(stmt.block)
    return found


def _unchecked(state: NginxState, stmts: list[Stmt], ctx: tuple, depth: int = 0):
    """Included files that are not checked on their own (no nginx-looking name or
    content): their errors are reported here, once, in the context they are included in."""
    from rtclint.parsers.nginx_config import enter

    if depth > 16:
        return
    for stmt in stmts:
        for inc in stmt.includes:
            loaded = state.load(inc.abspath)
            if loaded is None:
                continue
            if not state.is_checked(inc.abspath):
                yield loaded[0], ctx
            yield from _unchecked(state, inc.stmts, ctx, depth + 1)
        if stmt.block and stmt.name:
            yield from _unchecked(state, stmt.block, enter(stmt, ctx), depth + 1)
