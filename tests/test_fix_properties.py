"""Property-based tests (hypothesis) for the fixer.

- Choosing and applying edits: for arbitrary text and arbitrary (overlapping) fixes,
  the chosen fixes never overlap, every fix is taken whole or not at all, and the
  result keeps every character outside the chosen edits, in order.
- `--fix` on mutated real files of each format: it never raises, a file that did not
  parse is left byte-for-byte alone, a file that parsed still parses, and a second run
  changes nothing.

A bounded number of examples runs in `make test`; `make fuzz` raises it."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtclint.config import Config
from rtclint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.fix import apply_edits, choose, fix_paths
from test_properties import mutate

EXAMPLES = int(os.environ.get("RTCLINT_FUZZ_EXAMPLES", "40"))
PURE = settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"))
END_TO_END = settings(max_examples=max(5, EXAMPLES // 4), deadline=None,
                      derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"),
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FORMATS = ["Caddyfile", "nginx.conf", "haproxy.cfg", "homeserver.yaml", "docker-compose.yml"]


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@st.composite
def text_and_fixes(draw):
    text = draw(st.text(alphabet="ab\n{}", max_size=40))
    n = len(text)
    fixes = []
    for _ in range(draw(st.integers(0, 6))):
        edits = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, n))
            end = draw(st.integers(start, n))
            edits.append(Edit(Span("f", start, end), draw(st.text(alphabet="XYZ", max_size=3))))
        fixes.append(Diagnostic("RTC999", "x", Severity.WARNING, edits[0].span, "m",
                                Fix(Applicability.SAFE, "m", tuple(edits))))
    return text, fixes


def _overlap(a: Edit, b: Edit) -> bool:
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    return a.span.start < b.span.end and b.span.start < a.span.end


@PURE
@given(text_and_fixes())
def test_property_chosen_edits_are_disjoint_whole_and_keep_everything_else(case):
    text, diagnostics = case
    chosen = choose(diagnostics)
    edits = [e for f in chosen.fixes for e in f.edits]
    for i, a in enumerate(edits):
        for b in edits[i + 1 :]:
            assert not _overlap(a, b)
    for fix in chosen.fixes:  # whole fixes only: each chosen fix is one of the offered ones
        assert any(fix is d.fix for d in diagnostics)
    result = apply_edits(text, edits)
    # Rebuild the expected result piece by piece: untouched text between edits, in order.
    expected, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        expected.append(text[pos : e.span.start])
        expected.append(e.content)
        pos = e.span.end
    expected.append(text[pos:])
    assert result == "".join(expected)


def fixable_seeds() -> dict[str, list[str]]:
    """Fixture trees (cases with a `fixed/` tree, so rtclint does offer fixes there)
    holding a file of each format: mutating that one file inside its whole tree keeps
    the cross-file fixes in play, so the fixer is exercised, not only the parsers."""
    from conftest import ROOT

    seeds: dict[str, list[str]] = {name: [] for name in FORMATS}
    root = os.path.join(ROOT, "tests", "fixtures", "rules")
    for dirpath, dirs, _files in sorted(os.walk(root)):
        if "fixed" not in dirs or "tree" not in dirs:
            continue
        for name in FORMATS:
            if os.path.isfile(os.path.join(dirpath, "tree", name)):
                seeds[name].append(os.path.join(dirpath, "tree"))
    return seeds


SEEDS = fixable_seeds()


def _fix_dir(tmp: str, unsafe: bool = True):
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        return fix_paths(["."], Config(), unsafe=unsafe)
    finally:
        os.chdir(cwd)


def _tree_bytes(tmp: str) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, files in os.walk(tmp):
        for f in files:
            full = os.path.join(dirpath, f)
            out[os.path.relpath(full, tmp)] = _read_bytes(full)
    return out


@pytest.mark.parametrize("name", [n for n in FORMATS if SEEDS.get(n)])
@END_TO_END
@given(data=st.data())
def test_property_fix_on_mutated_trees_is_safe_and_idempotent(name, data):
    tree = data.draw(st.sampled_from(SEEDS[name]))
    tmp = tempfile.mkdtemp(prefix="rtclint-fixprop-")
    try:
        shutil.copytree(tree, tmp, dirs_exist_ok=True)
        path = os.path.join(tmp, name)
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            text = mutate(fh.read(), data)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        original = _read_bytes(path)
        _fix_dir(tmp)
        after = _read_bytes(path)
        if _unparsed(tmp, original, name):
            assert after == original, "a file that did not parse was edited"
        else:
            assert not _unparsed(tmp, after, name), "a fix made the file unparseable"
        fixed_tree = _tree_bytes(tmp)
        again = _fix_dir(tmp)
        assert _tree_bytes(tmp) == fixed_tree, "a second --fix changed bytes"
        assert not again.fixed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _unparsed(tmp: str, data: bytes, name: str) -> bool:
    """Whether `data`, as file `name`, has a parse error (RTC001/RTC002)."""
    from rtclint.engine import check, overlaid

    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        with overlaid({os.path.join(tmp, name): data}):
            result = check(["."], Config())
    finally:
        os.chdir(cwd)
    return any(d.code in ("RTC001", "RTC002") for d in result.diagnostics)
