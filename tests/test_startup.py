"""Start-up guard: a pre-commit run on one file must not import the heavy libraries.

Each case runs rtclint's CLI in a fresh interpreter and lists the modules it loaded (full
dotted names). The speed figures themselves are in bench/ (bench/RESULTS.md)."""

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
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""

HEAVY_ALWAYS = {"rich", "ruamel", "httpx", "jsonschema", "hypothesis", "pygments", "lark_cython"}
# Loaded only when their feature is used: the parse cache is not needed with --no-cache,
# OpenSSL (_hashlib) only by SARIF/baseline fingerprints and the Caddy grammar cache, the
# process pool only for big trees.
NOT_FOR_ONE_FILE = {"_hashlib", "hmac", "tempfile", "multiprocessing", "concurrent", "rtclint.baseline",
                    "rtclint.fix", "rtclint.probe", "rtclint.report.sarif"}
# Modules that cost a one-file run more than their use is worth: click (~25 ms) and
# argparse with gettext and locale (~10 ms; it only reads what the quick reader leaves to
# it: help, errors), typing (~5 ms; annotations are strings, TYPE_CHECKING is a local
# False). dataclasses (with inspect/ast/dis/tokenize) is allowed: the model is built from it.
SLOW_STDLIB = {"click", "argparse", "gettext", "typing"}


def loaded_modules(args, cwd, env=None):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env=env)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")][-1]
    return set(json.loads(line[len("MODULES "):]))


def tops(mods):
    return {m.split(".")[0] for m in mods}


def test_version_imports_nothing_heavy(tmp_path):
    mods = loaded_modules(["--version"], tmp_path)
    heavy = HEAVY_ALWAYS | {"yaml", "lark", "crossplane", "pathspec"}
    assert not tops(mods) & heavy, tops(mods) & heavy
    ours = {m for m in mods if m.startswith("rtclint.")}
    assert ours <= {"rtclint.cli", "rtclint.__main__"}, ours  # no engine, model, rules or parsers
    assert not mods & NOT_FOR_ONE_FILE
    assert not mods & SLOW_STDLIB, mods & SLOW_STDLIB


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
    assert not (tops(mods) & heavy) - allowed, (tops(mods) & heavy) - allowed
    assert not mods & (NOT_FOR_ONE_FILE | {"rtclint.cache", "pickle"}), mods & (NOT_FOR_ONE_FILE | {"rtclint.cache"})
    assert not mods & SLOW_STDLIB, mods & SLOW_STDLIB


def test_a_cached_one_file_run_loads_the_cache_but_not_openssl(tmp_path):
    """The default (cached) pre-commit run: the cache signs with keyed BLAKE2b from the C
    module, so hashlib's OpenSSL start-up is not paid on every commit."""
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "home-cache"), "HOME": str(tmp_path)}
    for _ in range(2):  # the first run writes entries, the second reads them
        mods = loaded_modules(["check", "homeserver.yaml"], tmp_path, env)
        assert "rtclint.cache" in mods
        assert not mods & NOT_FOR_ONE_FILE, mods & NOT_FOR_ONE_FILE
    assert (tmp_path / ".rtclint_cache").is_dir()


def test_the_pre_commit_run_in_a_git_tree_stays_light(tmp_path):
    """The hook runs `rtclint check --context . FILES` at a repository root, which nearly
    always has a .gitignore: reading it must not pull in a gitignore library."""
    (tmp_path / ".gitignore").write_text("build/\n*.log\n")
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    mods = loaded_modules(["check", "--no-cache", "--context", ".", "homeserver.yaml"], tmp_path)
    assert "rtclint.gitignore" in mods  # the .gitignore was read
    assert not tops(mods) & {"pathspec", "rich", "ruamel"}, tops(mods) & {"pathspec", "rich", "ruamel"}
    assert not mods & SLOW_STDLIB, mods & SLOW_STDLIB


def test_a_warm_cache_does_not_import_the_parsers(tmp_path):
    """Facts come from the cache, so the Caddy parser (and lark, ~70 ms) is not loaded."""
    (tmp_path / "Caddyfile").write_text("example.com {\n\trespond /.well-known/matrix/client 200\n}\n")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "home-cache"), "HOME": str(tmp_path)}
    cold = loaded_modules(["check", "Caddyfile"], tmp_path, env)
    warm = loaded_modules(["check", "Caddyfile"], tmp_path, env)
    assert "lark" in tops(cold) and "rtclint.parsers.caddy" in cold
    assert "lark" not in tops(warm) and "rtclint.parsers.caddy" not in warm


def test_a_one_file_caddy_check_does_not_import_lark_once_its_tables_exist(tmp_path):
    """The Caddy grammar runs on plain-data LALR tables (caddy_lalr) cached in the user
    cache dir: lark (~70 ms) is imported only by the run that builds them."""
    (tmp_path / "Caddyfile").write_text("example.com {\n\treverse_proxy localhost:8008\n}\n")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "home-cache"), "HOME": str(tmp_path)}
    first = loaded_modules(["check", "--no-cache", "Caddyfile"], tmp_path, env)
    second = loaded_modules(["check", "--no-cache", "Caddyfile"], tmp_path, env)
    assert "lark" in tops(first) and "rtclint.parsers.caddy_lalr" in first  # built the tables
    assert list((tmp_path / "home-cache" / "rtclint").glob("caddyfile-*.lalr.marshal"))
    assert "rtclint.parsers.caddy_lalr" in second
    assert "lark" not in tops(second), sorted(m for m in second if m.startswith("lark"))
    assert not second & (NOT_FOR_ONE_FILE | {"pickle"}), second & (NOT_FOR_ONE_FILE | {"pickle"})
    assert not second & SLOW_STDLIB, second & SLOW_STDLIB


def test_a_file_without_urls_does_not_load_the_url_parser(tmp_path):
    """urllib.parse brings ipaddress along (~3 ms); only a tree that names URLs needs it."""
    (tmp_path / "livekit.yaml").write_text("port: 7880\nrtc:\n  tcp_port: 7881\n  udp_port: 7882\n"
                                           "keys:\n  devkey: secret-secret-secret-secret-secret\n")
    mods = loaded_modules(["check", "--no-cache", "livekit.yaml"], tmp_path)
    assert "rtclint.parsers.yaml_livekit" in mods
    assert not mods & {"urllib.parse", "ipaddress"}, mods & {"urllib.parse", "ipaddress"}
