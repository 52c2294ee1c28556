"""Start-up guard: a pre-commit run on one file must not import the heavy libraries.

Each case runs rtclint's CLI in a fresh interpreter and lists the modules it loaded."""

import json
import subprocess
import sys

import pytest

PROBE = """
import json, runpy, sys
sys.argv = ["rtclint"] + json.loads(sys.argv[1])
try:
    runpy.run_module("rtclint", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(m.split(".")[0] for m in sys.modules)) + "\\n")
"""

HEAVY_ALWAYS = {"rich", "ruamel", "httpx", "jsonschema", "hypothesis", "pygments", "lark_cython"}


def loaded_modules(args, cwd):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")][-1]
    return set(json.loads(line[len("MODULES "):]))


def test_version_imports_nothing_heavy(tmp_path):
    mods = loaded_modules(["--version"], tmp_path)
    assert not mods & (HEAVY_ALWAYS | {"yaml", "lark", "crossplane", "pathspec"}), mods & (HEAVY_ALWAYS | {"yaml", "lark"})
    assert "rtclint.engine" not in mods


@pytest.mark.parametrize("name,text,allowed", [
    ("homeserver.yaml", "server_name: example.com\n", {"yaml"}),
    ("docker-compose.yml", "services:\n  a:\n    image: x\n", {"yaml"}),
    ("nginx.conf", "events {}\nhttp { server { listen 80; } }\n", {"crossplane"}),
    (".env", "LIVEKIT_URL=wss://x\n", set()),
])
def test_one_file_check_imports_only_its_parser(tmp_path, name, text, allowed):
    (tmp_path / name).write_text(text)
    mods = loaded_modules(["check", "--no-cache", name], tmp_path)
    heavy = HEAVY_ALWAYS | {"yaml", "lark", "crossplane"}
    assert not (mods & heavy) - allowed, (mods & heavy) - allowed
