"""Document's line index (computed in C from the lines' lengths) against the plain
definition: a line starts at 0 and after every '\n', and after a lone '\r' too (an old
Mac line ending ends a line for every server rtclint mimics)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.document import Document


def plain_line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text)
                  if ch == "\n" or (ch == "\r" and text[i + 1 : i + 2] != "\n")]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["a", "é", " ", "\n", "\r", "\r\n", "\t", "ab: c"]), max_size=40))
def test_line_starts_are_the_plain_definition(pieces):
    text = "".join(pieces)
    doc = Document("f", "/f", "yaml", text)
    starts = plain_line_starts(text)
    assert doc.line_count == len(starts)
    for line, start in enumerate(starts, 1):
        assert doc.offset(line, 1) == start
        assert doc.line_col(start) == (line, 1)


def test_the_last_line_without_a_line_break():
    doc = Document("f", "/f", "yaml", "a: 1\nb: 2")
    assert doc.line_count == 2
    assert doc.line_col(9) == (2, 5)
    assert doc.line_text(2) == "b: 2"


def test_a_span_is_a_value():
    """Spans compare, order and hash by (path, start, end), an end before the start is the
    start, and a pickled or copied span is an equal one (the parse cache and the workers
    pickle every span of a file's facts)."""
    import copy
    import pickle

    from rtclint.document import Span

    a, b = Span("a.conf", 3, 9), Span("a.conf", 3, 9)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1 and a is not b
    assert Span("a.conf", 5, 2).end == 5
    ordered = [Span("a", 4, 4), Span("a", 4, 5), Span("b", 0, 1)]
    assert sorted(reversed(ordered)) == ordered
    for clone in (pickle.loads(pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL)), copy.copy(a), copy.deepcopy(a)):
        assert clone == a and type(clone) is Span
    assert repr(a) == "Span(path='a.conf', start=3, end=9)"
