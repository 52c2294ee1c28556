"""README.md and docs/json.md tell the truth: their example outputs are what the tool
prints (paths and width normalised: COLUMNS=100, run from the repository root), their
commands run, their options exist, and the pre-commit `rev` is this version's tag."""

import json
import os
import re
import shlex
import shutil

import pytest

from conftest import ROOT, run_rtclint
from rtclint import __version__

README = os.path.join(ROOT, "README.md")
JSON_DOC = os.path.join(ROOT, "docs", "json.md")


def read(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def console_blocks(text):
    """(command, expected output) of each ```console block."""
    for match in re.finditer(r"```console\n\$ (rtclint [^\n]*)\n(.*?)```", text, re.S):
        yield match.group(1), match.group(2)


def run_documented(command):
    args = shlex.split(command)[1:]
    return run_rtclint([args[0], "--no-cache", *args[1:]], cwd=ROOT, env={**os.environ, "COLUMNS": "100"})


def test_readme_example_output_is_what_the_tool_prints():
    [(command, expected)] = list(console_blocks(read(README)))
    proc = run_documented(command)
    shown = "\n".join(line.rstrip() for line in proc.stdout.splitlines()) + "\n"
    assert shown == expected, "README's example is stale: regenerate it from the tool\n" + shown


@pytest.mark.parametrize("command,expected", list(console_blocks(read(JSON_DOC))))
def test_json_contract_examples_are_what_the_tool_prints(command, expected):
    proc = run_documented(command)
    assert json.loads(proc.stdout) == json.loads(expected)


def test_json_contract_documents_every_key():
    doc = read(JSON_DOC)
    payload = json.loads(run_rtclint(["check", "--no-cache", "--output-format", "json",
                                      os.path.join(ROOT, "examples")]).stdout)
    keys = set(payload)
    for diag in payload["diagnostics"]:
        keys |= set(diag)
        if diag["fix"]:
            keys |= set(diag["fix"])
            for edit in diag["fix"]["edits"]:
                keys |= set(edit)
    assert payload["call_paths"]
    for path in payload["call_paths"]:
        keys |= set(path)
        for hop in path["hops"]:
            keys |= set(hop)
            for part in hop["requests"] + hop["decided_at"]:
                keys |= set(part)
    for key in keys:
        assert f"`{key}`" in doc, key


def test_pre_commit_and_action_refs_are_this_version_s_tag():
    readme = read(README)
    assert re.findall(r"rev: (\S+)", readme) == [f"v{__version__}"]
    assert set(re.findall(r"uses: rtclint/rtclint@(\S+)", readme)) == {f"v{__version__}"}


def test_every_option_in_the_readme_s_usage_exists():
    readme = read(README)
    usage = readme[readme.index("## Usage"):readme.index("## Rules")]
    help_text = "".join(run_rtclint([command, "--help"], env={**os.environ, "COLUMNS": "200"}).stdout
                        for command in ("check", "rules", "rule"))
    for option in set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[qsvo])\b", usage)):
        assert option in help_text, option


def test_readme_usage_commands_run(tmp_path):
    """Every `rtclint …` line of the Usage and Fixing blocks runs (on a copy of the
    examples for ./infra) and exits 0 or 1, never 2."""
    readme = read(README)
    usage = readme[readme.index("## Usage"):readme.index("## Rules")]
    infra = tmp_path / "infra"
    shutil.copytree(os.path.join(ROOT, "examples"), infra)
    commands = [line.split("#")[0].strip() for block in re.findall(r"```sh\n(.*?)```", usage, re.S)
                for line in block.splitlines() if line.startswith("rtclint ")]
    assert len(commands) >= 10
    for command in commands:
        args = [a for a in shlex.split(command)[1:] if a != "[PATH...]"]
        proc = run_rtclint(args, cwd=tmp_path)
        assert proc.returncode in (0, 1), (command, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_readme_action_inputs_are_the_action_s():
    import yaml

    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as fh:
        inputs = yaml.safe_load(fh)["inputs"]
    readme = read(README)
    section = readme[readme.index("### GitHub Actions"):]
    for name in inputs:
        assert f"`{name}`" in section, name
