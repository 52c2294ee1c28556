"""`rtclint check --fix / --diff / --unsafe-fixes` as a user runs them, with real rules
(RTC503 removes an obsolete Synapse flag, RTC010 an unused suppression)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from conftest import ROOT, run_rtclint

HOMESERVER = """\
server_name: "example.com"
experimental_features:
  # MSC3266: Room summary API.
  msc3266_enabled: true
  msc4222_enabled: true
max_event_delay_duration: 24h
"""


def _tree(tmp_path, text=HOMESERVER, name="homeserver.yaml"):
    (tmp_path / name).write_text(text)
    return tmp_path


def test_diff_prints_a_patch_that_applies_and_writes_nothing(tmp_path):
    tree = _tree(tmp_path)
    proc = run_rtclint(["check", "--no-cache", "--diff", "."], cwd=tree)
    assert proc.returncode == 1
    assert proc.stdout.startswith("--- a/homeserver.yaml\n+++ b/homeserver.yaml\n")
    assert "-  msc3266_enabled: true\n" in proc.stdout
    assert "Would fix" in proc.stderr
    assert (tree / "homeserver.yaml").read_text() == HOMESERVER
    # The diff is a real patch: git applies it to the untouched tree.
    (tree / "fix.patch").write_text(proc.stdout)
    check = subprocess.run(["git", "apply", "--check", "fix.patch"], cwd=tree, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_diff_on_a_clean_tree_exits_zero(tmp_path):
    tree = _tree(tmp_path, "server_name: example.com\nexperimental_features:\n  msc4222_enabled: true\n"
                           "max_event_delay_duration: 24h\n")
    proc = run_rtclint(["check", "--no-cache", "--diff", "--select", "RTC503", "."], cwd=tree)
    assert proc.returncode == 0 and proc.stdout == ""


def test_fix_writes_reports_and_a_second_run_changes_nothing(tmp_path):
    tree = _tree(tmp_path)
    first = run_rtclint(["check", "--no-cache", "--fix", "--select", "RTC503", "."], cwd=tree)
    fixed = (tree / "homeserver.yaml").read_text()
    assert "msc3266_enabled" not in fixed and "msc4222_enabled: true" in fixed
    assert "Fixed 1 problem, 0 remaining." in first.stdout
    assert first.returncode == 0
    second = run_rtclint(["check", "--no-cache", "--fix", "--select", "RTC503", "."], cwd=tree)
    assert "Fixed 0 problems, 0 remaining." in second.stdout
    assert (tree / "homeserver.yaml").read_text() == fixed


def test_fix_with_json_keeps_stdout_pure(tmp_path):
    tree = _tree(tmp_path)
    proc = run_rtclint(["check", "--no-cache", "--fix", "--format", "json", "--select", "RTC503", "."], cwd=tree)
    payload = json.loads(proc.stdout)
    assert payload["diagnostics"] == []
    assert "Fixed 1 problem" in proc.stderr


def test_unused_suppression_is_removed(tmp_path):
    text = "services:\n  web:\n    image: nginx:1.27  # rtclint: disable=RTC205 -- old\n"
    tree = _tree(tmp_path, text, "docker-compose.yml")
    run_rtclint(["check", "--no-cache", "--fix", "."], cwd=tree)
    assert (tree / "docker-compose.yml").read_text() == "services:\n  web:\n    image: nginx:1.27\n"


def test_killed_mid_write_leaves_the_file_intact(tmp_path):
    """SIGKILL while the new content is being written to the temporary file: the
    original file is untouched (only a hidden temporary file may remain)."""
    tree = _tree(tmp_path)
    script = (
        "import os, sys, time\n"
        "real = os.fsync\n"
        "def slow(fd):\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        "os.fsync = slow\n"
        "from rtclint.cli import main\n"
        "sys.argv = ['rtclint', 'check', '--no-cache', '--fix', '.']\n"
        "main()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=tree, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": ROOT})
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    time.sleep(0.05)
    assert (tree / "homeserver.yaml").read_text() == HOMESERVER
    leftovers = [n for n in os.listdir(tree) if n != "homeserver.yaml"]
    assert all(n.startswith(".homeserver.yaml.") and n.endswith(".rtclint-tmp") for n in leftovers)


def test_fix_on_the_hostile_corpus_keeps_every_encoding_and_skips_unreadable(tmp_path):
    """The real rules' fixes on tests/fixtures/hostile: BOMs, UTF-16, CRLF line endings
    stay; files that are binary or not decodable are not touched."""
    import shutil

    src = os.path.join(ROOT, "tests", "fixtures", "hostile")
    if not os.path.isdir(src):
        return
    tree = tmp_path / "hostile"
    shutil.copytree(src, tree, symlinks=True)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file() and not p.is_symlink()}
    proc = run_rtclint(["check", "--no-cache", "--fix", "--unsafe-fixes", "."], cwd=tree)
    assert proc.returncode in (0, 1), proc.stderr
    changed = 0
    for path, old in before.items():
        new = path.read_bytes()
        if new == old:
            continue
        changed += 1
        for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
            assert old.startswith(bom) == new.startswith(bom), path
        encoding = "utf-16" if old[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        old_text, new_text = old.decode(encoding), new.decode(encoding)  # both decode
        if old_text.count("\n") and old_text.count("\r\n") == old_text.count("\n"):
            assert new_text.count("\r\n") == new_text.count("\n"), f"{path}: CRLF lost"
    for name in ("binary", "invalid-utf8"):
        for path in (tree / name).rglob("*"):
            if path.is_file() and path in before:
                assert path.read_bytes() == before[path], f"{path} was edited"
    assert changed, "the hostile corpus offers fixes (CRLF nginx, BOM Caddyfile, UTF-16 YAML)"


def test_fix_in_pre_commit_context_mode_edits_only_what_the_named_files_involve(tmp_path):
    """`rtclint check --fix --context . FILES` (the rtclint-fix hook): the tree is read
    whole, but only findings that involve FILES are fixed."""
    (tmp_path / "homeserver.yaml").write_text(HOMESERVER)
    broken_site = 'example.com {\n\trespond /.well-known/matrix/client `{"m.homeserver":{"base_url":"https://m.example.com"}`\n}\n'
    (tmp_path / "Caddyfile").write_text(broken_site)
    proc = run_rtclint(["check", "--no-cache", "--fix", "--context", ".", "homeserver.yaml"], cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "msc3266_enabled" not in (tmp_path / "homeserver.yaml").read_text()
    assert (tmp_path / "Caddyfile").read_text() == broken_site
