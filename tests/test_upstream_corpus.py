"""The real example configs people copy (../shared/corpus/upstream): every case's
expected.json holds rtclint to findings that must and must not appear."""

import os

import pytest

from conftest import SHARED, check_json
from expectations import cases, describe, load, problems

CORPUS = os.path.join(SHARED, "corpus", "upstream")


@pytest.mark.parametrize("case", cases(CORPUS), ids=lambda p: os.path.relpath(p, CORPUS))
def test_upstream_case(case):
    expected = load(os.path.join(case, "expected.json"))
    payload = check_json(".", cwd=case)
    wrong = problems(expected, payload["diagnostics"])
    assert not wrong, "\n".join(wrong) + "\n-- rtclint said:\n" + describe(payload["diagnostics"])


def test_corpus_is_present():
    assert len(cases(CORPUS)) >= 15
