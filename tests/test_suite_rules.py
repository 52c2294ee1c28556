"""The suite's own rules (tests/conftest.py, pyproject's pytest settings), tried on a
throwaway copy: without ../shared it stops in one line; a skipped test and a
parametrization with no case fail instead of passing silently."""

import os
import shutil
import subprocess
import sys

from conftest import ROOT, SHARED


def _clone_with(tmp_path, test_text: str, shared: bool):
    """A minimal clone (the real conftest and pytest settings, one test file), with or
    without ../shared beside it."""
    clone = tmp_path / "clone"
    (clone / "tests").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "tests", "conftest.py"), clone / "tests" / "conftest.py")
    shutil.copy(os.path.join(ROOT, "pyproject.toml"), clone / "pyproject.toml")
    (clone / "tests" / "test_one.py").write_text(test_text)
    if shared:
        os.symlink(SHARED, tmp_path / "shared")
    env = {k: v for k, v in os.environ.items() if k not in ("RTCLINT_SHARED", "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=120)


def test_without_shared_the_run_stops_in_one_line(tmp_path):
    proc = _clone_with(tmp_path, "def test_ok():\n    pass\n", shared=False)
    said = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert proc.returncode == 4
    assert len(said) == 1, said
    assert "missing" in said[0] and str(tmp_path / "shared") in said[0]


def test_with_shared_the_same_clone_runs(tmp_path):
    proc = _clone_with(tmp_path, "def test_ok():\n    pass\n", shared=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_a_skip_is_a_failure(tmp_path):
    text = "import pytest\n\ndef test_skips():\n    pytest.skip('tool missing')\n"
    proc = _clone_with(tmp_path, text, shared=True)
    assert proc.returncode == 1 and "1 failed" in proc.stdout and "skipped" not in proc.stdout.splitlines()[-1]
    assert "tool missing" in proc.stdout


def test_a_module_level_skip_is_a_failure(tmp_path):
    text = "import pytest\n\npytestmark = pytest.mark.skipif(True, reason='no server')\n\ndef test_x():\n    pass\n"
    proc = _clone_with(tmp_path, text, shared=True)
    assert proc.returncode == 1 and "1 error" in proc.stdout and "skipped" not in proc.stdout.splitlines()[-1]


def test_a_parametrization_without_cases_fails(tmp_path):
    text = "import pytest\n\n@pytest.mark.parametrize('case', [])\ndef test_each(case):\n    pass\n"
    proc = _clone_with(tmp_path, text, shared=True)
    assert proc.returncode != 0 and "passed" not in proc.stdout, proc.stdout
