"""The CLI contract: exit codes, rule listing, JSON shape."""

import json

from conftest import run_rtclint


def test_version():
    proc = run_rtclint(["--version"])
    assert proc.returncode == 0 and "rtclint" in proc.stdout


def test_rules_json_lists_catalogue():
    proc = run_rtclint(["rules", "--format", "json"])
    rows = json.loads(proc.stdout)
    codes = {r["code"] for r in rows}
    assert {"RTC001", "RTC002", "RTC003"} <= codes
    for r in rows:
        assert set(r) >= {"code", "name", "severity", "fix", "summary"}


def test_rule_page_and_unknown_rule():
    assert "parse-error" in run_rtclint(["rule", "RTC001"]).stdout
    assert run_rtclint(["rule", "RTC999"]).returncode == 2


def test_unknown_select_code_is_usage_error(tmp_path):
    proc = run_rtclint(["check", "--select", "XYZ1", str(tmp_path)])
    assert proc.returncode == 2


def test_empty_tree_is_clean(tmp_path):
    proc = run_rtclint(["check", "--format", "json", str(tmp_path)])
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"version": 1, "minor_version": 1, "files_checked": 0, "files_recognised": 0,
                                       "diagnostics": [], "call_paths": []}


def test_unreadable_file_is_rtc002(tmp_path):
    (tmp_path / "Caddyfile").write_bytes(b"\x00\x01\x02binary")
    proc = run_rtclint(["check", "--format", "json", str(tmp_path)])
    payload = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [d["code"] for d in payload["diagnostics"]] == ["RTC002"]


def test_text_caret_points_at_the_error_in_a_long_line():
    """The seed's one-line JSON misses a `}`: the caret sits under the closing backtick
    even though the line is cropped around it."""
    from conftest import ROOT

    proc = run_rtclint(["check", "--no-cache", "--select", "RTC100", "examples/caddy-compose-seed/Caddyfile"], cwd=ROOT)
    lines = proc.stdout.splitlines()
    head = next(i for i, ln in enumerate(lines) if "RTC100" in ln)
    source, caret = lines[head + 2], lines[head + 3]
    assert ":5:204:" in lines[head]
    col = caret.index("^")
    assert source[col] == "`" and len(source) < 140, (source, caret)


def test_output_into_missing_directory_is_a_clear_usage_error(tmp_path):
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    proc = run_rtclint(["check", "--no-cache", "-o", str(tmp_path / "no" / "such" / "r.json"), "."], cwd=tmp_path)
    assert proc.returncode == 2
    assert "internal error" not in proc.stderr and "No such file or directory" in proc.stderr


def test_options_may_follow_the_paths(tmp_path):
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    proc = run_rtclint(["check", str(tmp_path), "--no-cache", "--format", "json", "--select", "RTC5"])
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["files_checked"] == 1


def test_help_lists_commands_and_options():
    top = run_rtclint(["--help"])
    assert top.returncode == 0 and all(c in top.stdout for c in ("check", "rules", "rule", "probe"))
    check = run_rtclint(["check", "--help"])
    assert check.returncode == 0
    for option in ("--format", "--fix", "--diff", "--context", "--baseline", "--no-cache", "--exit-zero"):
        assert option in check.stdout, option


def test_bad_command_lines_exit_2_with_a_message(tmp_path):
    cases = [
        (["frobnicate"], "No such command"),
        ([], "Usage: rtclint"),
        (["check", "--format", "yaml", "."], "'yaml' is not one of"),
        (["check", "--context", str(tmp_path / "missing"), "."], "does not exist"),
        (["check", "-o", str(tmp_path), "."], "is a directory"),
        (["check", str(tmp_path / "missing")], "does not exist"),
    ]
    for args, message in cases:
        proc = run_rtclint(args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.returncode)
        assert message in proc.stdout + proc.stderr, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, args


def test_a_reader_that_leaves_early_is_not_an_error():
    """`rtclint rules | head -1`: a closed pipe ends the run quietly, no traceback. The
    pipe's reading end is closed before rtclint starts, so its first write fails."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "rtclint", "rules"], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    finally:
        os.close(write_end)
    assert proc.returncode == 1 and proc.stderr == "", proc.stderr


# -- any command line: a report or a usage error, never a traceback ----------------------

import gc  # noqa: E402
import os  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TOKENS = st.sampled_from([
    "--format", "json", "text", "sarif", "yaml", "--format=json", "--format=", "-o", "--output", "out.json",
    "--select", "RTC1", "--ignore", "RTC407,RTC2", "--exit-zero", "--exit-zero=1", "--no-cache", "--fix", "--diff",
    "--context", ".", "infra", "a b", "-", "--", "-x", "--form", "--no-c", "--statistics", "--config",
    "--resolve", "h:443:127.0.0.1", "--insecure", "--origin", "https://x", "RTC101", "--unsafe-fixes", "-q", "-s",
    "-v", "--output-format", "concise", "github", "--extend-select", "--fail-on", "error", "--color", "always",
    "--show-fixes", "--stdin-filename", "Caddyfile", "--all", "missing-rtc-foci",
])


@settings(max_examples=int(os.environ.get("RTCLINT_FUZZ_EXAMPLES", "150")), deadline=None,
          derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"))
@given(st.sampled_from(["check", "rules", "rule"]), st.lists(_TOKENS, max_size=8))
def test_property_any_command_line_is_a_result_or_a_usage_error(tmp_path_factory, name, args):
    """click's own runner, in-process: every token list ends in exit 0, 1 or 2 and never
    in an exception (stdin is empty; `probe` is left out: a valid one goes to the network)."""
    from click.testing import CliRunner

    from rtclint.cli.app import rtclint

    tree = tmp_path_factory.mktemp("cli")
    (tree / "infra").mkdir()
    (tree / "infra" / "homeserver.yaml").write_text("server_name: example.com\n")
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tree)
    try:
        result = runner.invoke(rtclint, [name, *args], input="")
    finally:
        os.chdir(cwd)
        gc.enable()  # `check` turns the collector off for its process
    assert result.exit_code in (0, 1, 2), (name, args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (name, args, result.exception)
