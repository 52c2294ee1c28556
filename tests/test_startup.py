"""Start-up guard: a pre-commit run on one file must not import the heavy libraries.

dataclasses, typing, inspect and click are welcome (the libraries replaced hand-made copies
of them); what stays lazy is what only some runs need. Each case runs rtclint's CLI in a fresh interpreter and lists the modules it loaded (full
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

# Never for a check: probe, schema, fuzzing and round-trip YAML libraries (ruamel.yaml is
# for the YAML fixes), and rich whenever the output is for a machine.
HEAVY_ALWAYS = {"ruamel", "httpx", "jsonschema", "hypothesis", "pygments", "lark_cython"}
# Loaded only when their feature is used: the parse cache is not needed with --no-cache,
# OpenSSL (_hashlib) only by SARIF/baseline fingerprints and Lark (Caddyfiles), the
# process pool only for big trees.
NOT_FOR_ONE_FILE = {"_hashlib", "hmac", "tempfile", "multiprocessing", "concurrent", "rtclint.baseline",
                    "rtclint.fix", "rtclint.probe", "rtclint.report.sarif"}
# Each parser library only for its own format.
PARSER_LIBRARIES = {"yaml", "lark", "crossplane"}


def loaded_modules(args, cwd, env=None):
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60, env=env)
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES ")][-1]
    return set(json.loads(line[len("MODULES "):]))


def tops(mods):
    return {m.split(".")[0] for m in mods}


def test_version_imports_nothing_heavy(tmp_path):
    mods = loaded_modules(["--version"], tmp_path)
    heavy = HEAVY_ALWAYS | PARSER_LIBRARIES | {"pathspec", "rich"}
    assert not tops(mods) & heavy, tops(mods) & heavy
    pipeline = ("rtclint.engine", "rtclint.model", "rtclint.rules", "rtclint.parsers")
    assert not {m for m in mods if m.startswith(pipeline)}, sorted(m for m in mods if m.startswith(pipeline))
    assert not mods & NOT_FOR_ONE_FILE


@pytest.mark.parametrize("name,text,allowed,cache_stdlib", [
    ("homeserver.yaml", "server_name: example.com\n", {"yaml"}, set()),
    ("docker-compose.yml", "services:\n  a:\n    image: x\n", {"yaml"}, set()),
    ("nginx.conf", "events {}\nhttp { server { listen 80; } }\n", {"crossplane"}, set()),
    (".env", "LIVEKIT_URL=wss://x\n", set(), set()),
    # Lark's grammar cache names its file by a hash and writes it through a temporary file.
    ("Caddyfile", "example.com {\n\treverse_proxy localhost:8008\n}\n", {"lark"}, {"_hashlib", "tempfile"}),
])
def test_one_file_check_imports_only_its_parser(tmp_path, name, text, allowed, cache_stdlib):
    """A pre-commit run on one file (text output: rich draws it, and rich brings pickle)."""
    (tmp_path / name).write_text(text)
    mods = loaded_modules(["check", "--no-cache", name], tmp_path)
    heavy = HEAVY_ALWAYS | PARSER_LIBRARIES
    assert not (tops(mods) & heavy) - allowed, (tops(mods) & heavy) - allowed
    unwanted = (NOT_FOR_ONE_FILE | {"rtclint.cache"}) - cache_stdlib
    assert not mods & unwanted, mods & unwanted


@pytest.mark.parametrize("output", ["json", "sarif", "github"])
def test_machine_output_never_loads_rich(tmp_path, output):
    """rich draws for people; JSON, SARIF and GitHub annotations are read by programs."""
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    mods = loaded_modules(["check", "--no-cache", "--format", output, "homeserver.yaml"], tmp_path)
    assert "rtclint.report" in {m.rsplit(".", 1)[0] for m in mods} or any(m.startswith("rtclint.report") for m in mods)
    assert "rich" not in tops(mods), sorted(m for m in mods if m.startswith("rich"))


def test_a_cached_one_file_run_loads_the_cache_but_not_openssl(tmp_path):
    """The default (cached) pre-commit run: the cache signs with keyed BLAKE2b from the C
    module, so hashlib's OpenSSL start-up is not paid on every commit."""
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "home-cache"), "HOME": str(tmp_path)}
    for _ in range(2):  # the first run writes entries, the second reads them
        mods = loaded_modules(["check", "homeserver.yaml"], tmp_path, env)
        assert "rtclint.cache" in mods
        assert not mods & NOT_FOR_ONE_FILE, mods & NOT_FOR_ONE_FILE
        assert not tops(mods) & (HEAVY_ALWAYS | {"lark", "crossplane"}), tops(mods) & HEAVY_ALWAYS
    assert (tmp_path / ".rtclint_cache").is_dir()


def test_the_pre_commit_run_in_a_git_tree_reads_the_gitignore_and_stays_light(tmp_path):
    """The hook runs `rtclint check --context . FILES` at a repository root, which nearly
    always has a .gitignore: pathspec reads it; nothing else heavy comes along."""
    (tmp_path / ".gitignore").write_text("build/\n*.log\n")
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    mods = loaded_modules(["check", "--no-cache", "--context", ".", "homeserver.yaml"], tmp_path)
    assert "rtclint.ignore" in mods and "pathspec" in tops(mods)  # the .gitignore was read
    assert not tops(mods) & (HEAVY_ALWAYS | {"lark", "crossplane"}), tops(mods) & HEAVY_ALWAYS
    assert not mods & NOT_FOR_ONE_FILE, mods & NOT_FOR_ONE_FILE


def test_a_tree_without_patterns_does_not_load_pathspec(tmp_path):
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    mods = loaded_modules(["check", "--no-cache", "."], tmp_path)
    assert "rtclint.parsers.yaml_synapse" in mods or any(m.startswith("rtclint.parsers") for m in mods)
    assert "pathspec" not in tops(mods)


def test_a_warm_cache_does_not_import_the_parsers(tmp_path):
    """Facts come from the cache, so the Caddy parser (and lark, ~70 ms) is not loaded."""
    (tmp_path / "Caddyfile").write_text("example.com {\n\trespond /.well-known/matrix/client 200\n}\n")
    # no bytecode written: a __pycache__ made in a package folder by the cold run changes the
    # folder's mtime, which the cache reads as changed code (cache.code_fingerprint)
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path / "home-cache"), "HOME": str(tmp_path),
           "PYTHONDONTWRITEBYTECODE": "1"}
    cold = loaded_modules(["check", "Caddyfile"], tmp_path, env)
    warm = loaded_modules(["check", "Caddyfile"], tmp_path, env)
    assert "lark" in tops(cold) and "rtclint.parsers.caddy" in cold
    assert "lark" not in tops(warm) and "rtclint.parsers.caddy" not in warm


def test_a_file_without_urls_does_not_load_the_url_parser(tmp_path):
    """urllib.parse brings ipaddress along (~3 ms); only a tree that names URLs needs it."""
    (tmp_path / "livekit.yaml").write_text("port: 7880\nrtc:\n  tcp_port: 7881\n  udp_port: 7882\n"
                                           "keys:\n  devkey: secret-secret-secret-secret-secret\n")
    mods = loaded_modules(["check", "--no-cache", "livekit.yaml"], tmp_path)
    assert "rtclint.parsers.yaml_livekit" in mods
    assert not mods & {"urllib.parse", "ipaddress"}, mods & {"urllib.parse", "ipaddress"}


def test_a_kubernetes_file_loads_no_compose_resolver_and_no_suppressions(tmp_path):
    """A manifest is read without the Compose reader and resolver (image roles live in
    the model), and a tree without `rtclint:` comments never loads the suppression scanner."""
    (tmp_path / "app.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: jwt}\nspec:\n"
                                       "  template:\n    spec:\n      containers:\n"
                                       "        - name: jwt\n          image: ghcr.io/element-hq/lk-jwt-service:0.3.0\n")
    mods = loaded_modules(["check", "--no-cache", "--format", "json", "app.yaml"], tmp_path)
    assert "rtclint.parsers.yaml_kube" in mods  # it was read as a manifest
    compose = {m for m in mods if m.startswith(("rtclint.parsers.yaml_compose", "rtclint.resolve",
                                                 "rtclint.parsers.envfile"))}
    assert not compose, sorted(compose)
    assert "rtclint.suppress" not in mods
    (tmp_path / "app.yaml").write_text("# rtclint: disable=RTC901\n" + (tmp_path / "app.yaml").read_text())
    assert "rtclint.suppress" in loaded_modules(["check", "--no-cache", "--format", "json", "app.yaml"], tmp_path)


def test_the_engine_looks_for_the_suppression_marker():
    from rtclint import engine, suppress

    assert engine.SUPPRESSION_MARKER == suppress.MARKER


KUBE_JWT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: jwt, namespace: rtc}
spec:
  selector: {matchLabels: {app: jwt}}
  template:
    metadata: {labels: {app: jwt}}
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.6.3
          env:
            - {name: LIVEKIT_URL, value: "wss://rtc.example.com"}
          ports: [{containerPort: 8080}]
"""


def test_a_kubernetes_file_without_a_proxy_loads_no_proxy_model_and_only_the_rules_it_needs(tmp_path):
    """Rules are imported only for the kinds of facts a deployment holds (rules/scope.py),
    the proxy classes and the answer model only when there is a proxy, the other formats'
    readers (Nix, Traefik, the playbook's vars.yml) only for their files."""
    from rtclint.rules import READS, RULE_MODULES

    (tmp_path / "jwt.yaml").write_text(KUBE_JWT)
    mods = loaded_modules(["check", "--no-cache", "--format", "json", "jwt.yaml"], tmp_path)
    assert "rtclint.parsers.yaml_kube" in mods  # it was read
    others = ("rtclint.parsers.nix", "rtclint.parsers.traefik", "rtclint.parsers.playbook", "rtclint.parsers.caddy",
              "rtclint.parsers.nginx", "rtclint.parsers.haproxy", "rtclint.parsers.toml")
    assert not {m for m in mods if m.startswith(others)}, sorted(m for m in mods if m.startswith(others))
    # (the answer model comes with a request the JSON call path sends; each proxy's reader only
    # with a site of its kind)
    proxy_model = {"rtclint.model.proxy", "rtclint.model.answer_nginx", "rtclint.model.answer_caddy",
                   "rtclint.model.answer_traefik", "rtclint.model.traefik_rule", "rtclint.model.firewall"}
    assert not mods & proxy_model, mods & proxy_model
    rules = {m for m in mods if m in RULE_MODULES}
    homeserver_kinds = {"synapse", "ess", "toml"}
    homeserver_only = {m for m, name in zip(RULE_MODULES, READS) if set(READS[name].split()) <= homeserver_kinds}
    assert homeserver_only and not rules & homeserver_only, rules & homeserver_only
    assert rules and len(rules) < len(RULE_MODULES) * 2 // 3, len(rules)


def test_a_lone_manifest_loads_no_answer_model_no_upstream_roles_and_no_yaml_writer(tmp_path):
    """The pre-commit run on one manifest whose call path sends no request (no server_name,
    LIVEKIT_URL in a Secret the tree does not hold): neither the answer model nor the rules'
    reading of proxy upstreams is imported for it, and a check that builds no YAML fix loads
    no round-trip writer (nor difflib)."""
    manifest = KUBE_JWT.replace('{name: LIVEKIT_URL, value: "wss://rtc.example.com"}',
                                "{name: LIVEKIT_URL, valueFrom: {secretKeyRef: {name: rtc, key: url}}}")
    assert manifest != KUBE_JWT
    (tmp_path / "jwt.yaml").write_text(manifest)
    mods = loaded_modules(["check", "--no-cache", "--format", "json", "jwt.yaml"], tmp_path)
    assert "rtclint.model.callpath" in mods  # the JSON report's call path was built
    lazy = {"rtclint.model.answer", "rtclint.model.answer_hosts", "rtclint.rules.common.roles",
            "rtclint.yaml_roundtrip", "difflib"}
    assert not mods & lazy, mods & lazy


def test_a_compose_stack_with_a_proxy_answer_loads_what_it_asks_for(tmp_path):
    """The other side of the lazy imports above: a homeserver with a server_name makes the call
    path send requests (the answer model loads), and an upstream role asked of a proxied answer
    loads the rules' reading of it."""
    (tmp_path / "homeserver.yaml").write_text("server_name: example.com\n")
    (tmp_path / "Caddyfile").write_text("example.com {\n\treverse_proxy /.well-known/* synapse:8008\n}\n")
    mods = loaded_modules(["check", "--no-cache", "--format", "json", "."], tmp_path)
    assert {"rtclint.model.answer", "rtclint.rules.common.roles"} <= mods
