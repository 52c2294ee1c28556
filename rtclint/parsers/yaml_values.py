"""Positions inside YAML scalars, for the service readers (Compose, Kubernetes, LiveKit).

A ConfigMap's block scalar holding JSON, or a `LIVEKIT_CONFIG` value holding YAML, is a
document inside a document: its characters are the scalar's value after YAML removed
indentation, quotes and escapes. `Embedded` keeps that value together with the source
offset of each of its characters, so a finding inside it points at the real line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rtclint.document import Document, Span
from rtclint.model.services import Located
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import node_span, scalar

# How far ahead the aligner looks for a value character in the source before deciding
# it came from an escape sequence (`\u00e9`, `\x41`) and staying where it is.
_ESCAPE_WINDOW = 10


@dataclass
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

    def node_span(self, node: yaml.Node) -> Span:
        """The source span of a node of YAML parsed from `text`."""
        return self.span(node.start_mark.index, node.end_mark.index)


def embedded(doc: Document, node: yaml.ScalarNode) -> Embedded:
    """The value of a scalar node with the source offset of every character."""
    pos = node.start_mark.index
    end = node.end_mark.index
    if node.style in ("|", ">"):
        newline = doc.text.find("\n", pos, end)  # skip the `|-2  # comment` header line
        pos = end if newline == -1 else newline + 1
    elif node.style in ("'", '"'):
        pos += 1
    return align(doc, node.value, pos, end)


def align(doc: Document, value: str, pos: int, end: int) -> Embedded:
    """Offsets for `value`, whose source is doc.text[pos:end] before unquoting.

    Walks the value and the source side by side: each value character is found at or
    after the current source position (indentation, quotes, line folding and backslashes
    are skipped over); whitespace the scanner produced (folded line breaks, `\\n`
    escapes) stays at the current position. Exact for plain, quoted and block scalars."""
    text = doc.text
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
    return Embedded(doc, value, offsets)


def located(doc: Document, node: yaml.Node | None, key: yaml.Node | None = None) -> Located | None:
    """A Located for a scalar value node (its resolved value, its span, its key's span)."""
    if node is None:
        return None
    value = scalar(node) if isinstance(node, yaml.ScalarNode) else node
    return Located(value, node_span(doc, node), node_span(doc, key) if key is not None else None)


def value_span(doc: Document, node: yaml.Node) -> Span:
    """The span of a scalar's characters without its quotes (the text a fix replaces)."""
    span = node_span(doc, node)
    if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') and span.end - span.start >= 2:
        return doc.span(span.start + 1, span.end - 1)
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        newline = doc.text.find("\n", span.start, span.end)  # past the `|-` header line
        return doc.span(span.end if newline == -1 else newline + 1, span.end)
    return span


def compose_nested(text: str) -> tuple[yaml.Node | None, str | None]:
    """Parse YAML held inside a value; (root node, None) or (None, what is wrong)."""
    from rtclint.parsers.yaml import _Loader

    try:
        return yaml.compose(text, Loader=_Loader), None
    except yaml.MarkedYAMLError as exc:
        return None, " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
    except (yaml.YAMLError, RecursionError) as exc:
        return None, str(exc)


SpanOf = Callable[[yaml.Node], Span]
