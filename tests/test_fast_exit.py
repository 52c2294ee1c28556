"""The installed `rtclint` command leaves with os._exit after flushing (`cli.run`): the
exit code and every byte of output must be what `main()` gives."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")


def command(*args, via="run", cwd=ROOT):
    code = f"import sys; sys.argv = ['rtclint', *sys.argv[1:]]; from rtclint.cli import {via}; {via}()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_a_big_report_arrives_whole_through_a_pipe(tmp_path):
    """Several times a pipe's buffer: the last bytes are written while the reader drains.
    Run inside the tree, so the report shows relative paths and its size does not depend
    on where the temporary directory is (~0.45 MB here)."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import generate

    generate.generate(str(tmp_path), 1, sizes=(60, 3, 6, 3))
    fast = command("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    slow = command("check", "--no-cache", "--format", "json", ".", via="main", cwd=tmp_path)
    assert fast.returncode == slow.returncode == 1
    assert fast.stdout == slow.stdout and len(fast.stdout) > 4 * 65536
    assert json.loads(fast.stdout)["diagnostics"]


def test_exit_codes_are_main_s():
    assert command("check", "--no-cache", "--exit-zero", EXAMPLES).returncode == 0
    assert command("--version").returncode == 0
    usage = command("check", "--format", "nope", EXAMPLES)
    assert usage.returncode == 2 and "nope" in usage.stderr


def test_the_report_written_to_a_file_is_complete(tmp_path):
    out = tmp_path / "report.sarif"
    proc = command("check", "--no-cache", "--format", "sarif", "-o", str(out), EXAMPLES)
    assert proc.returncode == 1
    assert json.loads(out.read_text())["runs"][0]["results"]


def test_the_installed_command_is_the_fast_one():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "rtclint"]
    assert script.value == "rtclint.cli:run"
