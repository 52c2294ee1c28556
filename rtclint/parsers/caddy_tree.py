"""The Caddyfile tree caddy_syntax builds: entries (sites, snippets, global options,
imports), their directive lines and blocks, and the syntax error Caddy would report."""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.parsers.caddy_lexer import CToken


class CaddySyntaxError(Exception):
    def __init__(self, message: str, start: int, end: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = start + 1 if end is None else end


@dataclass
class Block:
    """A `{ ... }` block of a Caddyfile and the directive lines in it."""

    open: CToken
    close: CToken
    lines: list["Directive"] = field(default_factory=list)
    error: "CaddySyntaxError | None" = None  # a snippet body that does not parse (reported where imported)


@dataclass
class Directive:
    """One directive line: its tokens (args) and the blocks opened on it, in order.

    `items` interleaves CToken and Block exactly as written; `args` are the tokens only.
    `import` statements are Directives named 'import'."""

    items: list

    @property
    def args(self) -> list[CToken]:
        return [i for i in self.items if isinstance(i, CToken)]

    @property
    def blocks(self) -> list[Block]:
        return [i for i in self.items if isinstance(i, Block)]

    @property
    def name(self) -> str:
        return self.items[0].text if self.items and isinstance(self.items[0], CToken) else ""

    @property
    def start(self) -> int:
        return self.items[0].start

    @property
    def end(self) -> int:
        last = self.items[-1]
        return last.close.end if isinstance(last, Block) else last.end


@dataclass
class Entry:
    """A top-level unit: 'site', 'global', 'snippet', 'named_route', 'import' or
    'braceless' (a site without braces: its directives run to the end of the file)."""

    kind: str
    keys: list[CToken]
    block: Block | None = None
    lines: list[Directive] = field(default_factory=list)  # braceless sites, imports
    directive: Directive | None = None  # the import statement itself


def token_span(tok: CToken) -> tuple[int, int]:
    return tok.start, max(tok.end, tok.start + 1)
