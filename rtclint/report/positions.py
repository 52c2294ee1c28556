"""Turning spans into the 1-based lines and columns every output format uses."""

from __future__ import annotations

from rtclint.document import Document, Span


def region(span: Span, documents: dict[str, Document]) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column), 1-based, end column exclusive."""
    doc = documents.get(span.path)
    if doc is None:
        return 1, 1, 1, 1
    line, col = doc.line_col(span.start)
    end_line, end_col = doc.line_col(span.end)
    return line, col, end_line, end_col
