"""Hostile input: whatever an infra repo holds, rtclint ends with a clear diagnostic or a
skip, exit code 0 or 1, bounded memory, and never a traceback. Nothing is timed (machine
speed is not a property of rtclint): a run that hangs meets the subprocess timeout, a
generous guard, and the quadratic paths are counted in tests/test_scaling.py.

Small cases live in tests/fixtures/hostile/<case>/; big, deep or special files (50 MB,
10,000-deep nesting, FIFOs, symlink loops, 10,000 files) are made by the tests."""

import ctypes
import json
import os
import subprocess
import sys

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


def run_check(cwd, *paths, timeout=300):
    """rtclint check --format json; returns (payload, peak MB), asserting the run ended
    cleanly: exit 0/1, JSON on stdout, no traceback."""
    proc = subprocess.run([sys.executable, "-c", RSS_PROBE, "check", "--no-cache", "--format", "json", *paths],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-3000:])
    payload = json.loads(proc.stdout)
    peak = int(proc.stderr.rsplit("PEAK_KB", 1)[1].split()[0]) / 1024
    return payload, peak


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
    payload, peak = run_check(cwd, ".")
    assert_spans_inside(payload, cwd)
    assert peak < 300, peak


@pytest.mark.parametrize("case", ["binary", "invalid-utf8", "utf16-bom"])
def test_undecodable_files_are_rtc002(case):
    """UTF-16 too: none of the servers rtclint models reads it (RULES.md RTC002)."""
    payload, _ = run_check(os.path.join(HOSTILE, case), ".")
    assert set(codes(payload)) == {"RTC002"}


def test_utf8_bom_files_are_read(tmp_path):
    for case in ("utf8-bom",):
        payload, _ = run_check(os.path.join(HOSTILE, case), ".")
        assert "RTC002" not in codes(payload) and "RTC001" not in codes(payload), payload


def test_yaml_python_tags_are_never_executed(tmp_path):
    marker = "/tmp/rtclint-pwned"
    if os.path.exists(marker):
        os.unlink(marker)
    run_check(os.path.join(HOSTILE, "yaml-python-tags"), ".")
    assert not os.path.exists(marker)


def test_yaml_alias_bomb_is_bounded():
    _, peak = run_check(os.path.join(HOSTILE, "yaml-alias-bomb"), ".")
    assert peak < 300


def test_oversized_file_is_skipped_in_bounded_memory(tmp_path):
    big = tmp_path / "nginx.conf"
    with open(big, "wb") as fh:
        line = b"# " + b"x" * 1022 + b"\n"
        for _ in range(50 * 1024):
            fh.write(line)
    payload, peak = run_check(tmp_path, ".")
    assert codes(payload) == ["RTC002"] and "limit" in payload["diagnostics"][0]["message"]
    assert peak < 150


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
    payload, peak = run_check(tmp_path, ".")
    assert peak < 400, peak
    assert_spans_inside(payload, tmp_path)


def test_fifo_and_device_are_skipped_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "nginx.conf")  # opening it for reading would block forever
    os.symlink("/dev/zero", tmp_path / "Caddyfile")
    (tmp_path / "haproxy.cfg").write_text("frontend fe\n    bind :80\n")
    payload, _ = run_check(tmp_path, ".", timeout=120)
    by_path = {d["path"]: d for d in payload["diagnostics"] if d["code"] == "RTC002"}
    assert set(by_path) == {"nginx.conf", "Caddyfile"}, payload


def test_fifo_named_explicitly_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "site.conf")
    payload, _ = run_check(tmp_path, "site.conf", timeout=120)
    assert codes(payload) == ["RTC002"]


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
    payload, _ = run_check(tree, ".")
    rtc002 = sorted(d["path"] for d in payload["diagnostics"] if d["code"] == "RTC002")
    assert rtc002 == ["Caddyfile", "nginx.conf"], payload
    assert payload["files_checked"] == 2


def _without_file_permission_overrides():
    """Run as root, the check still meets a permission error: the child gives up the two
    capabilities that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from
    its bounding set, so the interpreter it executes has them in no set. It stays root
    otherwise, so it can still read the virtualenv wherever the clone sits (a `nobody`
    could not below a mode-700 folder, and the check died with an ImportError)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_unreadable_file(tmp_path):
    (tmp_path / "Caddyfile").write_text("example.com {\n}\n")
    os.chmod(tmp_path / "Caddyfile", 0)
    as_root = os.geteuid() == 0
    proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--no-cache", "--format", "json", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          preexec_fn=_without_file_permission_overrides if as_root else None)
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
    payload, peak = run_check(tmp_path, ".", timeout=300)
    assert payload["files_checked"] == 1000
    assert peak < 300, peak


def test_read_bytes_reads_to_the_end_and_stops_at_the_limit(tmp_path, monkeypatch):
    """The loader reads a file through its descriptor: all of a regular file, all of a
    file whose size says nothing (/proc's), and never past the byte limit, even from a
    device that never ends."""
    from rtclint import reading
    from rtclint.document import DecodeError

    (tmp_path / "a.conf").write_bytes(b"x" * 5000 + b"\r\n")
    assert reading.read_bytes(str(tmp_path / "a.conf")) == b"x" * 5000 + b"\r\n"
    (tmp_path / "empty.conf").write_bytes(b"")
    assert reading.read_bytes(str(tmp_path / "empty.conf")) == b""
    assert os.stat("/proc/self/status").st_size == 0
    assert reading.read_bytes("/proc/self/status").startswith(b"Name:")
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100_000)
    (tmp_path / "big.conf").write_bytes(b"y" * 100_001)
    for path in (str(tmp_path / "big.conf"), "/dev/zero"):
        with pytest.raises(DecodeError, match="limit"):
            reading.read_bytes(path)


def test_read_bytes_keeps_reading_after_a_short_read(tmp_path, monkeypatch):
    """A read may return fewer bytes than asked (a network or FUSE file system, a
    signal): the file is still read whole, never cut at the first short read."""
    from rtclint import reading

    data = bytes(range(256)) * 40
    (tmp_path / "a.conf").write_bytes(data)
    real_read = os.read
    monkeypatch.setattr(reading.os, "read", lambda fd, n: real_read(fd, min(n, 1000)))
    assert reading.read_bytes(str(tmp_path / "a.conf")) == data
