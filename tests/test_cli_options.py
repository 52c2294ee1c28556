"""ruff's options with ruff's meanings, run through the CLI as a user would."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_rtclint

SEED = os.path.join(ROOT, "examples", "caddy-compose-seed")
ESS = os.path.join(ROOT, "examples", "ess-nginx-8443")


def codes(proc):
    return {d["code"] for d in json.loads(proc.stdout)["diagnostics"]}


@pytest.fixture
def seed(tmp_path):
    tree = tmp_path / "seed"
    shutil.copytree(SEED, tree)
    return tree


def test_select_ignore_and_extend_select_add_up_across_repeats():
    both = run_rtclint(["check", "--no-cache", "--format", "json", "--select", "RTC1", "--select", "RTC9", SEED])
    assert {c[:4] for c in codes(both)} == {"RTC1", "RTC9"}
    extended = run_rtclint(["check", "--no-cache", "--format", "json", "--select", "RTC1", "--extend-select",
                            "RTC3,RTC4", SEED])
    assert {c[:4] for c in codes(extended)} == {"RTC1", "RTC3", "RTC4"}
    ignored = run_rtclint(["check", "--no-cache", "--format", "json", "--ignore", "RTC1", "--ignore", "RTC9", SEED])
    assert codes(ignored) and not {c for c in codes(ignored) if c[:4] in ("RTC1", "RTC9")}


def test_extend_select_adds_to_the_settings_file_and_select_replaces_it(seed):
    (seed / "rtclint.toml").write_text('select = ["RTC1"]\n')
    assert {c[:4] for c in codes(run_rtclint(["check", "--no-cache", "--format", "json", str(seed)]))} == {"RTC1"}
    extended = run_rtclint(["check", "--no-cache", "--format", "json", "--extend-select", "RTC4", str(seed)])
    assert {c[:4] for c in codes(extended)} == {"RTC1", "RTC4"}
    replaced = run_rtclint(["check", "--no-cache", "--format", "json", "--select", "RTC4", str(seed)])
    assert {c[:4] for c in codes(replaced)} == {"RTC4"}


def test_quiet_silent_and_verbose():
    full = run_rtclint(["check", "--no-cache", SEED])
    quiet = run_rtclint(["check", "--no-cache", "-q", SEED])
    silent = run_rtclint(["check", "--no-cache", "-s", SEED])
    verbose = run_rtclint(["check", "--no-cache", "-v", SEED])
    assert full.returncode == quiet.returncode == silent.returncode == verbose.returncode == 1
    assert "Found " in full.stdout and "Found " not in quiet.stdout and "RTC100 error:" in quiet.stdout
    assert silent.stdout == "" and silent.stderr == ""
    assert "rtclint: " in verbose.stderr and "file" in verbose.stderr and verbose.stdout == full.stdout
    both = run_rtclint(["check", "-q", "-v", SEED])
    assert both.returncode == 2 and "--quiet" in both.stderr and "--verbose" in both.stderr


def test_concise_is_one_line_per_finding():
    proc = run_rtclint(["check", "--no-cache", "--output-format", "concise", "-q", SEED])
    payload = json.loads(run_rtclint(["check", "--no-cache", "--format", "json", SEED]).stdout)
    lines = proc.stdout.splitlines()
    assert len(lines) == len(payload["diagnostics"])
    for line, diag in zip(lines, payload["diagnostics"], strict=True):
        assert line.startswith(f"{diag['path']}:{diag['line']}:{diag['column']}: {diag['code']} {diag['severity']}:")


def test_statistics_is_a_table_and_json():
    proc = run_rtclint(["check", "--no-cache", "--statistics", SEED])
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["Count", "Code", "Name", "Fixable"]
    assert not any("RTC100 error:" in ln for ln in lines)  # the table instead of the findings
    rtc100 = next(ln for ln in lines if " RTC100 " in ln)
    assert rtc100.split()[:3] == ["1", "RTC100", "well-known-invalid-json"] and rtc100.rstrip().endswith("[*]")
    stats = json.loads(run_rtclint(["check", "--no-cache", "--statistics", "--format", "json", SEED]).stdout)
    rows = {row["code"]: row for row in stats["statistics"]}
    assert rows["RTC100"] == {"count": 1, "code": "RTC100", "name": "well-known-invalid-json", "fixable": True}
    assert rows["RTC901"]["fixable"] is False
    sarif = run_rtclint(["check", "--statistics", "--format", "sarif", SEED])
    assert sarif.returncode == 2 and "--statistics" in sarif.stderr and "sarif" in sarif.stderr


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "sarif", "github", "html", "mermaid"])
def test_output_file_is_honoured_by_every_format(tmp_path, fmt):
    out = tmp_path / "report"
    proc = run_rtclint(["check", "--no-cache", "--output-format", fmt, "-o", str(out), SEED])
    assert proc.returncode == 1 and proc.stdout == "" and "RTC100" in out.read_text()
    if fmt in ("full", "concise"):
        assert "\x1b[" not in out.read_text()


def test_diff_goes_to_the_output_file_and_refuses_machine_formats(seed, tmp_path):
    patch = tmp_path / "d.patch"
    proc = run_rtclint(["check", "--no-cache", "--diff", "-o", str(patch), str(seed)])
    assert proc.returncode == 1 and proc.stdout == "" and patch.read_text().startswith("---")
    assert "Would fix" in proc.stderr
    for fmt in ("json", "sarif", "github", "html", "mermaid"):
        refused = run_rtclint(["check", "--diff", "--format", fmt, str(seed)])
        assert refused.returncode == 2 and "--diff" in refused.stderr and fmt in refused.stderr
    both = run_rtclint(["check", "--diff", "--fix", str(seed)])
    assert both.returncode == 2 and "--diff" in both.stderr and "--fix" in both.stderr


def test_unsafe_fixes_alone_shows_them_as_available():
    plain = run_rtclint(["check", "--no-cache", SEED]).stdout
    unsafe = run_rtclint(["check", "--no-cache", "--unsafe-fixes", SEED]).stdout
    assert "1 hidden fix can be enabled with the `--unsafe-fixes` option." in plain
    assert "fixable with `rtclint check --fix --unsafe-fixes`" in unsafe
    rtc105 = lambda text: next(ln for ln in text.splitlines() if " RTC105 " in ln)  # noqa: E731 (unsafe fix)
    assert not rtc105(plain).endswith("[*]") and rtc105(unsafe).endswith("[*]")


def test_show_fixes_and_fix_with_show_fixes(seed):
    shown = run_rtclint(["check", "--no-cache", "--show-fixes", str(seed)]).stdout
    assert "= fix (safe):" in shown and "= fix (unsafe):" in shown
    fixed = run_rtclint(["check", "--no-cache", "--fix", "--show-fixes", str(seed)])
    assert "Fixed:" in fixed.stdout and "RTC100" in fixed.stdout.split("Fixed:")[1]


def test_fail_on_and_exit_zero():
    assert run_rtclint(["check", "--no-cache", ESS]).returncode == 1
    assert run_rtclint(["check", "--no-cache", "--select", "RTC6", ESS]).returncode == 1  # warnings
    assert run_rtclint(["check", "--no-cache", "--select", "RTC6", "--fail-on", "error", ESS]).returncode == 0
    assert run_rtclint(["check", "--no-cache", "--exit-zero", ESS]).returncode == 0


def test_a_missing_path_is_a_usage_error_even_with_select(tmp_path):
    for extra in ([], ["--select", "RTC1"]):
        proc = run_rtclint(["check", *extra, str(tmp_path / "nope")])
        assert proc.returncode == 2 and "does not exist" in proc.stderr and "All clear" not in proc.stdout


def test_stdin_with_and_without_a_file_name(seed):
    text = (seed / "Caddyfile").read_text()
    named = run_rtclint(["check", "-", "--stdin-filename", "Caddyfile", "--format", "json"], input_text=text,
                        cwd=str(seed.parent))
    payload = json.loads(named.stdout)
    assert named.returncode == 1 and {d["path"] for d in payload["diagnostics"]} == {"Caddyfile"}
    assert "RTC100" in codes(named)
    in_tree = run_rtclint(["check", "-", "--stdin-filename", "seed/Caddyfile", "--format", "json"],
                          input_text=text.replace("}]`", "}]}`"), cwd=str(seed.parent))
    assert "RTC100" not in codes(in_tree) and {d["path"] for d in json.loads(in_tree.stdout)["diagnostics"]}
    assert (seed / "Caddyfile").read_text() == text  # the file on disk is never touched
    anonymous = run_rtclint(["check", "-", "--format", "json"], input_text="server_name: example.com\n")
    assert anonymous.returncode in (0, 1) and json.loads(anonymous.stdout)["files_checked"] == 1
    misplaced = run_rtclint(["check", "--stdin-filename", "Caddyfile", str(seed)])
    assert misplaced.returncode == 2 and "--stdin-filename" in misplaced.stderr


def test_rule_by_code_name_all_and_json():
    by_code = run_rtclint(["rule", "rtc101"])
    by_name = run_rtclint(["rule", "missing-rtc-foci"])
    assert by_code.returncode == by_name.returncode == 0 and by_code.stdout == by_name.stdout
    page = json.loads(run_rtclint(["rule", "missing-rtc-foci", "--output-format", "json"]).stdout)
    assert page["code"] == "RTC101" and page["name"] == "missing-rtc-foci" and "RTC101" in page["page"]
    every = json.loads(run_rtclint(["rule", "--all", "--output-format", "json"]).stdout)
    assert len(every) == len(json.loads(run_rtclint(["rules", "--format", "json"]).stdout)) > 30
    assert run_rtclint(["rule", "no-such-rule"]).returncode == 2
    assert run_rtclint(["rule"]).returncode == 2


def test_summary_says_what_the_baseline_and_suppressions_hide(seed, tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run_rtclint(["check", "--no-cache", "--write-baseline", str(baseline), str(seed)]).returncode == 0
    total = len(json.loads(run_rtclint(["check", "--no-cache", "--format", "json", str(seed)]).stdout)["diagnostics"])
    hidden = run_rtclint(["check", "--no-cache", "--baseline", str(baseline), str(seed)])
    assert hidden.returncode == 0 and "All clear" in hidden.stdout
    assert f"{total} findings hidden by the baseline" in hidden.stdout
    compose = seed / "docker-compose.yml"
    lines = compose.read_text().splitlines(keepends=True)
    found = json.loads(run_rtclint(["check", "--no-cache", "--format", "json", "--select", "RTC407",
                                    str(seed)]).stdout)["diagnostics"][0]
    assert found["path"].endswith("docker-compose.yml")
    line = found["line"] - 1
    lines[line] = lines[line].rstrip("\n") + "  # rtclint: disable=RTC407 -- pinned upstream\n"
    compose.write_text("".join(lines))
    suppressed = run_rtclint(["check", "--no-cache", "--select", "RTC407", str(seed)])
    assert "1 suppressed by `# rtclint: disable` comments." in suppressed.stdout, suppressed.stdout


def test_a_run_that_recognised_no_file_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n")
    proc = run_rtclint(["check", str(tmp_path)])
    assert proc.returncode == 0 and "No file to check" in proc.stdout and "All clear" not in proc.stdout


def test_a_closed_pipe_is_silent_for_the_text_report():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--no-cache", SEED], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert proc.returncode == 1 and proc.stderr == ""


def test_help_on_every_command_and_option():
    import click

    from rtclint.cli.app import rtclint

    for name, command in rtclint.commands.items():
        assert command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (name, param.name)
        proc = run_rtclint([name, "--help"])
        assert proc.returncode == 0 and "Usage: rtclint " + name in proc.stdout
