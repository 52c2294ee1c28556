"""A value embedded in a document's text — a YAML scalar's value after indentation,
quotes and escapes are gone — with the source offset of each of its characters, so a
finding inside it (JSON in a ConfigMap, `LIVEKIT_KEYS` in an environment entry) points at
the real line. Text only: the parsers make these, and a rule may re-align a value it
reports on."""

from __future__ import annotations

from dataclasses import dataclass

from rtclint.document import Document, Span

# How far ahead the aligner looks for a value character in the source before deciding
# it came from an escape sequence (`\u00e9`, `\x41`) and staying where it is.
_ESCAPE_WINDOW = 10


# eq=False, repr=False: nobody compares (==) or prints it, and dataclasses compiles every
# generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Embedded:
    """A scalar's value and, for each character, its offset in `doc.text`."""

    doc: Document
    text: str
    offsets: list[int]

    def offset(self, index: int) -> int:
        if not self.offsets:
            return 0
        if index >= len(self.offsets):
            return self.offsets[-1] + 1
        return self.offsets[max(index, 0)]

    def span(self, start: int, end: int) -> Span:
        """The source span of value characters [start, end)."""
        if end <= start:
            at = self.offset(start)
            return self.doc.span(at, at)
        return self.doc.span(self.offset(start), self.offset(end - 1) + 1)

    def node_span(self, node) -> Span:
        """The source span of a node of YAML parsed from `text`."""
        return self.span(node.start_mark.index, node.end_mark.index)


def align(doc: Document, value: str, pos: int, end: int) -> Embedded:
    """Offsets for `value`, whose source is doc.text[pos:end] before unquoting.

    Walks the value and the source side by side: each value character is found at or
    after the current source position (indentation, quotes, line folding and backslashes
    are skipped over); whitespace the scanner produced (folded line breaks, `\\n`
    escapes) stays at the current position. Exact for plain, quoted and block scalars."""
    if 0 <= pos and pos + len(value) <= end and doc.text.startswith(value, pos) and "\r" not in value:
        # Written as it is (most plain one-line values): the walk below would find each
        # character where the previous one ended (a `\r` it would skip as a line break).
        return Embedded(doc, value, list(range(pos, pos + len(value))))
    return Embedded(doc, value, _walk(doc.text, value, pos, end))


def _walk(text: str, value: str, pos: int, end: int) -> list[int]:
    """align's offsets, character by character."""
    first = pos
    offsets: list[int] = []
    last = max(end - 1, first)
    for ch in value:
        if ch in " \t\n":
            if pos < end and text[pos] == ch:
                offsets.append(pos)
                pos += 1
            else:  # produced by folding or an escape: no source character of its own
                offsets.append(min(pos, last))
            continue
        while pos < end and text[pos] in " \t\r\n":  # indentation, folded line breaks
            pos += 1
        found = text.find(ch, pos, min(end, pos + _ESCAPE_WINDOW))
        if found == -1:
            offsets.append(min(pos, last))
            continue
        offsets.append(found)
        pos = found + 1
    return offsets
