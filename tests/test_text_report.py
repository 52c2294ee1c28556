"""The text report's fitting of a source line to the terminal (report/text.py `fit`)."""

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from rtclint.report.text import ELLIPSIS, fit

LINE = st.text(alphabet=st.sampled_from(list("abc {}\"`:/.") + ["例", "え", "é"]), min_size=0, max_size=300)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(LINE, st.integers(0, 320), st.integers(1, 80), st.integers(1, 200))
def test_fit_keeps_the_line_in_the_room_and_the_caret_on_the_span(source, start, width, room):
    start = min(start, len(source))
    shown, caret_at, caret_width = fit(source, start, width, room)
    assert cell_len(shown) <= max(room, 12)
    assert 0 <= caret_at <= len(shown) and caret_width >= 1
    if start < len(source):
        assert shown[caret_at] == source[start]  # the caret starts under the span's first character
        assert caret_at + caret_width <= len(shown) - shown.endswith(ELLIPSIS) or caret_width == 1
    if cell_len(source) <= max(room, 12):
        assert shown == source


def test_a_long_line_is_elided_on_the_sides_it_leaves_out():
    source = "x" * 100 + "SPAN" + "y" * 100
    shown, caret_at, caret_width = fit(source, 100, 4, 40)
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert shown[caret_at:caret_at + caret_width] == "SPAN" and len(shown) == 40
