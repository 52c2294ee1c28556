"""The composite GitHub Action (action.yml): its shape, and its run step executed with
bash the way the runner does (inputs in the environment, GITHUB_OUTPUT a file), against
the rtclint installed in this venv."""

import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

ACTION = os.path.join(ROOT, "action.yml")
BROKEN = "services:\n  a: [\n"


def action():
    with open(ACTION, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def step(name):
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def test_action_shape():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    uses = [s["uses"] for s in spec["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert spec["outputs"]["sarif-file"]["value"] == "${{ steps.run.outputs.sarif-file }}"
    assert step("Run rtclint")["id"] == "run"
    for s in spec["runs"]["steps"]:
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], "inputs must reach scripts through env, not the script text"
            for value in s.get("env", {}).values():
                name = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value).group(1)
                assert name in spec["inputs"]


def run_step(tmp_path, **inputs):
    """The step as the runner runs it: bash, inputs in the environment, GITHUB_OUTPUT and
    RUNNER_TEMP real paths; `rtclint` on PATH is a wrapper that logs each invocation."""
    defaults = {name: str(spec.get("default", "")) for name, spec in action()["inputs"].items()}
    defaults.update(inputs)
    output_file = tmp_path / "github_output"
    output_file.write_text("")
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    wrappers = tmp_path / "bin"
    wrappers.mkdir(exist_ok=True)
    real = os.path.join(os.path.dirname(sys.executable), "rtclint")
    (wrappers / "rtclint").write_text(f'#!/bin/bash\necho run >> "{tmp_path}/invocations"\nexec "{real}" "$@"\n')
    (wrappers / "rtclint").chmod(0o755)
    (tmp_path / "invocations").write_text("")
    s = step("Run rtclint")
    env = {**os.environ, "GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(runner_temp),
           "PATH": os.pathsep.join([str(wrappers), os.path.dirname(sys.executable), os.environ["PATH"]])}
    for key, value in s["env"].items():
        name = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value).group(1)
        env[key] = defaults[name]
    proc = subprocess.run(["bash", "-c", s["run"]], cwd=tmp_path / "repo", env=env, capture_output=True,
                          text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines())
    return proc, outputs


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "compose.yaml").write_text(BROKEN)
    return tmp_path


def test_run_step_writes_sarif_annotates_and_fails(repo):
    proc, outputs = run_step(repo)
    assert proc.returncode == 1, proc.stderr
    assert outputs == {"sarif-file": "rtclint.sarif", "exit-code": "1"}
    assert (repo / "invocations").read_text() == "run\n"  # one rtclint run: SARIF and annotations
    log = json.loads((repo / "repo" / "rtclint.sarif").read_text())
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "RTC001"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "compose.yaml"
    assert proc.stdout.startswith("::error file=compose.yaml,line=3,")


def test_run_step_options(repo):
    proc, outputs = run_step(repo, **{"fail-on-findings": "false", "annotations": "false",
                                      "sarif-file": "out/r.sarif", "args": "--ignore RTC001"})
    assert proc.returncode == 0 and proc.stdout == ""
    assert outputs["exit-code"] == "0"
    assert json.loads((repo / "repo" / "out" / "r.sarif").read_text())["runs"][0]["results"] == []
    proc, outputs = run_step(repo, **{"fail-on-findings": "false"})
    assert proc.returncode == 0 and outputs["exit-code"] == "1"


def test_usage_errors_fail_even_without_fail_on_findings(repo):
    (repo / "repo" / "rtclint.sarif").write_text("stale")  # from an earlier run: never claimed again
    proc, outputs = run_step(repo, **{"fail-on-findings": "false", "args": "--select NOPE"})
    assert proc.returncode == 2 and outputs == {"exit-code": "2"}  # no sarif-file output: none was written
    assert not (repo / "repo" / "rtclint.sarif").exists()
    assert "::error title=rtclint::" in proc.stdout


def test_annotations_are_what_the_github_format_prints(repo):
    (repo / "repo" / "Caddyfile").write_text(
        'example.org {\n\thandle /.well-known/matrix/client {\n\t\trespond `{"m.homeserver":'
        '{"base_url":"https://example.org"}` 200\n\t}\n}\n')
    proc, _ = run_step(repo)
    direct = subprocess.run([os.path.join(os.path.dirname(sys.executable), "rtclint"), "check", "--no-cache",
                             "--output-format", "github", "."], cwd=repo / "repo", capture_output=True, text=True,
                            timeout=120)
    assert proc.stdout.splitlines() and proc.stdout == direct.stdout, (proc.stdout, direct.stdout)


def test_paths_and_args_keep_their_quoting(repo):
    spaced = repo / "repo" / "my configs"
    spaced.mkdir()
    (spaced / "compose.yaml").write_text(BROKEN)
    (repo / "repo" / "compose.yaml").write_text("services:\n  a:\n    image: x\n")
    (repo / "repo" / "base line.json").write_text("")
    proc, outputs = run_step(repo, paths='"my configs" compose.yaml', args="--select 'RTC0' --exit-zero",
                             **{"sarif-file": "reports/out file.sarif"})
    assert proc.returncode == 0 and outputs["sarif-file"] == "reports/out file.sarif", proc.stdout + proc.stderr
    log = json.loads((repo / "repo" / "reports" / "out file.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"my%20configs/compose.yaml"}
    assert "file=my configs/compose.yaml," in proc.stdout
    hostile, outputs = run_step(repo, paths="$(touch pwned) `touch pwned2` ;touch pwned3")
    assert not any((repo / "repo" / name).exists() for name in ("pwned", "pwned2", "pwned3"))
    assert hostile.returncode == 2 and outputs == {"exit-code": "2"}
    unbalanced, outputs = run_step(repo, args="--select 'RTC0")
    assert unbalanced.returncode == 2 and "quoting" in unbalanced.stdout


@pytest.mark.slow
def test_the_whole_action_installs_rtclint_and_runs_it_once(repo):
    """Both shell steps in order, as a workflow runs them after setup-python: the install
    step pip-installs the action's own checkout into a fresh Python (a venv stands in for
    setup-python's), then the run step uses that rtclint."""
    import venv

    python_dir = repo / "python"
    venv.create(python_dir, with_pip=True)
    bin_dir = str(python_dir / "bin")
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"], "GITHUB_ACTION_PATH": ROOT,
           "RTCLINT_VERSION": ""}
    install = subprocess.run(["bash", "-c", step("Install rtclint")["run"]], env=env, capture_output=True, text=True,
                             timeout=600)
    assert install.returncode == 0, install.stderr
    assert install.stdout.strip().endswith(f"version {__import__('rtclint').__version__}")
    output_file = repo / "github_output"
    output_file.write_text("")
    run_env = {**env, "GITHUB_OUTPUT": str(output_file), "RUNNER_TEMP": str(repo), "INPUT_PATHS": ".",
               "INPUT_ARGS": "", "INPUT_SARIF_FILE": "rtclint.sarif", "INPUT_ANNOTATIONS": "true",
               "INPUT_FAIL_ON_FINDINGS": "true"}
    run = subprocess.run(["bash", "-c", step("Run rtclint")["run"]], cwd=repo / "repo", env=run_env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and run.stdout.startswith("::error file=compose.yaml,line=3,"), run.stderr
    assert "sarif-file=rtclint.sarif" in output_file.read_text()
