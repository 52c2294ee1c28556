"""`--output-format mermaid`, rendered by the real mermaid-cli (`mmdc`, from npm in
tests/mermaid/, installed by tools/install-node-deps.sh) in the system Chromium
(tests/mermaid/puppeteer.json): every output renders, and the rendered nodes carry the
states of the JSON report's call paths."""

import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run_rtclint

pytestmark = pytest.mark.browser

MERMAID = os.path.join(ROOT, "tests", "mermaid")
MMDC = os.path.join(MERMAID, "node_modules", ".bin", "mmdc")
EXAMPLES = os.path.join(ROOT, "examples")
NODE = re.compile(r'<g class="node default (\w+)" id="[\w-]*?flowchart-(d\d+)_(\w+)-\d+"')


def outputs(tree, cwd=None):
    proc = run_rtclint(["check", "--no-cache", "--output-format", "mermaid", tree], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    payload = json.loads(run_rtclint(["check", "--no-cache", "--output-format", "json", tree], cwd=cwd).stdout)
    return proc.stdout, payload


def render(text, tmp_path):
    """The SVG mermaid-cli draws from `text`; a diagram it cannot parse fails here."""
    source, svg = tmp_path / "path.mmd", tmp_path / "path.svg"
    source.write_text(text, encoding="utf-8")
    proc = subprocess.run([MMDC, "-i", str(source), "-o", str(svg), "-p", os.path.join(MERMAID, "puppeteer.json"),
                           "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return svg.read_text(encoding="utf-8")


def rendered_states(svg):
    """{deployment index: [(hop, state), …]} of the drawn nodes, in drawing order."""
    found = {}
    for state, dep, hop in NODE.findall(svg):
        if hop != "client":
            found.setdefault(int(dep[1:]), []).append((hop.replace("_", "-"), state))
    return found


def json_states(payload):
    return {i: [(h["hop"], h["state"]) for h in p["hops"]] for i, p in enumerate(payload["call_paths"])}


@pytest.mark.parametrize("name", ["caddy-compose-seed", "caddy-compose-fixed", "ess-nginx-8443"])
def test_each_example_renders_with_the_json_states(tmp_path, name):
    text, payload = outputs(os.path.join(EXAMPLES, name))
    assert text.startswith("flowchart LR\n")
    svg = render(text, tmp_path)
    assert rendered_states(svg) == json_states(payload)
    assert "Syntax error" not in svg
    for hop in payload["call_paths"][0]["hops"]:
        assert hop["title"].split(" (")[0] in svg


def test_the_seed_shows_its_broken_hops_and_their_codes(tmp_path):
    text, _payload = outputs(os.path.join(EXAMPLES, "caddy-compose-seed"))
    assert 'd0_well_known["client well-known on the server_name<br/>✗ broken<br/>RTC100, RTC105, RTC106"]:::broken' \
        in text
    svg = render(text, tmp_path)
    assert [s for _hop, s in rendered_states(svg)[0]] == ["broken", "broken", "broken", "broken", "ok"]


def test_two_deployments_and_names_mermaid_would_parse(tmp_path):
    """Deployment names are directories: quotes, `#` and angle brackets stay text."""
    odd = 'staging "old" #2 <b>'
    shutil.copytree(os.path.join(EXAMPLES, "caddy-compose-fixed"), tmp_path / "prod")
    shutil.copytree(os.path.join(EXAMPLES, "caddy-compose-seed"), tmp_path / odd)
    text, payload = outputs(".", cwd=str(tmp_path))
    assert [p["deployment"] for p in payload["call_paths"]] == ["prod", odd]
    out = tmp_path / "out"
    out.mkdir()
    svg = render(text, out)
    assert rendered_states(svg) == json_states(payload)
    assert "staging #quot;old#quot; #35;2 #lt;b#gt;" in text
    assert 'staging "old" #2 &lt;b&gt; · server_name example.com' in svg  # drawn as text, not markup


def test_an_empty_tree_renders_a_note(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    text, payload = outputs(str(empty))
    assert payload["call_paths"] == []
    svg = render(text, tmp_path)
    assert "there is no call path to draw" in svg


def test_the_readme_s_flowchart_is_what_the_tool_prints(tmp_path):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        [block] = re.findall(r"```mermaid\n(.*?)```", fh.read(), re.S)
    proc = run_rtclint(["check", "--no-cache", "--output-format", "mermaid", "examples/caddy-compose-seed"], cwd=ROOT)
    assert block == proc.stdout, "README's flowchart is stale: regenerate it from the tool"
    assert rendered_states(render(block, tmp_path))[0][0] == ("well-known", "broken")
