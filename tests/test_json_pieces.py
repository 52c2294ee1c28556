"""The JSON report is built a slice of the encoder's pieces at a time (for memory); the
text is json.dumps's, byte for byte."""

from hypothesis import given, settings
from hypothesis import strategies as st

import json

from rtclint.report import json_report

SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner,
                                                                                          max_size=6), max_leaves=60)


@settings(max_examples=300)
@given(VALUES)
def test_same_text_as_json_dumps(value):
    assert json_report.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_same_text_across_many_slices(monkeypatch):
    monkeypatch.setattr(json_report, "PIECES_AT_ONCE", 3)  # many slices, one ending mid-value
    payload = {"version": 1, "diagnostics": [{"code": "RTC101", "message": "é \"x\"\n", "fix": None,
                                              "edits": [{"line": i}]} for i in range(50)], "deployments": []}
    assert json_report.dumps(payload) == json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def test_the_report_of_a_real_tree_is_json_dumps_of_its_findings():
    """The findings are made into JSON objects one at a time as they are written; the
    report is still json.dumps of all of them."""
    import os

    from rtclint.engine import check

    examples = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
    result = check([examples])
    assert len(result.diagnostics) > 10
    payload = {"version": json_report.JSON_VERSION, "minor_version": json_report.JSON_MINOR_VERSION,
               "files_checked": result.files_checked, "files_recognised": json_report._recognised(result),
               "diagnostics": [json_report.diagnostic_dict(d, result.documents, json_report._name(result, d))
                               for d in result.diagnostics]}
    if json_report._deployments(result):
        payload["deployments"] = json_report._deployments(result)
    payload["call_paths"] = json_report.call_paths(result)
    assert json_report.render(result) == json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
