"""report/pretty_json: the same bytes as json.dumps(indent=2, ensure_ascii=False)."""

import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.report.pretty_json import pretty

_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text())
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.one_of(st.text(), st.integers(), st.booleans(), st.none()), inner, max_size=4)),
    max_leaves=30)


@settings(max_examples=int(os.environ.get("RTCLINT_FUZZ_EXAMPLES", "400")), deadline=None,
          derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"))
@given(_VALUES)
def test_property_pretty_is_json_dumps_indent_2(value):
    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_control_characters_quotes_and_non_ascii():
    value = {"m": "a\"b\\c\n\t\x00\x1f é 😀 \u2028", "e": [], "o": {}, "n": [1, -2, 10**30, 1.5, None]}
    assert pretty(value) == json.dumps(value, indent=2, ensure_ascii=False)
