"""The text report on a real terminal (a pseudo-terminal via pexpect), as a user sees it:
colour only on a terminal and as --color, NO_COLOR and FORCE_COLOR say; snippets fitted
to the terminal's width; a progress display for long runs only on a terminal; Ctrl-C
stops at once with one line and exit 130."""

import os
import re
import signal
import subprocess
import sys

import pexpect
import pytest

from conftest import ROOT

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SEED = "examples/caddy-compose-seed/Caddyfile"  # RTC100 at 5:204 on a 240-column line
RTCLINT = [sys.executable, "-m", "rtclint"]


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "CI", "PRE_COMMIT",
                                                            "TERM")}
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def on_terminal(args, columns=100, cwd=ROOT, timeout=120, **env):
    """(output with CR/LF normalised, exit status) of rtclint on a pseudo-terminal."""
    child = pexpect.spawn(RTCLINT[0], RTCLINT[1:] + args, cwd=cwd, env=clean_env(**env), dimensions=(40, columns),
                          encoding="utf-8", timeout=timeout)
    output = child.read()
    child.close()
    return output.replace("\r\n", "\n"), child.exitstatus


def in_pipe(args, cwd=ROOT, **env):
    return subprocess.run(RTCLINT + args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=120)


def test_colour_on_a_terminal_and_never_in_a_pipe():
    shown, status = on_terminal(["check", "--no-cache", SEED])
    assert status == 1 and ANSI.search(shown), shown
    piped = in_pipe(["check", "--no-cache", SEED])
    assert piped.returncode == 1 and not ANSI.search(piped.stdout)
    assert "RTC100 error:" in piped.stdout  # the severity in words, not only in colour


@pytest.mark.parametrize("args,env,coloured", [
    ([], {"NO_COLOR": "1"}, False),
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # the command line beats the environment
    (["--color", "never"], {}, False),
    (["--color", "never"], {"FORCE_COLOR": "1"}, False),
])
def test_colour_choices_on_a_terminal(args, env, coloured):
    shown, _ = on_terminal(["check", "--no-cache", *args, SEED], **env)
    assert bool(re.search(r"\x1b\[[0-9;]*m", shown)) == coloured, shown  # SGR codes: colour and bold


@pytest.mark.parametrize("args,env,coloured", [
    ([], {"FORCE_COLOR": "1"}, True),
    (["--color", "always"], {}, True),
    ([], {}, False),
])
def test_colour_choices_in_a_pipe(args, env, coloured):
    proc = in_pipe(["check", "--no-cache", *args, SEED], **env)
    assert bool(re.search(r"\x1b\[[0-9;]*m", proc.stdout)) == coloured


@pytest.mark.parametrize("columns", [60, 200])
def test_the_snippet_fits_the_terminal_and_the_caret_stays_under_the_span(columns):
    shown, status = on_terminal(["check", "--no-cache", "--select", "RTC100", SEED], columns=columns)
    lines = ANSI.sub("", shown).splitlines()
    head = next(i for i, ln in enumerate(lines) if "RTC100 error:" in ln)
    source, caret = lines[head + 2], lines[head + 3]
    assert len(source) <= columns and len(caret) <= columns, (source, caret)
    assert source[caret.index("^")] == "`", (source, caret)  # the backtick that ends the broken JSON
    assert ("…" in source) == (columns < 240)


def test_columns_decides_the_width_in_a_pipe_too():
    for columns in ("60", "200"):
        lines = in_pipe(["check", "--no-cache", "--select", "RTC100", SEED], COLUMNS=columns).stdout.splitlines()
        head = next(i for i, ln in enumerate(lines) if "RTC100" in ln)
        source, caret = lines[head + 2], lines[head + 3]
        assert len(source) <= int(columns) and source[caret.index("^")] == "`"


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory):
    """A tree that takes seconds to check: the bench's corpus at scale 1."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import generate

    out = tmp_path_factory.mktemp("big")
    generate.generate(str(out), 1)
    return str(out)


def test_progress_on_a_terminal_only(big_tree):
    shown, status = on_terminal(["check", "--no-cache", "--output-format", "concise", big_tree])
    assert status == 1 and "Checking" in shown
    for env in ({"CI": "true"}, {"PRE_COMMIT": "1"}):
        shown, _ = on_terminal(["check", "--no-cache", "--output-format", "concise", big_tree], **env)
        assert "Checking" not in shown, env
    quiet, _ = on_terminal(["check", "--no-cache", "-q", big_tree])
    assert "Checking" not in quiet
    piped = in_pipe(["check", "--no-cache", big_tree])
    assert "Checking" not in piped.stderr and "\x1b" not in piped.stderr


def test_ctrl_c_stops_at_once_with_one_line_and_exit_130(big_tree):
    child = pexpect.spawn(RTCLINT[0], RTCLINT[1:] + ["check", "--no-cache", big_tree], cwd=ROOT, env=clean_env(),
                          dimensions=(40, 100), encoding="utf-8", timeout=120)
    child.expect("Checking")  # the run is under way (the progress display appeared)
    child.kill(signal.SIGINT)
    rest = child.read()
    child.close()
    assert child.exitstatus == 130, (child.exitstatus, child.signalstatus, rest)
    assert rest.count("rtclint: interrupted") == 1 and "Traceback" not in rest, rest
    assert "Found" not in rest  # stopped: no report


def test_ctrl_c_in_a_pipe(big_tree):
    proc = subprocess.Popen(RTCLINT + ["check", "--no-cache", "-v", big_tree], cwd=ROOT, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr.readline().startswith("rtclint: ")  # -v's first line: the settings were read
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err.strip() == "rtclint: interrupted" and out == "", (out, err)


def test_the_caret_counts_terminal_cells_after_wide_characters(tmp_path):
    import unicodedata

    (tmp_path / "Caddyfile").write_text(
        'matrix.example.com {\n\trespond /.well-known/matrix/client '
        '`{"m.homeserver":{"base_url":"https://matrix.example.com"},"x":"例え"` 200\n}\n')
    shown, _ = on_terminal(["check", "--no-cache", "--select", "RTC100", "."], columns=200, cwd=str(tmp_path))
    lines = ANSI.sub("", shown).splitlines()
    head = next(i for i, ln in enumerate(lines) if "RTC100 error:" in ln)
    source, caret = lines[head + 2], lines[head + 3]
    backtick = source.rindex("`")
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in source[:backtick])
    assert caret.index("^") == cells, (source, caret)
