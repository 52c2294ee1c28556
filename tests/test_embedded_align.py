"""`align`'s shortcut for a value written as it is gives the offsets of the full walk."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.document import Document
from rtclint.embedded import _walk, align

CHARS = st.sampled_from(list("ab: \t\r\n\"'\\#-"))


@settings(max_examples=500)
@given(st.text(CHARS, max_size=30), st.text(CHARS, max_size=12), st.integers(0, 30), st.integers(0, 30))
def test_align_is_the_walk(text, value, pos, end):
    pos, end = min(pos, len(text)), min(end, len(text))  # a node's marks: inside the text
    if value == "":
        value = text[pos : pos + 5]  # also values that are written as they are
    doc = Document("f.yaml", "/f.yaml", "yaml", text)
    assert align(doc, value, pos, end).offsets == _walk(text, value, pos, end)


def test_a_plain_value_takes_the_shortcut():
    doc = Document("f.yaml", "/f.yaml", "yaml", "a: hello\n")
    assert align(doc, "hello", 3, 8).offsets == [3, 4, 5, 6, 7]
