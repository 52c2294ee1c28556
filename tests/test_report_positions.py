"""`report/positions.region` counts a span's end column from its start when the span
holds no line break: the same four numbers as asking the line index for both ends."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.document import Document, Span
from rtclint.report.positions import region


@settings(max_examples=800)
@given(st.text(alphabet="ab \n\r\té", max_size=40), st.integers(-3, 45), st.integers(0, 12))
def test_region_is_both_ends_from_the_line_index(text, start, length):
    doc = Document(path="f", abspath="/f", kind="yaml", text=text)
    span = Span("f", start, start + length)
    expected = (*doc.line_col(span.start), *doc.line_col(span.end))
    assert region(span, {"f": doc}) == expected


def test_a_span_of_an_unknown_file_is_at_its_start():
    assert region(Span("g", 3, 9), {}) == (1, 1, 1, 1)
