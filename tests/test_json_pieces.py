"""The JSON report is written a batch of findings at a time (for memory), by orjson (for
speed: report/json_text.py); the text is json.dumps's, byte for byte."""

from hypothesis import given, settings
from hypothesis import strategies as st

import json

import pytest

from rtclint.report import json_report, json_text

# the values reports hold (report/json_text.py: no floats); integers of any size (orjson
# takes 64 bits, json the rest)
SCALARS = st.none() | st.booleans() | st.integers() | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(), inner,
                                                                                          max_size=6), max_leaves=60)


@settings(max_examples=300)
@given(VALUES)
def test_same_text_as_json_dumps(value):
    assert json_text.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=200)
@given(st.dictionaries(st.text(), VALUES, max_size=6))
def test_a_report_written_a_key_at_a_time_is_the_same_text(payload):
    assert "".join(json_report.dumps_chunks(payload)) == json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("at_once", [3, 500])
def test_the_report_of_a_real_tree_is_json_dumps_of_its_findings(monkeypatch, at_once):
    """The findings are made into JSON objects a batch at a time as they are written (3:
    many batches, the last one short; 500: one); the report is still json.dumps of all of
    them."""
    monkeypatch.setattr(json_report, "FINDINGS_AT_ONCE", at_once)
    import os

    from rtclint.engine import check

    examples = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
    result = check([examples])
    assert len(result.diagnostics) > 10
    payload = {"version": json_report.JSON_VERSION, "minor_version": json_report.JSON_MINOR_VERSION,
               "files_checked": result.files_checked, "files_recognised": json_report._recognised(result),
               "diagnostics": [json_report.diagnostic_dict(d, result.documents, result.deployment_name(d.path, d))
                               for d in result.diagnostics]}
    if json_report._deployments(result):
        payload["deployments"] = json_report._deployments(result)
    payload["call_paths"] = json_report.call_paths(result)
    chunks = list(json_report.render_chunks(result))
    assert len(chunks) > len(result.diagnostics) // at_once
    assert "".join(chunks) == json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
