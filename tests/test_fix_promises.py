"""Fixable means fixed, over every fixture tree and example: the findings a plain check
marks fixable (`[*]`; safe ones, and with --unsafe-fixes the unsafe ones too) are exactly
the findings `--fix` (resp. `--fix --unsafe-fixes`) fixes on a copy of the tree; "N
fixable" is the count `--fix` reports ("Fixed N problems"); JSON fix data and SARIF
`fixes` appear only on those findings.

The plain check's marks come from fix/promises.py, which verifies only the fixes that
can change what other rules see; this test holds that choice to what `--fix` really does."""

from __future__ import annotations

import copy
import glob
import json
import os
import shutil
from collections import Counter

import pytest

from conftest import ROOT
from rtclint.config import Config
from rtclint.diagnostics import Applicability, applicable
from rtclint.engine import check
from rtclint.fix import fix_paths
from rtclint.fix.promises import keep_promises
from rtclint.fix.summary import fixed_counts
from rtclint.report import emitter

FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def _trees() -> list[str]:
    """Every rule case's tree and fixed tree, every folder of the other fixture families
    (and the family folder itself, where it holds files of its own), every example."""
    found = glob.glob(os.path.join(FIXTURES, "rules", "*", "*", "tree"))
    found += glob.glob(os.path.join(FIXTURES, "rules", "*", "*", "fixed"))
    for family in sorted(os.listdir(FIXTURES)):
        top = os.path.join(FIXTURES, family)
        if family == "rules" or not os.path.isdir(top):
            continue
        found.append(top)
        found += [os.path.join(top, d) for d in os.listdir(top) if os.path.isdir(os.path.join(top, d))]
    found += [p for p in glob.glob(os.path.join(ROOT, "examples", "*")) if os.path.isdir(p)]
    return sorted(found)


TREES = _trees()


def test_the_trees_are_found():
    assert len(TREES) > 400 and any(t.endswith(os.path.join("RTC105", "caddy-new-site-block", "tree")) for t in TREES)


def _ident(diag) -> tuple:
    return (diag.code, diag.path, diag.message)


def _fixed_on_a_copy(tree: str, tmp_path, unsafe: bool, monkeypatch) -> tuple[Counter, int]:
    """(the findings of the tree as it was that `--fix` fixed, the count it reports)."""
    copied = tmp_path / ("unsafe" if unsafe else "safe")
    shutil.copytree(tree, copied, symlinks=True)
    monkeypatch.chdir(copied)
    outcome = fix_paths(["."], Config(), unsafe=unsafe)
    first = Counter(_ident(d) for d in outcome.plan.checked[0])
    return Counter(_ident(d) for d in outcome.fixed) & first, fixed_counts(outcome)[0]


@pytest.mark.parametrize("tree", TREES, ids=lambda t: os.path.relpath(t, ROOT))
def test_what_a_check_marks_fixable_is_what_fix_fixes(tree, tmp_path, monkeypatch):
    monkeypatch.chdir(tree)
    raw = check(["."], Config())
    if not any(applicable(d, True) for d in raw.diagnostics):
        return  # nothing offered: --fix has nothing to apply (the fix loop takes offered fixes only)
    unsafe_offered = any(d.fix is not None and d.fix.applicability == Applicability.UNSAFE for d in raw.diagnostics)
    shown = {mode: keep_promises(["."], Config(), copy.copy(raw), mode) for mode in (False, True)}
    fixed = {False: _fixed_on_a_copy(tree, tmp_path, False, monkeypatch)}
    fixed[True] = _fixed_on_a_copy(tree, tmp_path, True, monkeypatch) if unsafe_offered else fixed[False]
    for mode, result in shown.items():
        marked = Counter(_ident(d) for d in result.diagnostics if applicable(d, mode))
        done, reported = fixed[mode]
        assert marked == done, (f"--unsafe-fixes={mode}: marked, not fixed: {sorted(marked - done)}; "
                                f"fixed, not marked: {sorted(done - marked)}")
        assert sum(marked.values()) == reported
    _machine_formats_offer_only_those(tree, shown[False], monkeypatch)


def _machine_formats_offer_only_those(tree: str, result, monkeypatch) -> None:
    """A plain check's JSON and SARIF: fix data exactly on the findings still offering a
    fix, each of which the test above found fixed (safe ones by --fix, unsafe ones by
    --fix --unsafe-fixes)."""
    monkeypatch.chdir(tree)
    offered = Counter((d.code, d.path, *_line_col(result, d)) for d in result.diagnostics if d.fix is not None)
    payload = json.loads(emitter("json").render(result, Config()))
    with_fix = Counter((d["code"], d["path"], d["line"], d["column"]) for d in payload["diagnostics"] if d["fix"])
    assert with_fix == offered
    sarif = json.loads(emitter("sarif").render(result, Config()))
    with_fixes = Counter((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
                          r["locations"][0]["physicalLocation"]["region"]["startColumn"])
                         for r in sarif["runs"][0]["results"] if "fixes" in r)
    assert with_fixes == Counter((code, line, col) for (code, _path, line, col), n in offered.items()
                                 for _ in range(n))


def _line_col(result, diag) -> tuple[int, int]:
    doc = result.documents.get(diag.path)
    return doc.line_col(diag.span.start) if doc is not None else (1, 1)
