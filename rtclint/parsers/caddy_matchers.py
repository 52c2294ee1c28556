"""Caddy request matchers → PathMatch, and the directive order Caddy sorts routes by.

Facts from Caddy's source (caddyconfig/httpcaddyfile, modules/caddyhttp):
- a matcher token is `*`, a token starting with `/` (a single path matcher), or `@name`
  (matcherSetFromMatcherToken); anything else is the directive's first argument;
- path matching is case-insensitive and `*` is a wildcard anywhere (MatchPath);
- routes are sorted by `defaultDirectiveOrder`; equal directives by their single path
  matcher, longest first (trailing `*` trimmed; same path: the one without `*` first),
  then routes with a matcher before routes without (sortRoutes);
- `handle_path` sorts together with `handle` (httptype.go), `handle` blocks are
  mutually exclusive: the first matching one in that order runs.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import re
from dataclasses import replace

from rtclint.document import Span
from rtclint.model.proxy import PathMatch
from rtclint.parsers.caddy_lexer import CToken
from rtclint.parsers.caddy_syntax import Directive

ANY = PathMatch("any")  # a directive without a matcher (compared by identity)

DIRECTIVE_ORDER = [
    "tracing", "map", "vars", "fs", "root", "log_append", "skip_log", "log_skip", "log_name",
    "header", "copy_response_headers", "request_body", "timeouts", "redir",
    "method", "rewrite", "uri", "try_files",
    "basicauth", "basic_auth", "forward_auth", "request_header", "encode", "push", "intercept", "templates",
    "invoke", "handle", "handle_path", "route",
    "abort", "error", "copy_response", "respond", "metrics", "reverse_proxy", "php_fastcgi", "file_server",
    "acme_server",
]
_POSITION = {name: i for i, name in enumerate(DIRECTIVE_ORDER)}
_POSITION["handle_path"] = _POSITION["handle"]  # sorted as one group with handle

# Directives that are not ordered but valid in a site block (they configure the server).
SITE_OPTIONS = {"bind", "tls", "log", "handle_errors", "import"}
KNOWN_DIRECTIVES = set(DIRECTIVE_ORDER) | SITE_OPTIONS


def order_position(name: str) -> int | None:
    return _POSITION.get(name)


def is_matcher_token(text: str) -> bool:
    return text == "*" or text.startswith("/") or text.startswith("@")


def path_match(patterns: list[str], span=None, negated: bool = False) -> PathMatch:
    """A PathMatch for Caddy path patterns (OR'd), case-insensitive like MatchPath."""
    if not patterns or "*" in patterns:
        return PathMatch("any", (), span, True, negated)
    kinds = {_pattern_kind(p) for p in patterns}
    if kinds == {"exact"}:
        return PathMatch("exact", tuple(patterns), span, True, negated)
    if kinds == {"prefix"}:
        return PathMatch("prefix", tuple(p[:-1] for p in patterns), span, True, negated)
    return PathMatch("regex", tuple(_glob_regex(p) for p in patterns), span, True, negated)


def regex_match(pattern: str, span=None, negated: bool = False) -> PathMatch:
    return PathMatch("regex", (pattern,), span, False, negated)


def _pattern_kind(p: str) -> str:
    if "*" not in p:
        return "exact"
    if p.endswith("*") and "*" not in p[:-1]:
        return "prefix"
    return "glob"


def _glob_regex(p: str) -> str:
    return "^" + ".*".join(re.escape(part) for part in p.split("*")) + "$"


def single_path(m: PathMatch) -> str | None:
    """The sort key path of a route with exactly one path pattern (sortRoutes)."""
    if m.kind == "exact" and len(m.paths) == 1:
        return m.paths[0]
    if m.kind == "prefix" and len(m.paths) == 1:
        return m.paths[0] + "*"
    return None


def sort_key_less(a: tuple, b: tuple) -> bool:
    """sortRoutes for two (directive, path-or-None, has_matcher) of the same directive."""
    _, ip, ihas = a
    _, jp, jhas = b
    if ip and jp:
        it = ip[:-1] if ip.endswith("*") else ip
        jt = jp[:-1] if jp.endswith("*") else jp
        if it == jt:
            return len(ip) < len(jp)
        if len(it) == len(jt):
            return it < jt
        return len(it) > len(jt)
    return ihas and not jhas


def combine(outer: PathMatch, inner: PathMatch, strip: str = "") -> PathMatch:
    """The paths a route nested in another matcher takes (inner paths are relative to
    the stripped path inside `handle_path`)."""
    if inner.kind == "any" and not inner.negated:
        return outer
    if strip and inner.kind in ("exact", "prefix"):
        inner = PathMatch(inner.kind, tuple(strip + p for p in inner.paths), inner.span, True, inner.negated)
    if outer.kind == "any" and not outer.negated:
        return inner
    return inner if _within(inner, outer) else PathMatch("none", (), inner.span)


def _within(inner: PathMatch, outer: PathMatch) -> bool:
    """False only when provably disjoint (both plain path sets with no common path)."""
    if outer.negated or inner.negated or outer.kind not in ("exact", "prefix") or inner.kind not in ("exact", "prefix"):
        return True
    for p in inner.paths:
        if outer.matches(p):
            return True
        if inner.kind == "prefix" and any(q.lower().startswith(p.lower()) for q in outer.paths):
            return True
    return False


def overlaps(a: PathMatch, b: PathMatch) -> bool:
    """Whether some request path could match both (conservative: True when unsure)."""
    if a.kind == "any" or b.kind == "any":
        return True
    if "none" in (a.kind, b.kind):
        return False
    return _within(a, b) or _within(b, a)


# -- a directive's matcher -----------------------------------------------------------------


def matcher_token(d: Directive) -> CToken | None:
    args = d.args
    if d.name == "handle_path":
        return args[1] if len(args) > 1 else None
    if len(args) > 1 and is_matcher_token(args[1].text):
        return args[1]
    return None


def directive_matcher(d: Directive, matchers: dict, default_path: str) -> tuple[PathMatch, dict]:
    """The matcher a directive is scoped to, with the facts of a named one."""
    tok = matcher_token(d)
    if tok is None:
        return ANY, {}
    span = Span(tok.path or default_path, tok.start, tok.end)
    if tok.text.startswith("@"):
        found = matchers.get(tok.text)
        if found is None:
            return PathMatch("none", (), span), {"unknown_matcher": tok.text}
        m, facts = found
        return model_copy(m, span=m.span or span), dict(facts, matcher_name=tok.text)
    return path_match([tok.text], span), {}


def named_matcher(d: Directive, default_path: str) -> tuple[PathMatch, dict]:
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
    facts: dict = {"conditions": [], "checks": _checks(d)}
    span = Span(d.items[0].path or default_path, d.start, d.end)
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
        elif kind == "host" and not negate:  # `not host …` is a condition (the answer model reads it)
            facts["hosts"] = [v.lower() for v in values]
        else:
            facts["conditions"].append(kind)
    if paths:
        return path_match(paths, span, negated), facts
    if regex is not None:
        return regex, facts
    return PathMatch("any", (), span), facts


def _checks(d: Directive) -> tuple:
    """The matcher's lines as Caddy reads them, for the answer model to evaluate the
    non-path ones: (type, values) per line, ('not', ((type, values), …)) per `not` line or
    block (MatchNot: one matcher set per `not`, true when the set does not match)."""
    def row(tokens) -> tuple:
        return (tokens[0].text, tuple(t.text for t in tokens[1:])) if tokens else ("", ())

    if d.blocks:
        lines = [line.args for line in d.blocks[0].lines]
        blocks = [line.blocks for line in d.blocks[0].lines]
    else:
        lines, blocks = [d.args[1:]], [None]
    out = []
    for tokens, inner in zip(lines, blocks):
        if tokens and tokens[0].text == "not":
            if inner:
                out.append(("not", tuple(row(line.args) for line in inner[0].lines)))
            else:
                out.append(("not", (row(tokens[1:]),)))
        else:
            out.append(row(tokens))
    return tuple(out)


def model_copy(obj, **changes):
    """A copy of a model object (PathMatch, Site) with some fields changed: works whether
    the model's classes are dataclasses or still the older record classes."""
    if dataclasses.is_dataclass(obj):
        return replace(obj, **changes)
    out = copy.copy(obj)
    for name, value in changes.items():
        setattr(out, name, value)
    return out


def sorted_directives(lines: list[Directive], matchers: dict, default_path: str) -> list[Directive]:
    """Directives in Caddy's order (sortRoutes): by directive, then by path matcher."""
    keyed = []
    for d in lines:
        m, _ = directive_matcher(d, matchers, default_path)
        has = matcher_token(d) is not None
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
