"""`--diff` prints a patch that real `git apply` and `patch -p1` accept, that holds no
secret, and that turns the tree into exactly what `--fix` writes — for every test tree
of the rule catalogue (with `--unsafe-fixes`, so every fix is in play)."""

import os
import shutil
import subprocess

import pytest

from conftest import ROOT, sample
from expectations import cases
from rtclint.config import Config
from rtclint.engine import check
from rtclint.fix import fix_paths
from rtclint.fix.summary import diff_text
from rtclint.model.secrets import of

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
CASES = cases(FIXTURES)


def _tree_bytes(root) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = open(path, "rb").read()
    return out


def _diff_and_fix(tree, tmp_path, monkeypatch):
    """(patch text, outcome of --diff, tree as --fix leaves it)."""
    for name in ("diff", "fix", "git", "patch"):
        shutil.copytree(os.path.join(tree), tmp_path / name, symlinks=True)
    monkeypatch.chdir(tmp_path / "diff")
    outcome = fix_paths(["."], Config(), unsafe=True, write=False)
    patch = diff_text(outcome)
    monkeypatch.chdir(tmp_path / "fix")
    fix_paths(["."], Config(), unsafe=True, write=True)
    monkeypatch.chdir(tmp_path)
    return patch, outcome, _tree_bytes(tmp_path / "fix")


def _apply(tool: list[str], where, patch: str) -> None:
    proc = subprocess.run(tool, cwd=where, input=patch, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"{' '.join(tool)} refused the patch:\n{proc.stdout}{proc.stderr}\n{patch}"


def _features(case: str) -> list:
    """make test's sample: every rule once, and every mix of file types (by extension, or
    the name: Caddyfile, .env) a patch may touch; `make sweeps` applies the rest."""
    types = {os.path.splitext(name)[1] or name for _dirpath, _dirs, files in os.walk(os.path.join(case, "tree"))
             for name in files}
    return [os.path.relpath(case, FIXTURES).split(os.sep)[0], tuple(sorted(types))]


@pytest.mark.parametrize("case", sample(CASES, _features), ids=lambda p: os.path.relpath(p, FIXTURES))
def test_diff_applies_with_git_and_patch_like_fix(case, tmp_path, monkeypatch):
    patch, outcome, fixed = _diff_and_fix(os.path.join(case, "tree"), tmp_path, monkeypatch)
    left_out = [f for f in outcome.failures if "left out of the diff" in f.message]
    if patch:
        _apply(["git", "apply", "--check", "-"], tmp_path / "git", patch)
        _apply(["git", "apply", "-"], tmp_path / "git", patch)
        _apply(["patch", "-p1", "--dry-run", "-F0"], tmp_path / "patch", patch)
        _apply(["patch", "-p1", "-F0", "--no-backup-if-mismatch"], tmp_path / "patch", patch)
    if left_out:  # the patch shows the rest; --fix did more
        return
    assert _tree_bytes(tmp_path / "git") == fixed
    assert _tree_bytes(tmp_path / "patch") == fixed


def test_some_trees_have_a_diff():
    """The test above must exercise real patches, not only empty ones."""
    assert len(CASES) > 100


def test_a_hunk_that_would_show_a_secret_is_left_out_and_said(tmp_path, monkeypatch):
    """RTC402's fix rewrites `key:secret` (one word to YAML) as `key: secret`: the
    changed line is the secret itself, so the diff cannot show it."""
    case = os.path.join(FIXTURES, "RTC402", "no-space-after-colon", "tree")
    patch, outcome, _fixed = _diff_and_fix(case, tmp_path, monkeypatch)
    found = of(check([str(tmp_path / "diff")]).deployment)
    assert not found.holds_secret(patch)
    said = [f for f in outcome.failures if "left out of the diff" in f.message]
    assert said and "show a secret" in said[0].message


def test_context_around_a_secret_is_shrunk_not_masked(tmp_path, monkeypatch):
    """A change next to a secret keeps only the context on the far side of it: the patch
    applies (a masked line would not) and does not show the secret."""
    secret = "Xq7pRealSecretValue0123456789abcdef"
    (tmp_path / "docker-compose.yml").write_text(f"""services:
  lk-jwt-service:
    image: ghcr.io/element-hq/lk-jwt-service:0.6.0
    environment:
      - LIVEKIT_URL=wss://rtc.example.com
      - LIVEKIT_KEY=prodkey
      - LIVEKIT_SECRET={secret}
      - LK_JWT_PORT=8080
      - LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com
      - LIVEKIT_JWT_INSECURE=no
      - OTHER=1
""")
    monkeypatch.chdir(tmp_path)
    patch = diff_text(fix_paths(["."], Config(), write=False))
    assert "LIVEKIT_JWT_BIND" in patch and secret not in patch and "****" not in patch
    shutil.copytree(tmp_path, tmp_path.parent / (tmp_path.name + "-git"))
    _apply(["git", "apply", "-"], tmp_path.parent / (tmp_path.name + "-git"), patch)
