"""Where a fix inserts text in a Caddyfile, and with which indentation (the file's own:
a tab, what `caddy fmt` writes, unless it indents with spaces)."""

from __future__ import annotations

import re

from rtclint.document import Document
from rtclint.parsers.caddy_syntax import Block, Directive
from rtclint.parsers.text_lines import TextLines


class InsertionPoints:
    """Insertion offsets and indentation in one file (its line starts indexed once)."""

    def __init__(self, doc: Document) -> None:
        self.text = doc.text
        self.path = doc.path
        self.unit = indent_unit(doc.text)
        self.lines = TextLines(doc.text, "\r\n")  # a lone CR ends a line for Caddy too

    def line_start(self, offset: int) -> int:
        return -1 if offset < 0 else self.lines.line_start(offset)

    def indent_of(self, offset: int) -> str:
        """The spaces and tabs that start the line holding `offset`."""
        text = self.text
        start = self.line_start(offset)
        end = start
        while end < len(text) and text[end] in " \t":
            end += 1
        return text[start:end]

    def insert_point(self, block: Block | None) -> int:
        """The start of the line holding the block's `}` (a fix inserts `indent + text +
        newline` there); the end of the file for a site without braces."""
        if block is None or (block.close.path and block.close.path != self.path):
            return len(self.text)
        text = self.text
        start = self.line_start(block.close.start)
        if text[start : block.close.start].strip():
            return block.close.start
        return start

    def inner_indent(self, lines: list[Directive], block: Block | None) -> str:
        """The indentation of the block's first line of this file that is not the line of
        its `{`; else the `{` line's plus one step."""
        opener_line = self.line_start(block.open.start if block else -1)
        for d in lines:
            if d.items[0].path in ("", self.path) and self.line_start(d.start) != opener_line:
                return self.indent_of(d.start)
        if block is not None:
            return self.indent_of(block.open.start) + self.unit
        return ""


def indent_unit(text: str) -> str:
    """The file's indentation step: a tab (what `caddy fmt` writes) unless it indents with spaces."""
    widths = [len(m.group(1)) for m in re.finditer(r"^( +)\S", text, re.M)]
    if re.search(r"^\t", text, re.M) or not widths:
        return "\t"
    return " " * min(widths)
