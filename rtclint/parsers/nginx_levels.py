"""What nginx has in effect at each level (http, server, location), after inheritance.

Inheritance follows nginx's merge rules: array directives (`add_header`,
`proxy_set_header`) are inherited from the enclosing level only when the level itself
has none of them — one `add_header` in a location drops every server-level one;
single-value directives (`default_type`, `proxy_http_version`, `proxy_read_timeout`)
are inherited unless set again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.document import Span
from rtclint.model.proxy import Header
from rtclint.parsers.nginx_lexer import Stmt

_LEVEL_DIRECTIVES = frozenset({"add_header", "proxy_set_header", "types", "default_type", "proxy_http_version",
                               "proxy_read_timeout"})


@dataclass
class Setting:
    """A directive's value in effect at one level of nginx's configuration, and where it is set."""

    value: str
    span: Span


@dataclass
class Level:
    """What is in effect at one level (http, server, location) after inheritance."""

    add_headers: list[Header] = field(default_factory=list)
    proxy_headers: list[Header] = field(default_factory=list)
    default_type: Setting | None = None
    http_version: Setting | None = None
    read_timeout: Setting | None = None
    types: list[Setting] = field(default_factory=list)  # `types {}` entries in effect



def inherit(parent: Level, stmts: list[Stmt]) -> Level:
    """What is in effect at a level whose statements are `stmts`, inside `parent`."""
    # one pass over the level's statements (this runs for every server and location)
    lvl = Level(parent.add_headers, parent.proxy_headers, parent.default_type, parent.http_version,
                parent.read_timeout, parent.types)
    adds: list[Header] = []
    sets: list[Header] = []
    for stmt in stmts:
        name = stmt.name
        if name not in _LEVEL_DIRECTIVES:
            continue
        args = stmt.args
        if name == "add_header" or name == "proxy_set_header":
            if len(args) >= 2:
                (adds if name == "add_header" else sets).append(header(stmt))
            continue
        if not args:
            if name == "types" and stmt.block is not None:
                lvl.types = _types(stmt)
            continue
        setting = Setting(args[0].value, Span(stmt.path, stmt.start, stmt.end))
        if name == "default_type":
            lvl.default_type = setting
        elif name == "proxy_http_version":
            lvl.http_version = setting
        elif name == "proxy_read_timeout":
            lvl.read_timeout = setting
    if adds:
        lvl.add_headers = adds
    if sets:
        lvl.proxy_headers = sets
    return lvl

def header(stmt: Stmt) -> Header:
    args = stmt.args
    # (a generator for the one or no word after the value cost more than the comparisons)
    always = len(args) > 2 and "always" in [w.value for w in args[2:]]
    return Header(args[0].value, args[1].value, Span(stmt.path, stmt.start, stmt.end), always=always)

def _types(stmt: Stmt) -> list[Setting]:
    return [Setting(s.name, Span(s.path, s.start, s.end)) for s in stmt.block or [] if s.name]
