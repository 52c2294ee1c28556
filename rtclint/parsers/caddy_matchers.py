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

import re

from rtclint.model.proxy import PathMatch

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
