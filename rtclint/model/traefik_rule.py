"""Traefik's router rule language (v2 and v3), parsed and evaluated.

A rule is matchers joined by `&&`, `||`, `!` and parentheses, each matcher a name and
string arguments in backticks or double quotes: ``Host(`a.example.com`) &&
PathPrefix(`/livekit/jwt`)``. v2 lets Host, Path, PathPrefix and Method take several
values (any of them matches) and writes path variables as ``{name:regexp}``; v3 takes one
value and adds PathRegexp. Both are accepted here, as Traefik's own parser of each version
would for the rules people write.

Evaluation is three-valued: a matcher on something the model does not know (ClientIP,
a header or query the request does not say, a Go regexp Python cannot compile) is
*unknown*, and `&&`/`||`/`!` combine unknowns as Kleene logic does, so an unknown never
turns into a guessed match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Matchers whose values are alternatives (v2: `Host(`a`, `b`)` is a or b).
_MULTI = {"host", "hostregexp", "path", "pathprefix", "pathregexp", "method"}
KNOWN = {"host", "hostregexp", "hostheader", "path", "pathprefix", "pathregexp", "method",
         "header", "headers", "headerregexp", "headersregexp", "query", "queryregexp", "clientip"}


class RuleError(ValueError):
    """A rule Traefik would refuse; `offset` is the position in the rule text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


# repr=False: never printed, and dataclasses compiles every generated method at import; eq
# and hash stay (rules are specialised by comparing matchers)
@dataclass(frozen=True, slots=True, repr=False)
class Matcher:
    """One matcher of a Traefik rule (`Host(...)`, `PathPrefix(...)`), with its offsets in the rule."""

    name: str  # lower-case matcher name
    args: tuple[str, ...]
    start: int  # offsets in the rule text
    end: int


@dataclass(frozen=True, slots=True, repr=False)
class Op:
    """`&&`, `||` or `!` over matchers in a Traefik rule."""

    op: str  # 'and', 'or', 'not'
    items: tuple["Node", ...]


Node = Matcher | Op

_TOKEN = re.compile(r"\s*(?:(?P<op>&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z][A-Za-z0-9]*)"
                    r"|`(?P<bt>[^`]*)`|\"(?P<dq>(?:[^\"\\]|\\.)*)\")")


def _tokens(rule: str) -> list[tuple[str, str, int, int]]:
    out, pos = [], 0
    while pos < len(rule):
        if rule[pos:].strip() == "":
            break
        m = _TOKEN.match(rule, pos)
        if m is None:
            raise RuleError(f"unexpected character {rule[pos:].lstrip()[:1]!r}", pos)
        start = m.start(m.lastgroup)
        if m.group("op"):
            out.append(("op", m.group("op"), start, m.end()))
        elif m.group("name") is not None:
            out.append(("name", m.group("name"), start, m.end()))
        elif m.group("bt") is not None:
            out.append(("str", m.group("bt"), start - 1, m.end()))
        else:
            out.append(("str", _unquote(m.group("dq")), start - 1, m.end()))
        pos = m.end()
    return out


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


class _Parser:
    """Recursive descent: or := and ('||' and)*; and := unary ('&&' unary)*;
    unary := '!' unary | '(' or ')' | matcher."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.toks = _tokens(rule)
        self.i = 0

    def peek(self, value: str | None = None):
        if self.i >= len(self.toks):
            return None
        tok = self.toks[self.i]
        return tok if value is None or (tok[0] == "op" and tok[1] == value) else None

    def expect(self, value: str):
        tok = self.peek(value)
        if tok is None:
            at = self.toks[self.i][2] if self.i < len(self.toks) else len(self.rule)
            raise RuleError(f"expected {value!r}", at)
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise RuleError("empty rule", 0)
        node = self.or_()
        if self.i < len(self.toks):
            raise RuleError(f"unexpected {self.toks[self.i][1]!r}", self.toks[self.i][2])
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.peek("||"):
            self.i += 1
            items.append(self.and_())
        return items[0] if len(items) == 1 else Op("or", tuple(items))

    def and_(self) -> Node:
        items = [self.unary()]
        while self.peek("&&"):
            self.i += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else Op("and", tuple(items))

    def unary(self) -> Node:
        if self.peek("!"):
            self.i += 1
            return Op("not", (self.unary(),))
        if self.peek("("):
            self.i += 1
            node = self.or_()
            self.expect(")")
            return node
        return self.matcher()

    def matcher(self) -> Matcher:
        if self.i >= len(self.toks) or self.toks[self.i][0] != "name":
            at = self.toks[self.i][2] if self.i < len(self.toks) else len(self.rule)
            raise RuleError("expected a matcher such as Host(`…`) or PathPrefix(`…`)", at)
        _, name, start, _ = self.toks[self.i]
        if name.lower() not in KNOWN:
            raise RuleError(f"unknown matcher {name}", start)
        self.i += 1
        self.expect("(")
        args = []
        while True:
            if self.i >= len(self.toks) or self.toks[self.i][0] != "str":
                at = self.toks[self.i][2] if self.i < len(self.toks) else len(self.rule)
                raise RuleError(f"{name} takes quoted values (backticks or double quotes)", at)
            args.append(self.toks[self.i][1])
            self.i += 1
            if not self.peek(","):
                break
            self.i += 1
        end = self.expect(")")[3]
        return Matcher(name.lower(), tuple(args), start, end)


def parse(rule: str) -> Node:
    """The rule's tree; RuleError for a rule Traefik refuses."""
    return _Parser(rule).parse()


def default_priority(rule: str) -> int:
    """Traefik's default router priority: the length of the rule text."""
    return len(rule)


# -- evaluation ----------------------------------------------------------------------------

def _template_regex(value: str, whole: bool) -> str:
    """v2 path/host templates: `{name:re}` is that regexp, `{name}` one segment."""
    out, pos = [], 0
    for m in re.finditer(r"\{([A-Za-z0-9_]+)(?::((?:[^{}]|\{[^{}]*\})*))?\}", value):
        out.append(re.escape(value[pos:m.start()]))
        out.append(f"(?:{m.group(2)})" if m.group(2) else "[^/]+")
        pos = m.end()
    out.append(re.escape(value[pos:]))
    return "^" + "".join(out) + ("$" if whole else "")


def _search(pattern: str, subject: str, flags: int = 0) -> bool | None:
    try:
        return re.search(pattern, subject, flags) is not None
    except re.error:
        return None  # Go syntax Python does not read: unknown, never a guess


def _host_match(value: str, host: str) -> bool | None:
    value, host = value.lower(), host.lower()
    if "{" in value:
        return _search(_template_regex(value, True), host)
    if value.startswith("**."):
        return host.endswith(value[2:])
    if value.startswith("*."):
        return host.endswith(value[1:]) and host.count(".") == value.count(".")
    return host == value


def _any(results) -> bool | None:
    results = list(results)
    if any(r is True for r in results):
        return True
    return None if any(r is None for r in results) else False


def _matcher(m: Matcher, req: dict) -> bool | None:
    host, path = req.get("host"), req.get("path")
    name, args = m.name, m.args
    if name in ("host", "hostheader"):
        return None if host is None else _any(_host_match(a, host) for a in args)
    if name == "hostregexp":
        return None if host is None else _any(_search(a, host.lower()) for a in args)
    if name == "path":
        return None if path is None else _any(
            _search(_template_regex(a, True), path) if "{" in a else path == a for a in args)
    if name == "pathprefix":
        return None if path is None else _any(
            _search(_template_regex(a, False), path) if "{" in a else path.startswith(a) for a in args)
    if name == "pathregexp":
        return None if path is None else _any(_search(a, path) for a in args)
    if name == "method":
        method = req.get("method")
        return None if method is None else _any(method.upper() == a.upper() for a in args)
    if name in ("header", "headers", "headerregexp", "headersregexp"):
        headers = req.get("headers")
        if headers is None or len(args) != 2:
            return None
        value = {k.lower(): v for k, v in headers.items()}.get(args[0].lower())
        if value is None:
            return False
        return value == args[1] if name in ("header", "headers") else _search(args[1], value)
    return None  # ClientIP, Query…: the model does not know the client or the query


def evaluate(node: Node, req: dict) -> bool | None:
    """True, False or None (unknown) for a request given as a dict with any of `host`,
    `path`, `method`, `headers`; a key left out is unknown."""
    if isinstance(node, Matcher):
        return _matcher(node, req)
    if node.op == "not":
        inner = evaluate(node.items[0], req)
        return None if inner is None else not inner
    results = [evaluate(item, req) for item in node.items]
    if node.op == "and":
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    return _any(results)


def specialize(node: Node, host: str) -> "Node | bool":
    """The rule for requests to `host`: host matchers replaced by their truth, `&&`/`||`
    simplified, so what is left speaks of the path (and other request parts) only. A host
    matcher the model cannot decide stays in place."""
    if isinstance(node, Matcher):
        if node.name in ("host", "hostregexp", "hostheader"):
            truth = _matcher(node, {"host": host})
            return node if truth is None else truth
        return node
    if node.op == "not":
        inner = specialize(node.items[0], host)
        return (not inner) if isinstance(inner, bool) else Op("not", (inner,))
    items = [specialize(item, host) for item in node.items]
    absorbing, neutral = (False, True) if node.op == "and" else (True, False)
    if absorbing in items:
        return absorbing
    rest = tuple(item for item in items if item is not neutral)
    if not rest:
        return neutral
    return rest[0] if len(rest) == 1 else Op(node.op, rest)


def hosts_named(node: Node) -> list[str]:
    """The concrete host names a rule mentions in Host() matchers (not regexps)."""
    if isinstance(node, Matcher):
        if node.name in ("host", "hostheader"):
            return [a.lower() for a in node.args if "{" not in a]
        return []
    seen: list[str] = []
    for item in node.items:
        for h in hosts_named(item):
            if h not in seen:
                seen.append(h)
    return seen


def mentions(node: Node, names: set[str]) -> bool:
    if isinstance(node, Matcher):
        return node.name in names
    return any(mentions(item, names) for item in node.items)


def upstream_path(strip_chain: list[list[str]], path: str) -> str:
    """The path a Traefik service receives: each stripPrefix middleware, in order, removes
    the first of its prefixes the path starts with, and Traefik keeps a leading `/`."""
    for prefixes in strip_chain:
        for prefix in prefixes:
            if path.startswith(prefix):
                path = path[len(prefix):]
                if not path.startswith("/"):
                    path = "/" + path
                break
    return path
