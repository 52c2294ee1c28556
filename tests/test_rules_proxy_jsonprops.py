"""Properties of the JSON helpers behind RTC100/101/102/103 edits, over generated JSON:
positions slice back to the values they describe, a truncated document is completed
only with closers (and then parses to a prefix-consistent value), and added members
keep the document valid."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.rules.common.jsonedit import add_member_text, closing_suffix, parse_positions

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=12)
styles = st.sampled_from([{"separators": (",", ":")}, {"separators": (", ", ": ")}, {"indent": 2}, {"indent": "\t"}])


def _walk(node, text):
    assert json.loads(text[node.start:node.end]) == node.value
    for item in node.items:
        _walk(item, text)
    for key, val in node.members:
        assert json.loads(text[key.start:key.end]) == key.value
        _walk(val, text)


@settings(max_examples=200, deadline=None)
@given(values, styles)
def test_positions_slice_back_to_values(value, style):
    text = json.dumps(value, **style)
    _walk(parse_positions(text), text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), values, min_size=1, max_size=4), styles, st.integers(1, 10**6))
def test_truncation_is_completed_only_with_closers(value, style, cut_seed):
    text = json.dumps(value, **style)
    cut = text[: 1 + cut_seed % (len(text) - 1)] if len(text) > 1 else text
    suffix = closing_suffix(cut)
    if suffix is None:
        return
    assert set(suffix) <= set('"]}\n\t ')
    json.loads(cut.rstrip() + suffix)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=6), values, max_size=4), styles)
def test_added_member_keeps_the_document_valid(value, style):
    text = json.dumps(value, **style)
    root = parse_positions(text)
    at, insert = add_member_text(text, root, "org.matrix.msc4143.rtc_foci", [{"type": "livekit"}])
    result = json.loads(text[:at] + insert + text[at:])
    assert result["org.matrix.msc4143.rtc_foci"] == [{"type": "livekit"}]
    assert {k: v for k, v in result.items() if k != "org.matrix.msc4143.rtc_foci"} == \
        {k: v for k, v in value.items() if k != "org.matrix.msc4143.rtc_foci"}
