"""The pre-commit hooks, run for real: `pre-commit try-repo` installs rtclint from a copy of
this working tree (committed in a temp repo, so uncommitted work is what gets tested) into
pre-commit's own virtualenv, and runs the hook inside a throwaway git repository.

Also: `--context` (what the hook runs) directly, and the hook's `files` regex against
rtclint's own discovery."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, run_rtclint

from rtclint.discover import _needs_content, kind_from_name

HOOKS = os.path.join(ROOT, ".pre-commit-hooks.yaml")
BROKEN = "services:\n  jwt:\n    image: x\n    ports: [\n"  # RTC001: the YAML never closes
FIXED = "services:\n  jwt:\n    image: x\n    ports: []\n"
STALE = "notes:\n  # rtclint: disable=RTC001 -- stale\n  a: 1\n"  # RTC010, safely fixable
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_NOSYSTEM": "1"}


def hooks():
    with open(HOOKS, encoding="utf-8") as fh:
        return {h["id"]: h for h in yaml.safe_load(fh)}


def git(*args, cwd):
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True)


# --- the hook definition ------------------------------------------------------------------


def test_hook_definitions():
    defined = hooks()
    assert set(defined) == {"rtclint", "rtclint-fix"}
    for hook in defined.values():
        assert hook["language"] == "python" and hook["require_serial"] is True
        assert "--context ." in hook["entry"]
    assert "--fix" in defined["rtclint-fix"]["entry"] and "--fix" not in defined["rtclint"]["entry"]


@pytest.mark.parametrize("path", [
    "Caddyfile", "caddy/Caddyfile.prod", "sites/matrix.caddy", "nginx/nginx.conf", "nginx/conf.d/matrix.conf",
    "nginx/sites-enabled/matrix", "etc/nginx/sites-available/default", "haproxy/haproxy.cfg", "compose.yaml",
    "k8s/values.yml", ".env", "deploy/.env.production", "jwt.env", "www/.well-known/matrix/client",
    "element/config.json", "README.md", "src/main.py", "data/foo.json", "Dockerfile", "notes.txt",
])
def test_files_regex_matches_what_rtclint_reads(path):
    pattern = re.compile(hooks()["rtclint"]["files"])
    reads = kind_from_name(path) is not None or _needs_content(path)
    assert bool(pattern.search(path)) == reads
    assert hooks()["rtclint-fix"]["files"] == hooks()["rtclint"]["files"]


# --- --context, as the hook runs it --------------------------------------------------------


def test_context_reads_the_tree_and_reports_only_the_files_named(tmp_path):
    (tmp_path / "broken.yaml").write_text(BROKEN)
    (tmp_path / "notes.yaml").write_text(STALE)
    both = run_rtclint(["check", "--format", "json", "--context", "."], cwd=tmp_path)
    assert sorted(d["code"] for d in json.loads(both.stdout)["diagnostics"]) == ["RTC001", "RTC010"]
    one = run_rtclint(["check", "--format", "json", "--context", ".", "notes.yaml"], cwd=tmp_path)
    payload = json.loads(one.stdout)
    assert [(d["code"], d["path"]) for d in payload["diagnostics"]] == [("RTC010", "notes.yaml")]
    assert payload["files_checked"] == 2  # the whole tree was read
    (tmp_path / "broken.yaml").write_text(FIXED)
    clean = run_rtclint(["check", "--context", ".", "broken.yaml"], cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout


def test_context_reports_cross_file_findings_through_their_related_files(tmp_path):
    """A finding whose primary location is elsewhere still shows when one of its related
    locations is in a file being committed (and a named directory covers its files)."""
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples")
    proc = run_rtclint(["check", "--format", "sarif", "--context", "."], cwd=tmp_path)
    cross = []
    for r in json.loads(proc.stdout)["runs"][0]["results"]:
        primary = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        others = {loc["physicalLocation"]["artifactLocation"]["uri"] for loc in r.get("relatedLocations", [])}
        cross += [(r["ruleId"], primary, other) for other in others - {primary}]
    if not cross:
        pytest.skip("no cross-file finding in examples/ yet")
    code, primary, other = cross[0]
    named = run_rtclint(["check", "--format", "sarif", "--context", ".", other], cwd=tmp_path)
    shown = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
             for r in json.loads(named.stdout)["runs"][0]["results"]}
    assert (code, primary) in shown
    by_dir = run_rtclint(["check", "--format", "json", "--context", ".", os.path.dirname(primary)], cwd=tmp_path)
    assert primary in {d["path"] for d in json.loads(by_dir.stdout)["diagnostics"]}


def test_context_drops_excluded_files_even_when_named(tmp_path):
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "broken.yaml").write_text(BROKEN)
    (tmp_path / ".rtclint.toml").write_text('exclude = ["vendor/"]\n')
    proc = run_rtclint(["check", "--context", ".", "vendor/broken.yaml"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    named = run_rtclint(["check", "vendor/broken.yaml"], cwd=tmp_path)  # a plain check of a named file still runs
    assert named.returncode == 1


# --- pre-commit try-repo -----------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This working tree (tracked and untracked, minus ignored files), committed in a
    temp repo: try-repo installs from HEAD."""
    listing = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout
    dest = tmp_path_factory.mktemp("rtclint-src")
    for rel in filter(None, listing.split("\0")):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "snapshot for try-repo", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path):
    git("init", "-q", cwd=tmp_path)
    return tmp_path


def try_repo(hook_repo, home, project, hook, *files):
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    cmd = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--files", *files]
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_try_repo_fails_on_the_broken_file_and_not_on_the_fixed_one(hook_repo, precommit_home, project):
    """One try-repo run (each installs afresh): the broken file fails the hook, the good
    one in the same run is not reported; passing alone is covered by the commit tests."""
    (project / "compose.yaml").write_text(BROKEN)
    (project / "fixed-compose.yaml").write_text(FIXED)
    git("add", ".", cwd=project)
    failed = try_repo(hook_repo, precommit_home, project, "rtclint", "compose.yaml", "fixed-compose.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "compose.yaml:5:1: RTC001" in failed.stdout
    assert "fixed-compose.yaml" not in failed.stdout


# --- a project that adopted the hook: .pre-commit-config.yaml + `pre-commit install` ------
# try-repo installs a fresh environment on every call (~20 s); a configured repo at a
# fixed rev installs once into PRE_COMMIT_HOME, so the remaining cases use that, through
# real `git commit`s.


@pytest.fixture(scope="module")
def adopted(hook_repo, precommit_home, tmp_path_factory):
    project = tmp_path_factory.mktemp("adopted")
    git("init", "-q", cwd=project)
    rev = git("rev-parse", "HEAD", cwd=hook_repo).stdout.strip()
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [
        {"id": "rtclint"}, {"id": "rtclint-fix", "stages": ["manual"]}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", ".pre-commit-config.yaml", cwd=project)
    git("commit", "-q", "-m", "adopt pre-commit", cwd=project)
    proc = pre_commit(precommit_home, project, "install")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return project


def pre_commit(home, project, *args):
    cmd = [sys.executable, "-m", "pre_commit", *args]
    return subprocess.run(cmd, cwd=project, env=hook_env(home), capture_output=True, text=True, timeout=900)


def hook_env(home):
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}


def commit(home, project, message):
    return subprocess.run(["git", "commit", "-m", message], cwd=project, env=hook_env(home),
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_commit_is_blocked_by_a_broken_file_and_allowed_once_fixed(adopted, precommit_home):
    head = git("rev-parse", "HEAD", cwd=adopted).stdout
    (adopted / "compose.yaml").write_text(BROKEN)
    git("add", "compose.yaml", cwd=adopted)
    blocked = commit(precommit_home, adopted, "add compose")
    assert blocked.returncode != 0
    assert "RTC001" in blocked.stdout + blocked.stderr
    assert git("rev-parse", "HEAD", cwd=adopted).stdout == head  # nothing was committed

    (adopted / "compose.yaml").write_text(FIXED)
    git("add", "compose.yaml", cwd=adopted)
    allowed = commit(precommit_home, adopted, "add compose")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert git("rev-parse", "HEAD", cwd=adopted).stdout != head


@pytest.mark.slow
def test_commit_reports_only_the_files_committed(adopted, precommit_home):
    (adopted / "legacy.yaml").write_text(BROKEN)  # already in the repo, broken, not touched now
    git("add", "legacy.yaml", cwd=adopted)
    git("commit", "-q", "--no-verify", "-m", "legacy", cwd=adopted)
    (adopted / "notes.yaml").write_text("notes:\n  a: 1\n")
    git("add", "notes.yaml", cwd=adopted)
    proc = commit(precommit_home, adopted, "notes")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _cli_has_fix() -> bool:
    return "--fix" in run_rtclint(["check", "--help"]).stdout


@pytest.mark.slow
@pytest.mark.skipif(not _cli_has_fix(), reason="`rtclint check --fix` is not in this tree yet")
def test_fix_hook_removes_a_stale_suppression(adopted, precommit_home):
    (adopted / "stale.yaml").write_text(STALE)
    git("add", "stale.yaml", cwd=adopted)
    args = ("run", "--hook-stage", "manual", "rtclint-fix", "--files", "stale.yaml")
    proc = pre_commit(precommit_home, adopted, *args)
    assert proc.returncode == 1  # pre-commit fails a hook that changed files
    assert "files were modified by this hook" in proc.stdout
    assert (adopted / "stale.yaml").read_text() == "notes:\n  a: 1\n"
    again = pre_commit(precommit_home, adopted, *args)
    assert again.returncode == 0, again.stdout
