"""Hostile input: whatever an infra repo holds, rtclint ends with a clear diagnostic or a
skip, exit code 0 or 1, bounded time and memory, and never a traceback.

Small cases live in tests/fixtures/hostile/<case>/; big, deep or special files (50 MB,
10,000-deep nesting, FIFOs, symlink loops, 10,000 files) are made by the tests."""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT

HOSTILE = os.path.join(ROOT, "tests", "fixtures", "hostile")

RSS_PROBE = """
import runpy, sys
sys.argv = ["rtclint"] + sys.argv[1:]
try:
    runpy.run_module("rtclint", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent
# (pytest, hundreds of MB late in a run), which would measure pytest, not rtclint.
with open("/proc/self/status") as fh:
    hwm = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
sys.stderr.write("\\nPEAK_KB %d\\n" % hwm)
sys.exit(code)
"""


def run_check(cwd, *paths, timeout=60):
    """rtclint check --format json; returns (payload, seconds, peak MB), asserting the
    run ended cleanly: exit 0/1, JSON on stdout, no traceback."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RSS_PROBE, "check", "--no-cache", "--format", "json", *paths],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)
    elapsed = time.perf_counter() - start
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-3000:])
    payload = json.loads(proc.stdout)
    peak = int(proc.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
    return payload, elapsed, peak


def assert_spans_inside(payload, cwd):
    for d in payload["diagnostics"]:
        path = os.path.join(cwd, d["path"])
        if not os.path.isfile(path) or os.path.getsize(path) > 10_000_000:
            continue
        with open(path, "rb") as fh:
            lines = fh.read().decode("utf-8", "replace").splitlines() or [""]
        assert 1 <= d["line"] <= max(len(lines), 1) + 1, d
        assert d["end_line"] >= d["line"], d


def codes(payload):
    return [d["code"] for d in payload["diagnostics"]]


@pytest.mark.parametrize("case", sorted(os.listdir(HOSTILE)))
def test_fixture_case_ends_cleanly(case):
    cwd = os.path.join(HOSTILE, case)
    payload, elapsed, peak = run_check(cwd, ".")
    assert_spans_inside(payload, cwd)
    assert elapsed < 20 and peak < 300, (elapsed, peak)


@pytest.mark.parametrize("case", ["binary", "invalid-utf8"])
def test_undecodable_files_are_rtc002(case):
    payload, _, _ = run_check(os.path.join(HOSTILE, case), ".")
    assert codes(payload) == ["RTC002"]


def test_utf16_and_bom_files_are_read(tmp_path):
    for case in ("utf16-bom", "utf8-bom"):
        payload, _, _ = run_check(os.path.join(HOSTILE, case), ".")
        assert "RTC002" not in codes(payload) and "RTC001" not in codes(payload), payload


def test_yaml_python_tags_are_never_executed(tmp_path):
    marker = "/tmp/rtclint-pwned"
    if os.path.exists(marker):
        os.unlink(marker)
    run_check(os.path.join(HOSTILE, "yaml-python-tags"), ".")
    assert not os.path.exists(marker)


def test_yaml_alias_bomb_is_bounded():
    _, elapsed, peak = run_check(os.path.join(HOSTILE, "yaml-alias-bomb"), ".")
    assert elapsed < 20 and peak < 300


def test_oversized_file_is_skipped_quickly(tmp_path):
    big = tmp_path / "nginx.conf"
    with open(big, "wb") as fh:
        line = b"# " + b"x" * 1022 + b"\n"
        for _ in range(50 * 1024):
            fh.write(line)
    payload, elapsed, peak = run_check(tmp_path, ".")
    assert codes(payload) == ["RTC002"] and "limit" in payload["diagnostics"][0]["message"]
    assert elapsed < 10 and peak < 150


DEEP = {
    "Caddyfile": lambda n: "example.com {\n" + "route {\n" * n + "}\n" * n + "}\n",
    "nginx.conf": lambda n: "http { server {\n" + "location /a {\n" * n + "}\n" * n + "} }\n",
    "homeserver.yaml": lambda n: "server_name: x\nextra: " + "[" * n + "]" * n + "\n",
    "docker-compose.yml": lambda n: "services:\n  a:\n    environment: " + "{a: " * n + "1" + "}" * n + "\n",
    "client": lambda n: "[" * n + "]" * n,
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_ten_thousand_deep_nesting(tmp_path, name):
    target = tmp_path / ".well-known" / "matrix" / name if name == "client" else tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(DEEP[name](10_000))
    payload, elapsed, peak = run_check(tmp_path, ".")
    assert elapsed < 30 and peak < 400, (elapsed, peak)
    assert_spans_inside(payload, tmp_path)


def test_fifo_and_device_are_skipped_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "nginx.conf")  # opening it for reading would block forever
    os.symlink("/dev/zero", tmp_path / "Caddyfile")
    (tmp_path / "haproxy.cfg").write_text("frontend fe\n    bind :80\n")
    payload, elapsed, _ = run_check(tmp_path, ".", timeout=30)
    assert elapsed < 20
    by_path = {d["path"]: d for d in payload["diagnostics"] if d["code"] == "RTC002"}
    assert set(by_path) == {"nginx.conf", "Caddyfile"}, payload


def test_fifo_named_explicitly_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "site.conf")
    payload, elapsed, _ = run_check(tmp_path, "site.conf", timeout=30)
    assert codes(payload) == ["RTC002"] and elapsed < 20


def test_symlink_loops_and_links_leaving_the_tree(tmp_path):
    tree = tmp_path / "tree"
    (tree / "a").mkdir(parents=True)
    os.symlink("..", tree / "a" / "loop")  # a directory loop
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Caddyfile").write_text("example.com {\n}\n")
    os.symlink(outside, tree / "out-dir")  # a directory outside: not followed
    os.symlink(outside / "Caddyfile", tree / "Caddyfile")  # a file outside: RTC002, never read
    os.symlink(tree / "missing.conf", tree / "nginx.conf")  # broken link
    payload, elapsed, _ = run_check(tree, ".")
    assert elapsed < 20
    rtc002 = sorted(d["path"] for d in payload["diagnostics"] if d["code"] == "RTC002")
    assert rtc002 == ["Caddyfile", "nginx.conf"], payload
    assert payload["files_checked"] == 2


DROP_PRIVILEGES = """
import json, os, runpy, sys
# Import everything a check needs while still root (the interpreter lives under /root),
# then become `nobody` for real before rtclint opens any file of the tree.
import rtclint.cli, rtclint.cli.app, rtclint.cli.check, rtclint.cli.report, rtclint.engine
import rtclint.report.json_report
from rtclint.parsers import PARSERS, parser_for
from rtclint.rules import load_all
load_all()
for kind in PARSERS:
    parser_for(kind)
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
sys.argv = ["rtclint", "check", "--no-cache", "--format", "json", "."]
runpy.run_module("rtclint", run_name="__main__")
"""


def test_unreadable_file(tmp_path):
    """Root reads everything, so as root the check runs after a real privilege drop."""
    os.chmod(tmp_path, 0o755)
    (tmp_path / "Caddyfile").write_text("example.com {\n}\n")
    os.chmod(tmp_path / "Caddyfile", 0)
    cmd = [sys.executable, "-c", DROP_PRIVILEGES] if os.geteuid() == 0 else [
        sys.executable, "-m", "rtclint", "check", "--no-cache", "--format", "json", "."]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    payload = json.loads(proc.stdout)
    assert codes(payload) == ["RTC002"] and "permission" in payload["diagnostics"][0]["message"].lower()


def test_ten_thousand_file_tree(tmp_path):
    for i in range(10_000):
        sub = tmp_path / f"d{i // 100}"
        sub.mkdir(exist_ok=True)
        if i % 10 == 0:
            (sub / f"site{i}.yaml").write_text(f"server_name: s{i}.example.com\n")
        else:
            (sub / f"notes{i}.txt").write_text("not a config\n")
    payload, elapsed, peak = run_check(tmp_path, ".", timeout=120)
    assert payload["files_checked"] == 1000
    assert elapsed < 60 and peak < 300, (elapsed, peak)
