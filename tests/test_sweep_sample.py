"""The split of the slow sweeps (tests/conftest.py): `make test` (--sweep=sample) and
`make sweeps` (--sweep=rest) together run every case exactly once, `make full` (--sweep=all)
runs them all, and the sample still holds every rule and every kind of case."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT, sample

SWEPT = ["tests/test_fix_proof.py", "tests/test_fix_diff_applies.py", "tests/test_compose_oracle.py"]


def collected(mode: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
                           f"--sweep={mode}", *SWEPT], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return {line for line in proc.stdout.splitlines() if "::" in line}


def test_make_test_and_make_sweeps_run_every_case_once():
    part, rest, everything = collected("sample"), collected("rest"), collected("all")
    assert part and rest, "a mode that selects nothing proves nothing"
    assert not part & rest
    assert part | rest == everything


def test_the_sample_keeps_a_case_for_every_new_feature():
    params = sample(["a1", "a2", "b1", "b2", "c1"], lambda case: [case[0], case[1] == "2" and case[0] == "b"])
    swept = [p.values[0] for p in params if any(m.name == "sweep" for m in p.marks)]
    assert swept == ["a2"]  # b2 brings (b, True); c1 brings c


def _rules(params) -> set[str]:
    return {os.path.relpath(p.values[0], os.path.join(ROOT, "tests", "fixtures", "rules")).split(os.sep)[0]
            for p in params}


def _unswept(params):
    return [p for p in params if not any(m.name == "sweep" for m in p.marks)]


@pytest.mark.parametrize("module, function", [("test_fix_diff_applies", "test_diff_applies_with_git_and_patch_like_fix"),
                                               ("test_fix_proof", "test_fix_case_is_proven"),
                                               ("test_fix_proof", "test_fixture_fixes_are_proven")])
def test_every_rule_of_a_sweep_is_in_make_tests_sample(module, function):
    test = getattr(__import__(module), function)
    [mark] = [m for m in test.pytestmark if m.name == "parametrize"]
    params = mark.args[1]
    assert len(_unswept(params)) < len(params), "nothing left for make sweeps: the split is gone"
    assert _rules(_unswept(params)) == _rules(params)
