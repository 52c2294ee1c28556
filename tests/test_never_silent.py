"""Never a silent all-clear (issue 20, item 6): a run that recognised nothing says so and
fails under `--fail-on info`; configs rtclint cannot model are named (RTC004); a
directory rtclint cannot list is RTC002, tested with a real failure: the check runs in a
user namespace of its own (`unshare --user`), where the suite's root is an unmapped user
that a mode-000 directory really refuses (root outside it reads anything)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_rtclint
from trees import write

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
NOTHING = "Nothing recognised"


def _json(proc) -> dict:
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_an_empty_directory_says_so_and_fails_under_fail_on_info(tmp_path):
    quiet = run_rtclint(["check", "--no-cache", str(tmp_path)])
    assert quiet.returncode == 0 and "No file to check" in quiet.stdout and "All clear" not in quiet.stdout
    strict = run_rtclint(["check", "--no-cache", "--fail-on", "info", str(tmp_path)])
    assert strict.returncode == 1, strict.stdout
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert payload["files_checked"] == 0 and payload["files_recognised"] == 0


UNRELATED = {
    ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n",
    "README.md": "# a web shop\n",
}


def test_an_unrelated_project_is_no_all_clear(tmp_path):
    write(str(tmp_path), UNRELATED)
    quiet = run_rtclint(["check", "--no-cache", str(tmp_path)])
    assert quiet.returncode == 0, quiet.stdout
    assert NOTHING in quiet.stdout and "All clear" not in quiet.stdout, quiet.stdout
    assert run_rtclint(["check", "--no-cache", "--fail-on", "info", str(tmp_path)]).returncode == 1
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert payload["files_checked"] == 2 and payload["files_recognised"] == 0 and payload["diagnostics"] == []


def test_a_recognised_tree_is_not_called_unrecognised(tmp_path):
    tree = os.path.join(FIXTURES, "RTC005", "complete-stack", "tree")
    text = run_rtclint(["check", "--no-cache", tree])
    assert NOTHING not in text.stdout, text.stdout
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", tree]))
    assert payload["files_recognised"] == payload["files_checked"] == 5
    # --fail-on info fails for findings only, not for the tree (a clean run passes)
    clean = run_rtclint(["check", "--no-cache", "--fail-on", "info", "--select", "RTC004", tree])
    assert clean.returncode == 0 and "All clear" in clean.stdout, clean.stdout


@pytest.mark.parametrize("case, what", [
    ("apache-vhost", "Apache httpd config"), ("lighttpd", "lighttpd config"),
    ("haproxy-lua", "HAProxy Lua script"), ("caddy-json", "Caddy JSON config"),
])
def test_a_config_rtclint_cannot_model_is_named(case, what):
    proc = run_rtclint(["check", "--no-cache", "--format", "json", os.path.join(FIXTURES, "RTC004", case, "tree")])
    found = [d for d in _json(proc)["diagnostics"] if d["code"] == "RTC004"]
    assert len(found) == 1 and found[0]["message"].startswith(what + ":"), found
    assert proc.returncode == 1  # a warning: the default --fail-on


def test_an_apache_vhost_beside_nginx_is_named_and_nginx_still_read(tmp_path):
    write(str(tmp_path), {
        "nginx/nginx.conf": "events {}\nhttp { server { listen 80; server_name example.com; } }\n",
        "apache/matrix.conf": "<VirtualHost *:443>\n  ServerName matrix.example.com\n</VirtualHost>\n",
    })
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert payload["files_recognised"] == 1
    assert [(d["code"], d["path"].rsplit("/", 2)[-2:]) for d in payload["diagnostics"] if d["code"] == "RTC004"] \
        == [("RTC004", ["apache", "matrix.conf"])]


def test_a_caddy_json_named_config_json_is_named_and_element_call_s_is_read(tmp_path):
    write(str(tmp_path), {
        "caddy/config.json": '{"apps": {"http": {"servers": {}}}}\n',
        "call/config.json": '{"livekit": {"livekit_service_url": "https://rtc.example.com/livekit/jwt"}}\n',
    })
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert [d["path"].rsplit("/", 2)[-2] for d in payload["diagnostics"] if d["code"] == "RTC004"] == ["caddy"]
    assert payload["files_recognised"] == 1  # Element Call's config.json


def test_an_apache_file_named_on_the_command_line_is_named(tmp_path):
    write(str(tmp_path), {"matrix.conf": "ProxyPass /_matrix http://127.0.0.1:8008/_matrix\n"})
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path / "matrix.conf")]))
    assert [d["code"] for d in payload["diagnostics"]] == ["RTC004"]


def _locked_tree(tmp_path):
    write(str(tmp_path), {"proxy/Caddyfile": "example.com {\n  respond 200\n}\n",
                          "locked/Caddyfile": "matrix.example.com {\n  respond 200\n}\n"})
    os.chmod(tmp_path / "locked", 0)
    return tmp_path


def _in_own_user_namespace(args, cwd):
    unshare = shutil.which("unshare")
    assert unshare, "util-linux unshare is needed for the real unreadable-directory test"
    return subprocess.run([unshare, "--user", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_an_unreadable_directory_is_rtc002_with_a_real_permission_failure(tmp_path):
    tree = _locked_tree(tmp_path)
    try:
        # the premise: in its own namespace the process really cannot list it (root can)
        assert os.listdir(tree / "locked") == ["Caddyfile"]
        listing = _in_own_user_namespace(["ls", "locked"], cwd=tree)
        assert listing.returncode != 0 and "Permission denied" in listing.stderr, listing
        proc = _in_own_user_namespace([sys.executable, "-m", "rtclint", "check", "--no-cache", "--format", "json",
                                       "."], cwd=tree)
        payload = _json(proc)
        found = [(d["code"], d["path"], d["message"]) for d in payload["diagnostics"] if d["code"] == "RTC002"]
        assert len(found) == 1 and found[0][1] == "locked", payload["diagnostics"]
        assert "cannot be listed (Permission denied)" in found[0][2] and "nothing under it" in found[0][2]
        assert proc.returncode == 1  # an error
        # the same tree read by root outside the namespace: both Caddyfiles, no RTC002
        outside = _json(run_rtclint(["check", "--no-cache", "--format", "json", "."], cwd=tree))
        assert not [d for d in outside["diagnostics"] if d["code"] == "RTC002"]
        assert outside["files_checked"] == 2 and payload["files_checked"] == 2  # the dir, and proxy/Caddyfile
    finally:
        os.chmod(tree / "locked", 0o755)


def test_an_unreadable_directory_named_on_the_command_line_is_rtc002(tmp_path):
    tree = _locked_tree(tmp_path)
    try:
        proc = _in_own_user_namespace([sys.executable, "-m", "rtclint", "check", "--no-cache", "locked"], cwd=tree)
        assert proc.returncode == 1 and "locked:1:1: RTC002" in proc.stdout, proc.stdout + proc.stderr
        assert "All clear" not in proc.stdout
    finally:
        os.chmod(tree / "locked", 0o755)


# A Synapse, Continuwuity or Tuwunel vars.yml is read as the configs the playbook writes
# (tests/test_templates_playbook_vars.py, tests/test_playbook_rtc.py); these stay unread (another
# homeserver, a template expression) and RTC004 names them.
@pytest.mark.parametrize("variables, says", [
    ("matrix_homeserver_implementation: dendrite\n", "it deploys no call backend"),
    ("matrix_homeserver_implementation: conduit\nmatrix_element_call_enabled: true\n",
     "https://matrix.example.com/livekit-jwt-service"),
    ("matrix_homeserver_implementation: dendrite\nmatrix_rtc_enabled: true\n",
     "https://matrix.example.com/livekit-jwt-service"),
    ("matrix_homeserver_implementation: conduit\nmatrix_element_call_enabled: true\nmatrix_rtc_enabled: false\n",
     "it deploys no call backend"),
    ('matrix_rtc_enabled: "{{ vault_rtc }}"\n', "depends on a template expression"),
])
def test_a_playbook_vars_yml_says_what_the_playbook_deploys_for_calls(tmp_path, variables, says):
    write(str(tmp_path), {"inventory/host_vars/matrix.example.com/vars.yml":
                          f"matrix_domain: example.com\n{variables}"})
    found = [d for d in _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))["diagnostics"]
             if d["code"] == "RTC004"]
    assert len(found) == 1 and found[0]["message"].startswith("matrix-docker-ansible-deploy vars.yml")
    assert says in found[0]["message"], found[0]["message"]


def test_an_openresty_site_with_inline_lua_stays_an_nginx_file(tmp_path):
    write(str(tmp_path), {"sites-enabled/matrix.conf": """\
        server {
            listen 443 ssl;
            server_name example.com;
            location = /.well-known/matrix/server {
                content_by_lua_block { ngx.say('{"m.server": "matrix.example.com:443"}') }
            }
        }
        """})
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert payload["files_recognised"] == 1 and "RTC004" not in {d["code"] for d in payload["diagnostics"]}


def test_an_apache_vhost_template_is_named_too(tmp_path):
    write(str(tmp_path), {"roles/web/templates/matrix.conf.j2":
                          "<VirtualHost *:443>\n  ServerName {{ matrix_domain }}\n</VirtualHost>\n"})
    payload = _json(run_rtclint(["check", "--no-cache", "--format", "json", str(tmp_path)]))
    assert [(d["code"], d["line"]) for d in payload["diagnostics"]] == [("RTC004", 1)]
