"""rich renders the text report only: JSON, SARIF and GitHub output never import it (a CI
or editor run pays for click alone). Each case runs the CLI in a fresh interpreter and
lists the modules it loaded."""

import json
import subprocess
import sys

import pytest

PROBE = """
import io, json, runpy, sys
sys.argv = ["rtclint"] + json.loads(sys.argv[1])
sys.stdout = io.StringIO()
try:
    runpy.run_module("rtclint", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def loaded(args, cwd):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")][-1]
    return {m.split(".")[0] for m in json.loads(line[len("MODULES "):])}


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "html", "mermaid"])
def test_machine_formats_never_load_rich(tmp_path, fmt):
    (tmp_path / "homeserver.yaml").write_text(
        "server_name: example.com\nexperimental_features:\n  msc3266_enabled: true\n")
    for extra in ([], ["--statistics"] if fmt == "json" else []):
        tops = loaded(["check", "--no-cache", "--output-format", fmt, *extra, "homeserver.yaml"], tmp_path)
        assert "click" in tops and "rich" not in tops, fmt


def test_the_text_report_is_rendered_by_rich(tmp_path):
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    assert "rich" in loaded(["check", "--no-cache", "homeserver.yaml"], tmp_path)


def test_version_and_help_load_no_engine(tmp_path):
    for args in (["--version"], ["check", "--help"]):
        tops = loaded(args, tmp_path)
        assert not tops & {"rich", "yaml", "lark", "crossplane"}, args
