"""Data-driven rule tests: tests/fixtures/rules/<CODE>/<case>/ holds an input tree in
`tree/` and an `expected.json` (must / must_not, paths relative to `tree/`).

Every implemented rule code needs at least one case where it fires and one where it
must not (a `must_not` naming it)."""

import os

import pytest

from conftest import ROOT, check_json
from expectations import cases, describe, load, problems

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")


@pytest.mark.parametrize("case", cases(FIXTURES), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_rule_case(case):
    expected = load(os.path.join(case, "expected.json"))
    payload = check_json(".", cwd=os.path.join(case, "tree"))
    wrong = problems(expected, payload["diagnostics"])
    assert not wrong, "\n".join(wrong) + "\n-- rtclint said:\n" + describe(payload["diagnostics"])
