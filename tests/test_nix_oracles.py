"""The NixOS reader against the real programs:

- Nix itself (Debian's nix-bin): `nix-instantiate --parse` accepts every fixture rtclint
  parses and rejects each broken one at the line:column of rtclint's RTC001;
  `nix-instantiate --eval --strict --json` gives the same values as rtclint's literal
  reading (strings with escapes, `''…''` indentation stripping, `let`, merged attribute
  paths) for every option subtree rtclint calls known;
- nginx: the configuration rtclint renders from `services.nginx` passes `nginx -t`;
- Caddy: the Caddyfile rendered from `services.caddy` passes `caddy adapt`.
"""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from servers import NGINX, caddy_adapt, make_cert
from rtclint.document import Document
from rtclint.parsers import nix_caddy, nix_nginx
from rtclint.parsers.nix import read, systems
from rtclint.parsers.nix_imports import imported_elsewhere, parsed
from rtclint.parsers.base import Tree
from rtclint.parsers.nix_syntax import parse

NIX = shutil.which("nix-instantiate")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "nix")
ARGS = "{ config = {}; lib = {}; pkgs = {}; }"
# option subtrees the readers use, compared value for value with Nix's evaluation
SUBTREES = (("services", "matrix-synapse", "settings"), ("services", "matrix-continuwuity", "settings"),
            ("services", "livekit", "settings"), ("services", "lk-jwt-service", "environment"),
            ("services", "nginx", "virtualHosts"), ("services", "caddy", "virtualHosts"),
            ("networking", "firewall"))
SYNTAX = ["{\n  a = 1\n  b = 2;\n}\n", "{ a = [ 1 2 ; }", "let x = 1; { }", "{ a.b = \"x; }\n", "{ a = ''\n x\n",
          "{ ${ = 1; }", "{ a = 1; } }", "[ 1 -2 ]"]
INDENTED = ["''\n    a\n      b\n  ''", "''  x\n  y''", "''\n\n    a\n\n    b\n    ''", "''\n  a ''${b} '''c'''\n''",
            "''\n\ta\n  b\n''", "''\n    a ''\\n b\n    ''", "''a\n  b''", "''\n  \n  x\n   ''", "''''",
            "''\n  ''\\ x\n    y\n''", "''\n  ''$x\n    y\n  ''", "''   \n  a\n  ''\\n    b''",
            "''\n    a\n  ''", "'' a\n b\n''", "''\n  a\n\n\n  b\n    \n''", "''\n  a\n  ''\\n''",
            "''\n  a ${d}\n    b ${toString n}\n''", "''\n  ${d}\n    x\n''", "''${sp}\n  y\n  ''",
            "''\n    x\n  ${sp}''", "\"https://${d}:${toString n}/\"", "''\n  ${nl}  y\n''"]
# a location rtclint cannot know is rendered as `return 200 "$nix_unknown"` (its
# placeholder, not NixOS's text): the real nginx is given that variable
UNKNOWN_VARIABLE = 'http {\n  map $host $nix_unknown { default ""; }\n'
LETS = 'let d = "dom.example"; n = 8448; sp = "  "; nl = "\n"; in'  # bound for the INDENTED cases

def nix(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    assert NIX is not None, "nix-instantiate is missing: tools/install-system-deps.sh installs Debian's nix-bin"
    env = {**os.environ, "NIX_STATE_DIR": "/tmp/rtclint-nix-state", "NIX_CONF_DIR": "/tmp/rtclint-nix-conf",
           "NIX_REMOTE": ""}
    return subprocess.run([NIX, *args], capture_output=True, text=True, timeout=120, input=stdin, env=env)


def fixture_files() -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(FIXTURES):
        found += [os.path.join(dirpath, f) for f in files if f.endswith(".nix")]
    return sorted(found)


def load(path: str) -> Document:
    with open(path, encoding="utf-8") as fh:
        return Document(path=os.path.relpath(path, ROOT), abspath=path, kind="nix", text=fh.read())


def fixture_tree() -> Tree:
    """The fixtures as one run: a module imported by another is read through it."""
    docs = {os.path.abspath(p): load(p) for p in fixture_files()}
    return Tree([FIXTURES], docs.get, {path: "nix" for path in docs})


def merged_systems(path: str) -> list:
    """What the NixOS reader reads from a fixture: the merged config of each system it is
    the top of (none for a module another fixture imports, nor for a broken file)."""
    doc, tree = load(path), fixture_tree()
    result = parsed(doc)
    if result.errors or (imported_elsewhere(doc, tree) and not (result.hosts or result.exported)):
        return []
    return systems(doc, result, tree)


def nix_error_at(text: str, tmp_path) -> tuple[int, int] | None:
    path = tmp_path / "case.nix"
    path.write_text(text)
    proc = nix("--parse", str(path))
    if proc.returncode == 0:
        return None
    m = re.search(r"at .*?:(\d+):(\d+)", proc.stderr)
    assert m, proc.stderr
    return int(m.group(1)), int(m.group(2))


def test_nix_parses_every_fixture_rtclint_parses_and_rejects_the_broken_one(tmp_path):
    files = fixture_files()
    assert len(files) >= 10
    for path in files:
        doc = load(path)
        errors = [d for d in read(doc, Tree([FIXTURES], lambda p: None)).diagnostics if d.code == "RTC001"]
        proc = nix("--parse", path)
        assert (proc.returncode == 0) == (not errors), (path, proc.stderr)
        if errors:
            m = re.search(r"at .*?:(\d+):(\d+)", proc.stderr)
            assert m and doc.line_col(errors[0].span.start) == (int(m.group(1)), int(m.group(2))), proc.stderr


@pytest.mark.parametrize("text", SYNTAX)
def test_rtclint_reports_syntax_errors_where_nix_does(text, tmp_path):
    doc = Document(path="case.nix", abspath=str(tmp_path / "case.nix"), kind="nix", text=text)
    parsed = parse(doc)
    expected = nix_error_at(text, tmp_path)
    assert expected is not None and parsed.errors, text
    assert doc.line_col(parsed.errors[0][0]) == expected, (text, parsed.errors)


def test_literal_values_are_the_ones_nix_evaluates():
    compared = 0
    for path in fixture_files():
        doc = load(path)
        root = parse(doc).root
        if root is None:
            continue
        for names in SUBTREES:
            value = root.get(*names)
            if value is None or not value.known:
                continue
            selector = ".".join(f'"{n}"' for n in names)
            proc = nix("--eval", "--strict", "--json", "--expr", f"(import {path} {ARGS}).{selector}")
            assert proc.returncode == 0, (path, names, proc.stderr)
            assert json.loads(proc.stdout) == value.python(), (path, names)
            compared += 1
    assert compared >= 20


def test_indented_strings_are_stripped_as_nix_strips_them():
    expr = LETS + " { " + " ".join(f"s{i} = {s};" for i, s in enumerate(INDENTED)) + " }"
    proc = nix("--eval", "--strict", "--json", "--expr", expr)
    assert proc.returncode == 0, proc.stderr
    expected = json.loads(proc.stdout)
    doc = Document(path="s.nix", abspath="/s.nix", kind="nix", text=expr)
    root = parse(doc).root
    assert {k: v.value for k, v in root.value.items()} == expected


def rendered_nginx_ok(path: str, tmp_path) -> subprocess.CompletedProcess:
    doc = load(path)
    [root] = merged_systems(path)
    certs = make_cert(str(tmp_path / "certs"), ["*.example.com", "example.com"])
    text = nix_nginx.render(doc, root.get("services", "nginx"), ssl_files=(certs.cert, certs.key)).text
    text = text.replace("http {\n", UNKNOWN_VARIABLE, 1)
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n{text}")
    return subprocess.run([NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(main), "-e", "stderr"],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("path", [p for p in fixture_files() if any(
    getattr(s.get("services", "nginx"), "kind", None) == "attrs" for s in merged_systems(p))])
def test_the_nginx_config_rendered_from_nixos_passes_nginx_t(path, tmp_path):
    proc = rendered_nginx_ok(path, tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_the_rendered_nginx_config_holds_what_the_nixos_module_writes():
    doc = load(os.path.join(FIXTURES, "good", "configuration.nix"))
    text = nix_nginx.render(doc, parse(doc).root.get("services", "nginx")).text
    assert "map $http_upgrade $connection_upgrade {" in text
    sfu = text[text.index("location ^~ /livekit/sfu/ {"):]
    sfu = sfu[:sfu.index("\n    }")]
    assert "proxy_set_header Upgrade $http_upgrade;" in sfu
    assert "proxy_set_header Connection $connection_upgrade;" in sfu
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in sfu  # recommendedProxySettings
    assert text.count("return 301 https://$host$request_uri;") == 3  # forceSSL, one per host
    assert "listen 0.0.0.0:443 ssl;" in text and "listen [::0]:443 ssl;" in text


@pytest.mark.parametrize("path", [p for p in fixture_files() if any(
    nix_caddy.render(load(p), s.get("services", "caddy")) for s in merged_systems(p)
    if s.get("services", "caddy") is not None)])
def test_the_caddyfile_rendered_from_nixos_passes_caddy_adapt(path, tmp_path):
    doc = load(path)
    [root] = merged_systems(path)
    generated = nix_caddy.render(doc, root.get("services", "caddy"))
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(generated.text)
    verdict = caddy_adapt(str(caddyfile))
    assert verdict.ok, verdict.output
    hosts = {h for server in verdict.adapted["apps"]["http"]["servers"].values() for route in server["routes"]
             for match in route.get("match", []) for h in match.get("host", [])}
    assert "matrix.example.org" in hosts


@pytest.mark.servers
def test_the_real_nginx_and_caddy_answer_the_rendered_configs_as_the_model_does(tmp_path):
    """`make replay` on what NixOS would run: every client request against the real
    nginx and Caddy and against rtclint's answer model, for every fixture."""
    rendered: dict[str, str] = {}  # text -> file name; the broken variants share most of theirs
    for path, root in ((p, s) for p in fixture_files() for s in merged_systems(p)):
        doc = load(path)
        nginx = root.get("services", "nginx")
        text = nix_nginx.render(doc, nginx).text if nginx is not None and nginx.kind == "attrs" else ""
        if "server {" in text:  # else every virtual host is unknown: nothing to replay
            text = text.replace("http {\n", UNKNOWN_VARIABLE, 1)  # as for nginx -t
            rendered.setdefault("events {}\n" + text, "nginx.conf")
        if root.get("services", "caddy") is not None:
            caddyfile = nix_caddy.render(doc, root.get("services", "caddy"))  # None: Caddy JSON, not read
            if caddyfile is not None:
                rendered.setdefault(caddyfile.text, "Caddyfile")
    configs = []
    for index, (text, name) in enumerate(rendered.items()):
        (tmp_path / str(index)).mkdir()
        (tmp_path / str(index) / name).write_text(text)
        configs.append(str(tmp_path / str(index) / name))
    assert len(configs) >= 6
    proc = subprocess.run([sys.executable, "-m", "tools.replay", *configs], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    m = re.fullmatch(r"replay: (\d+) configs, (\d+) requests on ([a-z, ]+): (\d+) disagreements, (\d+) unknown", last)
    assert m, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert int(m.group(1)) == len(configs) and m.group(3) == "nginx, caddy", last
    assert m.group(4) == "0", proc.stdout[-20000:]
