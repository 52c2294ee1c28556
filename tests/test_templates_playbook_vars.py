"""matrix-docker-ansible-deploy's vars.yml read as the configs the playbook writes (issue 20,
item 4; parsers/playbook_vars.py): the homeserver settings and client well-known it
deploys, with the playbook's defaults, feed the same rules as a homeserver.yaml and a
served well-known. A vars.yml whose call path rests on a value rtclint cannot read stays
unread and RTC004 names it; an Ansible role's own vars.yml is not the playbook's. Each
case in tests/fixtures/playbook_vars holds exactly the findings of its expected.json, and
rtclint never edits the file (its findings are under Synapse's names)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import check_json, run_rtclint
from expectations import cases, describe, load, problems

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "playbook_vars")
VARS = "inventory/host_vars/matrix.example.com/vars.yml"


@pytest.mark.parametrize("case", [os.path.basename(c) for c in cases(FIXTURES)])
def test_each_case_has_exactly_its_findings(case):
    tree = os.path.join(FIXTURES, case, "tree")
    expected = load(os.path.join(FIXTURES, case, "expected.json"))
    found = check_json(".", cwd=tree)["diagnostics"]
    assert not problems(expected, found), describe(found)
    assert sorted((d["code"], d["line"]) for d in found) == \
        sorted((w["code"], w["line"]) for w in expected["must"]), describe(found)
    assert all(d["fix"] is None for d in found)


def _facts(tmp_path, text: str):
    from trees import run

    result = run(tmp_path, {VARS: text})
    return result.deployment


def test_the_defaults_give_the_jwt_url_to_synapse_and_the_well_known(tmp_path):
    dep = _facts(tmp_path, "matrix_domain: example.org\nmatrix_rtc_enabled: true\n")
    (cfg,) = dep.synapse
    url = "https://matrix.example.org/livekit-jwt-service"
    assert cfg.server_name.value == "example.org"
    assert [t.value for t in cfg.transports] == [{"type": "livekit", "livekit_service_url": url}]
    assert {k: v.value for k, v in cfg.experimental.items()} == \
        {"msc4143_enabled": True, "msc4222_enabled": True, "msc4354_enabled": True}
    assert cfg.max_event_delay_duration.value == "24h"
    (wk,) = [w for w in dep.extra_well_knowns if w.source == "playbook"]
    body = json.loads(wk.body)
    assert body["m.homeserver"] == {"base_url": "https://matrix.example.org"}
    assert body["org.matrix.msc4143.rtc_foci"] == [{"type": "livekit", "livekit_service_url": url}]
    assert wk.hosts == []  # the base domain is the admin's own server unless the playbook serves it


def test_overridden_hosts_and_paths_follow_the_playbook(tmp_path):
    dep = _facts(tmp_path, "matrix_domain: example.org\nmatrix_server_fqn_matrix: hs.example.org\n"
                           "matrix_element_call_enabled: yes\nmatrix_livekit_jwt_service_path_prefix: /jwt\n"
                           "matrix_static_files_container_labels_base_domain_enabled: true\n"
                           "matrix_playbook_ssl_enabled: false\n")
    (cfg,) = dep.synapse
    assert cfg.transports[0].value["livekit_service_url"] == "http://hs.example.org/jwt"
    (wk,) = [w for w in dep.extra_well_knowns if w.source == "playbook"]
    assert wk.hosts == ["hs.example.org", "example.org"]
    assert json.loads(wk.body)["m.homeserver"]["base_url"] == "http://hs.example.org"


@pytest.mark.parametrize("variables", [
    'matrix_rtc_enabled: "true"\n',  # a string: Jinja's truth of it is not the flag's
    "matrix_rtc_enabled: true\nmatrix_livekit_jwt_service_hostname: '{{ my_host }}'\n",
    "matrix_homeserver_implementation: dendrite\nmatrix_rtc_enabled: true\n",  # not read (Continuwuity/Tuwunel are)
    "matrix_rtc_enabled: true\nmatrix_synapse_matrix_rtc_transports_custom: '{{ extra }}'\n",
    "matrix_rtc_enabled: true\nmatrix_synapse_matrix_rtc_transports: []\n",  # the whole list, replaced
    "matrix_synapse_configuration_extension_yaml: '{{ lookup(\"file\", \"hs.yaml\") }}'\n",
])
def test_what_rtclint_cannot_read_leaves_the_file_to_rtc004(tmp_path, variables):
    dep = _facts(tmp_path, f"matrix_domain: example.com\n{variables}")
    assert not dep.synapse and dep.files[VARS].subkind == "unmodelled"


def test_fix_never_touches_the_vars_file(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(os.path.join(FIXTURES, "msc4222-off", "tree"), tree)
    before = (tree / VARS).read_bytes()
    proc = run_rtclint(["check", "--no-cache", "--fix", "."], cwd=tree)
    assert proc.returncode == 1 and "RTC504" in proc.stdout, proc.stdout + proc.stderr
    assert (tree / VARS).read_bytes() == before


def test_the_well_known_extension_and_custom_foci_are_combined(tmp_path):
    dep = _facts(tmp_path, "matrix_domain: example.org\nmatrix_rtc_enabled: true\n"
                           "matrix_static_files_file_matrix_client_property_org_matrix_msc4143_rtc_foci_custom:\n"
                           "  - {type: livekit, livekit_service_url: 'https://other.example.org/jwt'}\n"
                           "matrix_static_files_file_matrix_client_configuration_extension_json: |\n"
                           '  {"m.homeserver": {"server_name": "example.org"}, "io.example": 1}\n')
    (wk,) = [w for w in dep.extra_well_knowns if w.source == "playbook"]
    body = json.loads(wk.body)
    assert body["m.homeserver"] == {"base_url": "https://matrix.example.org", "server_name": "example.org"}
    assert [f["livekit_service_url"] for f in body["org.matrix.msc4143.rtc_foci"]] == \
        ["https://matrix.example.org/livekit-jwt-service", "https://other.example.org/jwt"]
    assert body["io.example"] == 1


def test_without_static_files_the_playbook_serves_no_well_known(tmp_path):
    dep = _facts(tmp_path, "matrix_domain: example.org\nmatrix_rtc_enabled: true\nmatrix_static_files_enabled: false\n")
    assert dep.synapse and not [w for w in dep.extra_well_knowns if w.source == "playbook"]
