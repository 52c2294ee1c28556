"""The fix engine on its own, driven by a synthetic rule whose fixes each test chooses:
conflict resolution, rounds until stable, restore on parse failure, and every way a
write must keep the file (BOM, CRLF, missing final newline, mode) or refuse it
(changed on disk, symlink out of the tree)."""

from __future__ import annotations

import gc
import os
import stat

import pytest

from rtclint.config import Config
from rtclint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.fix import apply_edits, choose, fix_paths, unified_diff
from rtclint.fix import runner as fix_runner
from rtclint.fix.writer import WriteRefused, atomic_write, write_target
from rtclint.rules import registry

TEST_CODE = "RTC999"

# Each test sets OFFER: a function (doc) -> list of (Applicability, [(start, end, content), ...]).
OFFER = {"fn": lambda doc: []}


def _synthetic_rule(ctx):
    for path, doc in sorted(ctx.deployment.documents.items()):
        for applicability, edits in OFFER["fn"](doc):
            # An edit is (start, end, content) in this file, or (path, start, end, content).
            spans = [e if len(e) == 4 else (path, *e) for e in edits]
            fix = Fix(applicability, "synthetic fix", tuple(Edit(Span(p, s, e), c) for p, s, e, c in spans))
            first = fix.edits[0].span
            yield ctx.report(first, f"synthetic finding at {first.start}", fix=fix)


@pytest.fixture
def synthetic(monkeypatch):
    """Register RTC999 for this test only; returns the OFFER hook to set."""
    registry.all_rules()
    rule = registry.Rule(TEST_CODE, "synthetic-fix", Severity.WARNING, "safe", ("all",), _synthetic_rule,
                         "Synthetic rule for the fixer tests.")
    monkeypatch.setitem(registry._RULES, TEST_CODE, rule)
    monkeypatch.setitem(OFFER, "fn", lambda doc: [])
    return OFFER


def replace_all(old: str, new: str, applicability=Applicability.SAFE):
    """An offer: replace every (non-overlapping) occurrence of `old` in YAML files."""

    def offer(doc):
        if not doc.path.endswith((".yaml", ".yml")):
            return []
        out, i = [], doc.text.find(old)
        while i != -1:
            out.append((applicability, [(i, i + len(old), new)]))
            i = doc.text.find(old, i + len(old))
        return out

    return offer


def run_fix(tree, **kw):
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        return fix_paths(["."], Config(select=[TEST_CODE, "RTC001"]), **kw)
    finally:
        os.chdir(cwd)


def diag(path, start, end, content, code=TEST_CODE, applicability=Applicability.SAFE, extra=()):
    edits = (Edit(Span(path, start, end), content), *extra)
    return Diagnostic(code, "x", Severity.WARNING, Span(path, start, end), "m",
                      Fix(applicability, "m", edits))


# -- choosing and applying edits ---------------------------------------------------------

def test_overlapping_edits_keep_the_first_and_drop_the_rest():
    a = diag("f", 0, 5, "A")
    b = diag("f", 3, 8, "B")  # overlaps a
    c = diag("f", 10, 12, "C")
    chosen = choose([c, b, a])
    assert chosen.fixes == [a.fix, c.fix]
    assert apply_edits("0123456789abcdef", [e for f in chosen.fixes for e in f.edits]) == "A56789Ccdef"


def test_a_fix_is_applied_whole_or_not_at_all():
    first = diag("f", 0, 2, "X")
    # Second fix: one edit is free (10-12), the other collides with the first fix.
    both = diag("f", 10, 12, "Y", extra=(Edit(Span("f", 1, 3), "Z"),))
    chosen = choose([first, both])
    assert chosen.fixes == [first.fix]


def test_same_fix_offered_twice_is_applied_once_and_fixes_both():
    a = diag("f", 0, 1, "x", code="RTC100")
    b = diag("f", 0, 1, "x", code="RTC106")
    chosen = choose([a, b])
    assert len(chosen.fixes) == 1 and len(chosen.fixed) == 2


def test_two_insertions_at_one_point_conflict_but_touching_ranges_do_not():
    ins1, ins2 = diag("f", 4, 4, "a"), diag("f", 4, 4, "b")
    assert len(choose([ins1, ins2]).fixes) == 1
    left, right = diag("f", 0, 4, "L"), diag("f", 4, 8, "R")
    assert len(choose([left, right]).fixes) == 2


def test_inserted_newlines_follow_the_file():
    assert apply_edits("a\r\nb\r\n", [Edit(Span("f", 3, 3), "x\ny\n")], "\r\n") == "a\r\nx\r\ny\r\nb\r\n"


def test_unified_diff_marks_a_missing_final_newline():
    out = unified_diff("p.yaml", "a: 1\nb: 2", "a: 1\nb: 3")
    assert out.startswith("--- a/p.yaml\n+++ b/p.yaml\n")
    assert "-b: 2\n\\ No newline at end of file\n+b: 3\n\\ No newline at end of file\n" in out


# -- the loop --------------------------------------------------------------------------

def test_fixing_repeats_until_stable_and_a_second_run_changes_nothing(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: aaaaaaaa\n")
    synthetic["fn"] = replace_all("aa", "a")
    outcome = run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == "key: a\n"
    assert outcome.plan.rounds >= 3  # 8 -> 4 -> 2 -> 1 needs three rounds
    assert outcome.written == ["a.yaml"]
    assert outcome.result.diagnostics == []
    before = (tmp_path / "a.yaml").read_bytes()
    again = run_fix(tmp_path)
    assert again.written == [] and again.fixed == []
    assert (tmp_path / "a.yaml").read_bytes() == before


def test_overlapping_fixes_are_applied_in_later_rounds(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: abc\n")

    def offer(doc):
        text = doc.text
        out = []
        i = text.find("ab")
        if i != -1:
            out.append((Applicability.SAFE, [(i, i + 2, "AB")]))
        j = text.find("bc")
        if j != -1:
            out.append((Applicability.SAFE, [(j, j + 2, "BC")]))
        return out

    synthetic["fn"] = offer
    outcome = run_fix(tmp_path)
    # Round 1 takes "ab" (first); "bc" is gone afterwards, so nothing else is offered.
    assert (tmp_path / "a.yaml").read_text() == "key: ABc\n"
    assert len(outcome.fixed) == 1


def test_unsafe_fixes_need_the_flag(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: old\n")
    synthetic["fn"] = replace_all("old", "new", Applicability.UNSAFE)
    run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == "key: old\n"
    run_fix(tmp_path, unsafe=True)
    assert (tmp_path / "a.yaml").read_text() == "key: new\n"


def test_display_only_fixes_are_never_applied(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: old\n")
    synthetic["fn"] = replace_all("old", "new", Applicability.DISPLAY_ONLY)
    run_fix(tmp_path, unsafe=True)
    assert (tmp_path / "a.yaml").read_text() == "key: old\n"


def test_a_fix_that_breaks_the_file_is_not_kept_and_others_still_apply(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("one: x\ntwo: BREAK\nthree: old\n")

    def offer(doc):
        out = replace_all("old", "new")(doc)
        i = doc.text.find("BREAK")
        if i != -1:
            out.append((Applicability.SAFE, [(i, i + 5, "[unclosed")]))  # invalid YAML
        return out

    synthetic["fn"] = offer
    outcome = run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == "one: x\ntwo: BREAK\nthree: new\n"
    failures = [f for f in outcome.all_failures if "no longer parse" in f.message]
    assert failures and failures[0].path == "a.yaml"


def test_files_that_do_not_parse_are_never_touched(tmp_path, synthetic):
    broken = "key: [old\n"  # RTC001
    (tmp_path / "a.yaml").write_text(broken)
    synthetic["fn"] = replace_all("old", "new")
    outcome = run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == broken
    assert outcome.fixed == []
    assert any(d.code == "RTC001" for d in outcome.result.diagnostics)


def test_files_that_do_not_parse_are_not_touched_even_when_rtc001_is_not_selected(tmp_path, synthetic):
    broken = "key: [old\n"
    (tmp_path / "a.yaml").write_text(broken)
    synthetic["fn"] = replace_all("[old", "repaired")  # would even make it parse: still not ours to touch
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        outcome = fix_paths(["."], Config(select=[TEST_CODE]))
    finally:
        os.chdir(cwd)
    assert (tmp_path / "a.yaml").read_text() == broken
    assert outcome.fixed == []


def test_diff_mode_writes_nothing(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: old\n")
    synthetic["fn"] = replace_all("old", "new")
    outcome = run_fix(tmp_path, write=False)
    assert (tmp_path / "a.yaml").read_text() == "key: old\n"
    assert outcome.plan.changed() == ["a.yaml"] and outcome.written == []


# -- what a write keeps ------------------------------------------------------------------

def test_bom_crlf_missing_final_newline_and_mode_are_kept(tmp_path, synthetic):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfkey: old\r\nother: 1")
    os.chmod(path, 0o640)
    synthetic["fn"] = lambda doc: ([(Applicability.SAFE, [(0, 0, "# fixed\n")]), *replace_all("old", "new")(doc)]
                                   if "old" in doc.text else [])
    run_fix(tmp_path)
    assert path.read_bytes() == b"\xef\xbb\xbf# fixed\r\nkey: new\r\nother: 1"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


@pytest.mark.parametrize("bom,encoding", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
                                          (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be")])
def test_a_file_not_in_utf8_is_rtc002_and_never_written(tmp_path, synthetic, bom, encoding):
    """Caddy, nginx, HAProxy, Synapse and LiveKit read UTF-8: a UTF-16/32 file is one
    they cannot read either. rtclint says so and never rewrites it."""
    path = tmp_path / "a.yaml"
    data = bom + "key: old\n".encode(encoding)
    path.write_bytes(data)
    synthetic["fn"] = replace_all("old", "new")
    outcome = run_fix(tmp_path)
    assert path.read_bytes() == data and not outcome.fixed
    said = [d for facts in outcome.result.deployment.files.values() for d in facts.diagnostics]
    assert [d.code for d in said] == ["RTC002"] and "UTF-" in said[0].message


def _bringing_offer(doc):
    """`old` -> `new new`, and every `new` is a finding whose own fix changes nothing."""
    out = replace_all("old", "new new")(doc)
    i = doc.text.find("new")
    while i != -1:
        out.append((Applicability.SAFE, [(i, i + 3, "new")]))
        i = doc.text.find("new", i + 3)
    return out


def test_a_fix_that_brings_a_new_finding_is_withdrawn_and_reported(tmp_path, synthetic):
    """`old` -> `new new`, and every `new` is a finding no fix removes (its fix changes
    nothing): the fix would leave the tree with more findings than before."""
    path = tmp_path / "a.yaml"
    path.write_text("key: old\n")
    synthetic["fn"] = _bringing_offer
    outcome = run_fix(tmp_path)
    assert path.read_text() == "key: old\n" and not outcome.fixed
    said = [f.message for f in outcome.all_failures]
    assert any("would bring a new finding (RTC999" in m for m in said), said
    assert all(d.fix is None for d in outcome.result.diagnostics)


def test_a_fix_that_only_moves_a_finding_is_applied(tmp_path, synthetic):
    """Counting per rule and file: a finding whose text changed is not new."""
    path = tmp_path / "a.yaml"
    path.write_text("key: old\n")
    synthetic["fn"] = replace_all("old", "new")
    run_fix(tmp_path)
    assert path.read_text() == "key: new\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_owner_is_kept(tmp_path, synthetic):
    path = tmp_path / "a.yaml"
    path.write_text("key: old\n")
    os.chown(path, 12345, 23456)
    synthetic["fn"] = replace_all("old", "new")
    run_fix(tmp_path)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (12345, 23456) and path.read_text() == "key: new\n"


def test_symlink_inside_the_tree_stays_a_link(tmp_path, synthetic):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yaml").write_text("key: old\n")
    (tmp_path / "link.yaml").symlink_to("real/a.yaml")
    synthetic["fn"] = replace_all("old", "new")
    outcome = run_fix(tmp_path)
    assert os.path.islink(tmp_path / "link.yaml")
    assert (tmp_path / "real" / "a.yaml").read_text() == "key: new\n"
    assert not [f for f in outcome.all_failures if "not written" in f.message]


# -- what a write refuses ----------------------------------------------------------------

def test_symlink_to_outside_the_tree_is_never_written(tmp_path, synthetic):
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "a.yaml").write_text("key: old\n")
    (tree / "a.yaml").symlink_to(outside / "a.yaml")
    synthetic["fn"] = replace_all("old", "new")
    run_fix(tree)
    assert (outside / "a.yaml").read_text() == "key: old\n"
    with pytest.raises(WriteRefused, match="outside the checked tree"):
        write_target(str(tree / "a.yaml"), [str(tree)])


def test_file_changed_on_disk_after_reading_is_not_written(tmp_path, synthetic, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("key: old\n")
    synthetic["fn"] = replace_all("old", "new")
    real_plan = fix_runner.plan_fixes

    def plan_then_someone_edits(*args, **kw):
        plan = real_plan(*args, **kw)
        path.write_text("key: old\nadded: by the user\n")
        return plan

    monkeypatch.setattr(fix_runner, "plan_fixes", plan_then_someone_edits)
    outcome = run_fix(tmp_path)
    assert path.read_text() == "key: old\nadded: by the user\n"
    assert outcome.written == []
    assert any("changed on disk" in f.message for f in outcome.all_failures)


def test_a_failed_write_leaves_the_original_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_text("key: old\n")

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(str(path), b"key: new\n")
    assert path.read_text() == "key: old\n"
    assert os.listdir(tmp_path) == ["a.yaml"]


def test_cross_file_fix_is_not_half_written(tmp_path, synthetic, monkeypatch):
    """A fix editing a.yaml and c.yaml, where c.yaml changes on disk before the write:
    the fix is dropped from a.yaml too, while an independent fix in a.yaml stays."""
    (tmp_path / "a.yaml").write_text("key: old\nsolo: x\n")
    (tmp_path / "c.yaml").write_text("key: old\n")

    def offer(doc):
        if doc.path != "a.yaml":
            return []
        out = []
        if "old" in doc.text:
            out.append((Applicability.SAFE, [(5, 8, "new"), ("c.yaml", 5, 8, "new")]))
        if "solo: x" in doc.text:
            i = doc.text.index("solo: x") + 6
            out.append((Applicability.SAFE, [(i, i + 1, "y")]))
        return out

    synthetic["fn"] = offer
    real_plan = fix_runner.plan_fixes
    calls = []

    def plan_then_c_changes(*args, **kw):
        plan = real_plan(*args, **kw)
        if not calls:
            (tmp_path / "c.yaml").write_text("key: old\nedited: yes\n")
        calls.append(kw.get("frozen"))
        return plan

    monkeypatch.setattr(fix_runner, "plan_fixes", plan_then_c_changes)
    outcome = run_fix(tmp_path)
    assert (tmp_path / "c.yaml").read_text() == "key: old\nedited: yes\n"
    assert (tmp_path / "a.yaml").read_text() == "key: old\nsolo: y\n"
    assert len(calls) == 2 and "c.yaml" in calls[1]
    assert outcome.written == ["a.yaml"]


def test_hard_linked_file_is_not_split(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: old\n")
    os.link(tmp_path / "a.yaml", tmp_path / "other-name")
    synthetic["fn"] = replace_all("old", "new")
    outcome = run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == "key: old\n" == (tmp_path / "other-name").read_text()
    assert any("hard links" in f.message for f in outcome.all_failures)


def test_a_round_that_only_blocks_fixes_lets_the_waiting_ones_through(tmp_path, synthetic):
    """The breaking fix comes first and overlaps a good one; after it is blocked the good
    one (which waited for it) is applied in the next round."""
    (tmp_path / "a.yaml").write_text("key: value\n")

    def offer(doc):
        i = doc.text.find("value")
        if i == -1:
            return []
        return [(Applicability.SAFE, [(i, i + 5, "[broken")]),  # first by position: breaks YAML
                (Applicability.SAFE, [(i + 1, i + 5, "ALUE")])]  # overlaps it: waits

    synthetic["fn"] = offer
    outcome = run_fix(tmp_path)
    assert (tmp_path / "a.yaml").read_text() == "key: vALUE\n"
    assert any("no longer parse" in f.message for f in outcome.all_failures)


def test_breaking_edit_in_a_file_read_only_through_an_include_is_caught(tmp_path, synthetic):
    """A file without a parser of its own (an nginx include named `*.inc`) is checked
    by re-checking the tree: a fix that breaks it is not kept."""
    (tmp_path / "nginx.conf").write_text("http {\n    include site.inc;\n}\n")
    (tmp_path / "site.inc").write_text("server {\n    server_name example.com;\n}\n")

    def offer(doc):
        if doc.path != "site.inc" or "}" not in doc.text:
            return []
        i = doc.text.index("}")
        return [(Applicability.SAFE, [(i, i + 1, "")])]  # drop the closing brace

    synthetic["fn"] = offer
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        from rtclint.engine import check

        docs = check(["."], Config()).documents
    finally:
        os.chdir(cwd)
    if "site.inc" not in docs:
        pytest.skip("the nginx reader does not load includes yet")
    outcome = run_fix(tmp_path)
    assert (tmp_path / "site.inc").read_text() == "server {\n    server_name example.com;\n}\n"
    assert any("no longer parse" in f.message for f in outcome.all_failures)


def test_a_fix_that_changes_nothing_is_not_counted(tmp_path, synthetic):
    (tmp_path / "a.yaml").write_text("key: same\n")
    synthetic["fn"] = replace_all("same", "same")
    outcome = run_fix(tmp_path)
    assert outcome.fixed == [] and outcome.written == []
    assert [d.code for d in outcome.result.diagnostics] == [TEST_CODE]


def test_plain_check_does_not_promise_a_fix_that_fix_would_withdraw(tmp_path, synthetic, monkeypatch):
    """`[*]` and "N fixable" promise what `--fix` will do: the plain check verifies the
    fixes of rules not known to write only their own setting (fix/promises.py) as `--fix`
    does, and drops the mark from one it would withdraw, saying why."""
    from click.testing import CliRunner

    from rtclint.cli.app import rtclint as cli

    (tmp_path / "a.yaml").write_text("key: old\n")
    synthetic["fn"] = _bringing_offer
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(cli, ["check", "--no-cache", "--select", TEST_CODE, "."]).output
    gc.enable()  # `check` turns the collector off for its process
    line = next(l for l in shown.splitlines() if TEST_CODE in l)
    assert "[*]" not in line and "would bring a new finding: RTC999" in line, shown
    assert "fixable" not in shown, shown
    synthetic["fn"] = replace_all("old", "new")  # a fix that keeps its word keeps its mark
    shown = CliRunner().invoke(cli, ["check", "--no-cache", "--select", TEST_CODE, "."]).output
    gc.enable()
    assert "[*]" in next(l for l in shown.splitlines() if TEST_CODE in l) and "1 fixable" in shown, shown


def test_plain_check_does_not_promise_a_fix_that_changes_nothing(tmp_path, synthetic, monkeypatch):
    """The fix loop never takes a fix whose edits leave the text as it is, so the check
    does not mark it either."""
    from click.testing import CliRunner

    from rtclint.cli.app import rtclint as cli

    (tmp_path / "a.yaml").write_text("key: new\n")
    synthetic["fn"] = replace_all("new", "new")
    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(cli, ["check", "--no-cache", "--select", TEST_CODE, "."]).output
    gc.enable()
    line = next(l for l in shown.splitlines() if TEST_CODE in l)
    assert "[*]" not in line and "its fix is not applied: it would change nothing" in line, shown
    assert run_fix(tmp_path).fixed == []
