import json
import os
import subprocess
import sys

import pytest
from hypothesis import settings

# Property tests (the fuzz targets) run in every `make test` on a fixed budget and a fixed
# seed: the same examples on every machine and every run, none remembered from a previous
# one. `make fuzz` (RTCLINT_FUZZ_EXAMPLES set) explores: random seeds, its own budget.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, deadline=None, print_blob=True)
settings.load_profile("fuzz" if os.environ.get("RTCLINT_FUZZ_EXAMPLES") else "ci")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared beside the clone, as CI lays it; RTCLINT_SHARED names another place (a git
# worktree's ../ is the folder of worktrees, not the folder of the main clone).
SHARED = os.path.abspath(os.environ.get("RTCLINT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# What the suite reads from ../shared (CI lays it beside the clone): the rule catalogue,
# the SARIF schema and the upstream example corpus.
SHARED_NEEDS = ("spec/RULES.md", "schemas/sarif-schema-2.1.0.json", "corpus/upstream")


# The slow oracle sweeps (every tree through a real program) run whole in `make sweeps`;
# `make test` runs a sample of each that still covers every kind of case. A case beyond the
# sample carries the `sweep` mark (see `sample()` below) and is *deselected* at collection,
# never skipped (a skip counts as a failure here). --sweep / RTCLINT_SWEEP chooses:
#   sample  everything but the marked cases (`make test`, the default)
#   rest    only the marked cases            (`make sweeps`: with `make test`, every case once)
#   all     everything                       (`make full`)
SWEEP_MODES = ("sample", "rest", "all")


def pytest_addoption(parser):
    parser.addoption("--sweep", choices=SWEEP_MODES, default=os.environ.get("RTCLINT_SWEEP") or "sample",
                     help="sample: make test's sample of the slow sweeps (default); rest: only the cases "
                          "beyond it (make sweeps); all: every case (make full)")


def pytest_sessionstart(session):
    """A suite started in the background by a non-interactive shell (`make test &`, nohup,
    some CI runners) inherits SIGINT *ignored*, and so would every program it starts: the
    Ctrl-C tests would then see rtclint shrug off the interrupt. Python's own handler here
    means the children start with the default disposition, as from a terminal."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_configure(config):
    """Without ../shared, stop before collecting, in one line (pytest prints a UsageError
    as `ERROR: …` and exits 4): dozens of tests would otherwise fail or error each on its
    own, none saying why. (Also: the `sweep` mark, and a word on a bad --sweep.)"""
    config.addinivalue_line("markers", "sweep: a case of a slow oracle sweep beyond make test's sample "
                                       "(run by `make sweeps`; tests/conftest.py sample())")
    if config.getoption("sweep") not in SWEEP_MODES:  # RTCLINT_SWEEP bypasses argparse's choices
        raise pytest.UsageError(f"--sweep / RTCLINT_SWEEP must be one of {', '.join(SWEEP_MODES)}")
    missing = [need for need in SHARED_NEEDS if not os.path.exists(os.path.join(SHARED, need))]
    if missing:
        raise pytest.UsageError(f"tests need ../shared beside the clone (or RTCLINT_SHARED): missing "
                                f"{', '.join(missing)} (looked in {SHARED})")


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) what this run's --sweep leaves out; pytest reports the count."""
    mode = config.getoption("sweep")
    if mode == "all":
        return
    keep, drop = [], []
    for item in items:
        beyond_sample = item.get_closest_marker("sweep") is not None
        (keep if beyond_sample == (mode == "rest") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def sample(cases, features):
    """`cases` as pytest params for a slow sweep, split by coverage: a case is in make
    test's sample when it brings a feature no earlier case brought (`features(case)`: what
    makes cases differ for the oracle — the rule, the kinds of files, the states seen);
    every other case is marked `sweep` (run by `make sweeps`). `cases` must come in a fixed
    order, so the sample is the same on every machine; parametrize's `ids=` still names
    the cases."""
    seen = set()
    params = []
    for case in cases:
        new = set(features(case)) - seen
        seen |= new
        params.append(pytest.param(case, marks=() if new else (pytest.mark.sweep,)))
    return params


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test is a failed one: `make test` installs every tool the suite uses, so
    a skip means a test that silently stopped testing."""
    outcome = yield
    _skip_fails(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _skip_fails(outcome.get_result())


def _skip_fails(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, which this suite counts as a failure: {reason}"


def run_rtclint(args, cwd=None, input_text=None, env=None):
    """Run the installed CLI as a user would; returns CompletedProcess."""
    cmd = [sys.executable, "-m", "rtclint", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, input=input_text, env=env, timeout=120)


def check_json(path_or_paths, cwd=None, extra=()):
    """`rtclint check --no-cache --format json` → parsed payload (asserts exit 0/1). No
    cache: the tests run inside read-only data (the shared corpus) and must see fresh
    parses. The command line runs in this process (rtclint.cli.execute: click, settings,
    engine, JSON report), not a new interpreter: the rule fixtures alone call it 360
    times, and starting Python each time cost ten times the check itself (run_rtclint is
    the real process, for tests of exit codes, stderr and start-up). The CLI turns the
    cyclic collector off for its one run; it is turned back on here."""
    import contextlib
    import gc
    import io

    from rtclint.cli import execute

    paths = [path_or_paths] if isinstance(path_or_paths, str) else list(path_or_paths)
    out, err, here, collecting = io.StringIO(), io.StringIO(), os.getcwd(), gc.isenabled()
    os.chdir(cwd or here)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = execute(["check", "--no-cache", "--format", "json", *extra, *paths])
    finally:
        os.chdir(here)
        if collecting:
            gc.enable()
    assert code in (0, 1), err.getvalue()
    return json.loads(out.getvalue())


@pytest.fixture
def rtclint_json():
    return check_json
