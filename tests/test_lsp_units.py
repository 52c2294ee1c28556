"""The pieces of `rtclint lsp` without a client: positions in the client's code units,
the workspace's folders and checks, and what the command costs `rtclint check`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types as lsp
from pygls.workspace import PositionCodec

from conftest import ROOT
from rtclint.document import Document
from rtclint.lsp.checks import Buffer, Workspace, outermost
from rtclint.lsp.convert import offset, position

RTC105_TREE = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC105", "caddy-new-site-block", "tree")
UTF16, UTF8, UTF32 = (PositionCodec(e) for e in (lsp.PositionEncodingKind.Utf16, lsp.PositionEncodingKind.Utf8,
                                                 lsp.PositionEncodingKind.Utf32))


def doc(text: str) -> Document:
    return Document(path="f", abspath="/f", kind="yaml", text=text)


def test_columns_count_the_code_units_the_client_asked_for():
    d = doc("key: x\na\U0001F600é: y\n")
    at = d.text.index(": y")  # after a letter, an emoji (2 UTF-16 units, 4 bytes) and é (2 bytes)
    assert position(d, at, UTF16) == lsp.Position(line=1, character=4)
    assert position(d, at, UTF32) == lsp.Position(line=1, character=3)
    assert position(d, at, UTF8) == lsp.Position(line=1, character=7)
    for codec in (UTF16, UTF32, UTF8):
        assert offset(d, position(d, at, codec), codec) == at


def test_a_position_past_the_end_is_clamped():
    d = doc("a: 1\n")
    assert offset(d, lsp.Position(line=9, character=0), UTF16) == len(d.text)
    assert offset(d, lsp.Position(line=0, character=99), UTF16) == len("a: 1")


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["a", " ", "\n", "\r", "\r\n", "é", "\U0001F600", "\t"]), max_size=30).map("".join))
def test_every_offset_survives_the_round_trip(text):
    """Character offset -> LSP position -> offset, in every encoding (an offset between
    the \\r and \\n of one line break has no position of its own)."""
    d = doc(text)
    for at in range(len(text) + 1):
        if 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
            continue
        for codec in (UTF16, UTF32, UTF8):
            assert offset(d, position(d, at, codec), codec) == at, (text, at, codec)


def test_folders_inside_another_are_checked_with_it(tmp_path):
    outer, inner, other = str(tmp_path / "a"), str(tmp_path / "a" / "b"), str(tmp_path / "ab")
    assert outermost([inner, outer, other, outer + "/"]) == [outer, other]
    assert Workspace([inner, outer]).folder_of(os.path.join(inner, "x")) == outer
    assert Workspace([outer]).folder_of(os.path.join(other, "x")) is None


def test_a_buffer_replaces_the_file_and_an_outside_file_is_checked_alone(tmp_path):
    caddyfile = os.path.join(RTC105_TREE, "Caddyfile")
    homeserver = os.path.join(RTC105_TREE, "homeserver.yaml")
    with open(homeserver, encoding="utf-8") as fh:
        fixed = fh.read().replace('"example.com"', '"matrix.example.com"')
    before = Workspace([RTC105_TREE]).check({})
    after = Workspace([RTC105_TREE]).check({homeserver: Buffer(fixed, 7)})
    assert "RTC105" in [d.code for d in before.diagnostics[caddyfile]]
    assert "RTC105" not in [d.code for d in after.diagnostics.get(caddyfile, [])]
    assert after.versions == {homeserver: 7} and after.deployments[caddyfile] == after.deployments[homeserver]

    alone = Workspace([str(tmp_path)]).check({caddyfile: Buffer(open(caddyfile, encoding="utf-8").read(), 1)})
    assert "RTC105" not in [d.code for d in alone.diagnostics.get(caddyfile, [])]  # no homeserver beside it
    assert alone.deployments[caddyfile][0] == RTC105_TREE  # checked from its own directory


def test_rtclint_check_imports_nothing_of_the_server():
    code = ("import sys; from rtclint.cli import execute; execute(['check', '--no-cache', '-q', sys.argv[1]]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs') "
            "or m.startswith('rtclint.lsp')))")
    proc = subprocess.run([sys.executable, "-c", code, RTC105_TREE], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


@pytest.mark.parametrize("missing", ["pygls", "lsprotocol"])
def test_without_pygls_the_command_says_what_to_install(missing):
    code = ("import sys; sys.modules[sys.argv[1]] = None; from rtclint.cli import execute; "
            "sys.exit(execute(['lsp']))")
    proc = subprocess.run([sys.executable, "-c", code, missing], capture_output=True, text=True, timeout=120, input="")
    assert proc.returncode == 2 and f"needs {missing}: pip install 'rtclint[lsp]'" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_readme_s_editor_settings_parse_and_start_this_command():
    import json
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    section = readme[readme.index("### In the editor: `rtclint lsp`"):]
    vscode = json.loads(re.search(r"```json\n(.*?)```", section, re.S).group(1))
    assert [vscode["glspc.server.command"], *vscode["glspc.server.commandArguments"]] == ["rtclint", "lsp"]
    helix = tomllib.loads(re.search(r"```toml\n(.*?)```", section, re.S).group(1))
    assert helix["language-server"]["rtclint"] == {"command": "rtclint", "args": ["lsp"]}
    assert all("rtclint" in lang["language-servers"] for lang in helix["language"])
    neovim = re.search(r"```lua\n(.*?)```", section, re.S).group(1)
    assert 'cmd = { "rtclint", "lsp" }' in neovim


def _synthetic(monkeypatch, offer):
    """Register RTC999 for one test: `offer(text)` -> [(start, end, fix edits or None)]."""
    from rtclint.diagnostics import Applicability, Edit, Fix, Severity
    from rtclint.document import Span
    from rtclint.rules import registry

    def check(ctx):
        for path, d in sorted(ctx.deployment.documents.items()):
            if path.endswith(".yaml"):
                for start, end, edits in offer(d.text):
                    fix = Fix(Applicability.SAFE, "synthetic fix",
                              tuple(Edit(Span(path, s, e), c) for s, e, c in edits)) if edits else None
                    yield ctx.report(Span(path, start, end), f"synthetic finding at {start}", fix=fix)

    registry.all_rules()
    rule = registry.Rule("RTC999", "synthetic", Severity.WARNING, "safe", ("all",), check, "Synthetic rule.")
    monkeypatch.setitem(registry._RULES, "RTC999", rule)


def _verdicts(tmp_path, text):
    from rtclint.lsp.verify import Verifier

    (tmp_path / "a.yaml").write_text(text)
    workspace = Workspace([str(tmp_path)])
    snapshot = workspace.check({})
    judge = Verifier(workspace, {}, snapshot)
    return [judge(d, str(tmp_path)) for found in snapshot.diagnostics.values() for d in found if d.fix]


def test_a_quick_fix_that_brings_a_new_finding_on_its_text_is_refused(tmp_path, monkeypatch):
    """`old` -> `new new`, and each `new` is a finding with no fix: the tree would end
    with more findings than before, on the text the fix inserted (as --fix withdraws it)."""
    def offer(text):
        found = [(m, m + 3, [(m, m + 3, "new new")]) for m in _all(text, "old")]
        return found + [(m, m + 3, None) for m in _all(text, "new")]

    _synthetic(monkeypatch, offer)
    assert _verdicts(tmp_path, "key: old\n") == ["it would bring a new finding (RTC999 in a.yaml)"]


def test_a_quick_fix_whose_new_finding_has_its_own_fix_is_offered(tmp_path, monkeypatch):
    """RTC105's site block brings RTC106 (no CORS header), which RTC106's own fix adds:
    `--fix` applies both in turn; the editor offers the second after the first."""
    def offer(text):
        found = [(m, m + 3, [(m, m + 3, "new")]) for m in _all(text, "old")]
        return found + [(m, m + 3, [(m, m + 3, "done")]) for m in _all(text, "new")]

    _synthetic(monkeypatch, offer)
    assert _verdicts(tmp_path, "key: old\n") == [None]


def test_a_quick_fix_that_breaks_the_file_is_refused(tmp_path, monkeypatch):
    _synthetic(monkeypatch, lambda text: [(m, m + 3, [(m, m + 3, "[old")]) for m in _all(text, "old")])
    assert _verdicts(tmp_path, "key: old\n") == ["it would leave a.yaml unparseable"]


def _all(text, word):
    return [i for i in range(len(text)) if text.startswith(word, i)]


def test_a_refused_fix_is_shown_disabled_with_its_reason_or_left_out(tmp_path, monkeypatch):
    from rtclint.lsp.features import code_actions
    from rtclint.lsp.verify import Verifier

    _synthetic(monkeypatch, lambda text: [(m, m + 3, [(m, m + 3, "[old")]) for m in _all(text, "old")])
    (tmp_path / "a.yaml").write_text("key: old\n")
    workspace = Workspace([str(tmp_path)])
    snapshot = workspace.check({})
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=1, character=0))
    path = str(tmp_path / "a.yaml")
    shown = code_actions(snapshot, path, whole, UTF16, True, None, Verifier(workspace, {}, snapshot), True)
    assert [(a.edit, a.is_preferred, a.disabled.reason) for a in shown] == [
        (None, False, "not applied: it would leave a.yaml unparseable")]
    assert code_actions(snapshot, path, whole, UTF16, True, None, Verifier(workspace, {}, snapshot), False) == []
    offered = code_actions(snapshot, path, whole, UTF16, True)  # no verdict asked: the fix as the rule gave it
    assert [a.edit.document_changes[0].edits[0].new_text for a in offered] == ["[old"]
