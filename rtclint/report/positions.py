"""Turning spans into the 1-based lines and columns every output format uses."""

from __future__ import annotations

from rtclint.document import Document, Span


def region(span: Span, documents: dict[str, Document]) -> tuple[int, int, int, int]:
    """(line, column, end_line, end_column), 1-based, end column exclusive."""
    doc = documents.get(span.path)
    if doc is None:
        return 1, 1, 1, 1
    start, end = span.start, span.end
    line, col = doc.line_col(start)
    # Most spans end on the line they start on: the end's column is then counted from the
    # start's, without a second search of the line index (a report asks it for every
    # finding and every fix edit: ~8,000 times on the 300 nginx files). A line ends at
    # '\n' or a lone '\r' (Document's index), so a span holding neither stays on its line.
    text = doc.text
    if 0 <= start and end <= len(text) and text.find("\n", start, end) < 0 and text.find("\r", start, end) < 0:
        return line, col, line, col + end - start
    end_line, end_col = doc.line_col(end)
    return line, col, end_line, end_col
