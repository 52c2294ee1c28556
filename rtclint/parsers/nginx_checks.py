"""nginx directive checks (RTC001/RTC003 of one file in its context): crossplane's
analyser on every directive, the `proxy_pass` URI nginx refuses in regex and named
locations, documentation elisions, and includes that match nothing."""

from __future__ import annotations

from rtclint.document import Document
from rtclint.parsers.nginx_config import NginxState, Problem, enter, find_includes
from rtclint.parsers.nginx_lexer import Parsed, Stmt


def check_file(state: NginxState, doc: Document, parsed: Parsed, ctx: tuple, bases: list[str]) -> list[Problem]:
    """RTC001/RTC003 findings of one file in its context (not of the files it includes)."""
    problems = [Problem("RTC001", doc.path, p.start, p.end, p.message) for p in parsed.problems]
    for word in parsed.elisions:
        problems.append(Problem("RTC001", doc.path, word.start, word.end,
                                'unknown directive "...": a documentation elision, not configuration '
                                "(nginx reads it with the next line as one directive; delete the line)"))
    _check_block(doc, parsed.stmts, ctx, None, problems)
    for inc in find_includes(state, doc, parsed.stmts, ctx, bases) if state.mentions(doc.abspath, "include") else ():
        if inc.report:
            arg = inc.stmt.args[0]
            problems.append(Problem("RTC003", doc.path, arg.start, arg.end, inc.report))
    return problems


def _check_block(doc: Document, stmts: list[Stmt], ctx: tuple, location: Stmt | None, out: list[Problem]) -> None:
    for stmt in stmts:
        if not stmt.name:
            continue
        if stmt.terminator:
            message = _statement_error(stmt, ctx)
            if message is not None:
                start, end = error_span(doc, stmt)
                out.append(Problem("RTC001", doc.path, start, end, message))
            if stmt.name == "proxy_pass" and location is not None:
                _check_proxy_pass_uri(doc, stmt, location, ctx, out)
        if stmt.block is not None:
            inner_loc = stmt if stmt.name == "location" else location
            _check_block(doc, stmt.block, enter(stmt, ctx), inner_loc, out)


# crossplane's verdict on a directive depends only on its name, terminator, context and
# number of arguments — and on the argument itself for an on/off flag with one argument;
# the same few hundred combinations recur in every file of a tree, so each is asked once.
_VERDICTS: dict[tuple, str | None] = {}
_FLAG_DIRECTIVES: frozenset[str] | None = None


def _flag_directives() -> frozenset[str]:
    global _FLAG_DIRECTIVES
    if _FLAG_DIRECTIVES is None:
        from crossplane.analyzer import DIRECTIVES, NGX_CONF_FLAG

        _FLAG_DIRECTIVES = frozenset(d for d, masks in DIRECTIVES.items() if any(m & NGX_CONF_FLAG for m in masks))
    return _FLAG_DIRECTIVES


def _statement_error(stmt: Stmt, ctx: tuple) -> str | None:
    """`directive_error` of a statement; a remembered verdict is found without listing
    the argument values (every directive of every file asks)."""
    name, args = stmt.name, stmt.args
    if name != "if":
        flag = args[0].value if len(args) == 1 and name in (_FLAG_DIRECTIVES or _flag_directives()) else None
        verdict = _VERDICTS.get((name, stmt.terminator, ctx, len(args), flag), _UNKNOWN)
        if verdict is not _UNKNOWN:
            return verdict
        return directive_error(name, [w.value for w in args], stmt.terminator, ctx)
    return directive_error(name, _if_args([w.value for w in args]), stmt.terminator, ctx)


_UNKNOWN = object()  # no verdict remembered yet


def directive_error(name: str, args: list[str], terminator: str, ctx: tuple) -> str | None:
    """crossplane's analyser message for this directive in `ctx`, or None when it is fine."""
    flag = args[0] if len(args) == 1 and name in _flag_directives() else None
    key = (name, terminator, ctx, len(args), flag)
    try:
        return _VERDICTS[key]
    except KeyError:
        pass
    from crossplane.analyzer import analyze
    from crossplane.errors import NgxParserDirectiveError

    try:
        analyze("", {"directive": name, "line": 0, "args": args}, terminator, ctx,
                strict=False, check_ctx=True, check_args=True)
        verdict = None
    except NgxParserDirectiveError as exc:
        verdict = exc.strerror
    _VERDICTS[key] = verdict
    return verdict


def _if_args(args: list[str]) -> list[str]:
    """crossplane's parenthesis stripping for `if`, so argument counts match."""
    if args and args[0].startswith("(") and args[-1].endswith(")"):
        args = list(args)
        args[0] = args[0][1:].lstrip()
        args[-1] = args[-1][:-1].rstrip()
        args = args[int(not args[0]): len(args) - int(not args[-1])]
    return args


def _check_proxy_pass_uri(doc: Document, stmt: Stmt, location: Stmt, ctx: tuple, out: list[Problem]) -> None:
    """nginx refuses a URI part in proxy_pass inside a regex or named location or `if`."""
    if not stmt.args or "$" in stmt.args[0].value:
        return
    # where it is (cheap) before what the URL holds: most proxy_pass are in prefix locations
    mods = [w.value for w in location.args]
    regex = bool(mods) and (mods[0] in ("~", "~*") or (len(mods) == 1 and mods[0].startswith("~")))
    named = bool(mods) and mods[-1].startswith("@")
    inside_if = ctx[-1:] in (("if",), ("limit_except",))
    if not (regex or named or inside_if):
        return
    url = stmt.args[0].value
    rest = url.split("://", 1)[1] if "://" in url else ""
    if rest.startswith("unix:"):
        rest = rest.split(":", 2)[-1] if rest.count(":") >= 2 else ""
    if "/" in rest:
        start, end = error_span(doc, stmt)
        out.append(Problem("RTC001", doc.path, start, end,
                           '"proxy_pass" cannot have URI part in location given by regular expression, or inside '
                           'named location, or inside "if" statement, or inside "limit_except" block'))


def error_span(doc: Document, stmt: Stmt) -> tuple[int, int]:
    """Where nginx reports a directive error: it names the line where the directive
    ends (its `;` or `{`); on one line we point at the directive name instead."""
    name = stmt.words[0]
    if stmt.terminator and doc.line_col(name.start)[0] != doc.line_col(stmt.term_start)[0]:
        return stmt.term_start, stmt.term_start + 1
    return name.start, name.end
