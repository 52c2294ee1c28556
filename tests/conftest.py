import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


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
