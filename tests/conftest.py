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


def pytest_configure(config):
    """Without ../shared, stop before collecting, in one line (pytest prints a UsageError
    as `ERROR: …` and exits 4): dozens of tests would otherwise fail or error each on its
    own, none saying why."""
    missing = [need for need in SHARED_NEEDS if not os.path.exists(os.path.join(SHARED, need))]
    if missing:
        raise pytest.UsageError(f"tests need ../shared beside the clone (or RTCLINT_SHARED): missing "
                                f"{', '.join(missing)} (looked in {SHARED})")


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
    """`rtclint check --format json` → parsed payload (asserts exit 0/1). No cache: the
    tests run inside read-only data (the shared corpus) and must see fresh parses."""
    paths = [path_or_paths] if isinstance(path_or_paths, str) else list(path_or_paths)
    proc = run_rtclint(["check", "--no-cache", "--format", "json", *extra, *paths], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def rtclint_json():
    return check_json
