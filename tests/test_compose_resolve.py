"""Compose resolved as the Compose Specification says (rtclint/resolve): interpolation in
every form and field, unknown variables, spans on the written text, env_file forms,
extends/override/anchors, configs and secrets, network_mode, and what Compose refuses."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtclint.resolve.compose_interpolate import InterpolationError, interpolate
from trees import run

SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture value, 32 characters
ENV = {"SET": "val", "EMPTY": ""}


@pytest.mark.parametrize("text, want", [
    ("${SET}", "val"), ("$SET.x", "val.x"), ("${SET}}", "val}"), ("$$SET", "$SET"), ("a $ b", "a $ b"),
    ("a$", "a$"), ("$1", "$1"),
    ("${EMPTY:-d}", "d"), ("${EMPTY-d}", ""), ("${UNSET-d}", "d"), ("${UNSET:-d}", "d"),
    ("${SET:+r}", "r"), ("${EMPTY:+r}", ""), ("${EMPTY+r}", "r"), ("${UNSET+r}", ""),
    ("${UNSET:-${SET}-x}", "val-x"), ("${UNSET:-${NOPE:-${SET:+deep}}}", "deep"), ("${SET:-{x}}", "val"),
    ("${UNSET:-a{b}c}", "a{b}c"), ("${EMPTY?e}", ""), ("${SET:?e}", "val"),
])
def test_interpolation_forms_as_compose_go(text, want):
    assert interpolate(text, ENV).value == want


@pytest.mark.parametrize("text", ["${UNSET}", "$UNSET", "x-${UNSET}-y", "${UNSET:?needed}", "${UNSET?needed}",
                                  "${SET:+${UNSET}}"])
def test_a_variable_set_nowhere_is_unknown_never_guessed(text):
    assert interpolate(text, ENV).value is None


@pytest.mark.parametrize("text", ["${SET", "${1BAD}", "${SET:=x}", "${}", "${EMPTY:?must be set}"])
def test_what_compose_refuses_raises_with_its_offset(text):
    with pytest.raises(InterpolationError) as err:
        interpolate("ab" + text, ENV)
    assert err.value.offset == 2


def service(result, name):
    return next(s for s in result.deployment.services if s.name == name)


def codes(result):
    return sorted(d.code for d in result.diagnostics)


def text_at(result, span):
    return result.deployment.documents[span.path].text[span.start : span.end]


KEYS_STACK = {
    "docker-compose.yml": """
        services:
          jwt:
            image: ghcr.io/element-hq/lk-jwt-service:0.6.0
            environment:
              - LIVEKIT_JWT_BIND=:8080
              - LIVEKIT_URL=wss://sfu.example.com
              - LIVEKIT_KEY=${KEY}
              - LIVEKIT_SECRET=${SECRET}
              - LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com
          livekit:
            image: livekit/livekit-server:v1.13.4
            environment:
              - "LIVEKIT_KEYS=${KEY}: ${SECRET}"
        """,
    ".env": f"KEY=callkey\nSECRET={SECRET}\n",
}


def test_list_form_livekit_keys_is_interpolated_key_names_too(tmp_path):
    result = run(tmp_path, KEYS_STACK)
    assert "RTC303" not in codes(result)  # was: "`callkey` is not one of LiveKit's API keys (`${KEY}`)"
    cfg = next(c for c in result.deployment.livekit if c.service == "livekit")
    assert list(cfg.keys) == ["callkey"]
    assert cfg.keys["callkey"].value == SECRET
    assert text_at(result, cfg.keys["callkey"].span) == SECRET  # the secret's own line, in .env


def test_a_differing_interpolated_secret_is_still_found(tmp_path):
    files = dict(KEYS_STACK)
    files["docker-compose.yml"] = files["docker-compose.yml"].replace("${KEY}: ${SECRET}", "${KEY}: other${SECRET}")
    assert "RTC303" in codes(run(tmp_path, files))


def test_unknown_variable_keeps_rules_quiet_and_messages_never_guess(tmp_path):
    files = dict(KEYS_STACK)
    files[".env"] = "KEY=callkey\n"  # SECRET set nowhere
    result = run(tmp_path, files)
    assert "RTC303" not in codes(result)
    assert service(result, "jwt").env["LIVEKIT_SECRET"].value == "${SECRET}"


def test_env_example_is_no_programs_env_file(tmp_path):
    result = run(tmp_path, {**KEYS_STACK, "deploy/.env.example": "LIVEKIT_KEY=devkey\nLIVEKIT_SECRET=secret\n"})
    assert not [d for d in result.diagnostics if d.path.endswith(".env.example")]


def test_env_example_loaded_by_env_file_is_the_services(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                env_file: .env.example
            """,
        ".env.example": "LIVEKIT_KEY=k\n"})
    assert service(result, "jwt").env["LIVEKIT_KEY"].value == "k"


def test_every_field_is_interpolated_and_spans_point_at_the_written_text(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              livekit:
                image: "livekit/livekit-server:${TAG:-v1.13.4}"
                command: --config ${CONF:-/etc/livekit.yaml} --bind ${HOST}
                ports: ["${PORT}:7880", "${UDP:-50100-50200}:50100-50200/udp"]
                volumes: ["${DIR:-.}/livekit.yaml:/etc/livekit.yaml:ro"]
                network_mode: "${MODE:-host}"
                environment:
                  - "URL=wss://${HOST}:${PORT}"
                  - BARE
            """,
        ".env": "PORT=7880\nHOST=sfu.example.com\nBARE=from-dotenv\n",
        "livekit.yaml": "port: 7880\nkeys:\n  k: " + SECRET + "\n"})
    svc = service(result, "livekit")
    assert svc.image.value == "livekit/livekit-server:v1.13.4"
    assert svc.command == ["--config", "/etc/livekit.yaml", "--bind", "sfu.example.com"]
    ports = [(p.host_port, p.container_port, p.protocol) for p in svc.ports]
    assert ports == [(7880, 7880, "tcp"), (50100, 50100, "udp")]
    assert svc.mounts[0].resolved == "livekit.yaml" and svc.facts.get("livekit_config_file") == "livekit.yaml"
    assert svc.network_mode.value == "host"
    url = svc.env["URL"]
    assert url.value == "wss://sfu.example.com:7880"
    assert text_at(result, url.value_span) == "wss://${HOST}:${PORT}"  # built from several: the written text
    assert svc.env["BARE"].value == "from-dotenv"  # `- NAME` takes the project .env's value
    assert text_at(result, svc.env["BARE"].value_span) == "from-dotenv"


def test_interpolation_compose_refuses_is_rtc001_at_its_place(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              a:
                image: x
                environment:
                  - "A=${REQUIRED:?set it in .env}"
                  - "B=${broken"
            """,
        ".env": "REQUIRED=\n"})
    doc = result.deployment.documents["docker-compose.yml"]
    found = [(doc.line_col(d.span.start), d.message) for d in result.diagnostics if d.code == "RTC001"]
    assert [where for where, _ in found] == [(5, 12), (6, 12)]  # line, column of the `$` Compose refuses
    assert "required variable REQUIRED is missing a value: set it in .env" in found[0][1]
    assert "is never closed" in found[1][1]


def test_env_file_forms(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              a:
                image: x
                env_file:
                  - a.env
                  - path: optional.env
                    required: false
                  - path: b.env
              b:
                image: x
                env_file: missing.env
            """,
        "a.env": "A=1\nB=${X:-dflt}\nQ='${X}'\n",
        "b.env": "A=2\n"})
    a = service(result, "a")
    assert {n: v.value for n, v in a.env.items()} == {"A": "2", "B": "dflt", "Q": "${X}"}
    assert not a.facts.get("env_files_missing")  # the optional one may be absent
    assert service(result, "b").facts["env_files_missing"][0][0] == "missing.env"


def test_extends_override_anchors_and_merge_keys(tmp_path):
    result = run(tmp_path, {
        "compose.yaml": """
            x-base: &base
              image: livekit/livekit-server:v1.13.4
              environment: {FROM_ANCHOR: "1"}
            services:
              common:
                image: busybox
                environment: [A=1, B=1]
                ports: ["7881:7881"]
              livekit:
                <<: *base
                extends: common
                ports: ["7881:7881", "7882:7882/udp"]
                volumes: [./one:/data]
            """,
        "compose.override.yaml": """
            services:
              livekit:
                environment: [B=2]
                volumes: [./two:/data]
            """})
    svc = service(result, "livekit")
    assert svc.image.value == "livekit/livekit-server:v1.13.4"
    assert {n: v.value for n, v in svc.env.items()} == {"A": "1", "B": "2", "FROM_ANCHOR": "1"}
    assert [(p.host_port, p.protocol) for p in svc.ports] == [(7881, "tcp"), (7882, "udp")]
    assert [m.source for m in svc.mounts] == ["./two"]
    assert text_at(result, svc.env["B"].span) == "B=2"  # the override's line
    assert len([s for s in result.deployment.services if s.name == "livekit"]) == 1


def test_configs_and_secrets_with_file_sources_are_mounts(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              livekit:
                image: livekit/livekit-server:v1.13.4
                command: --config /etc/livekit.yaml
                configs:
                  - source: lk
                    target: /etc/livekit.yaml
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                environment: [LIVEKIT_SECRET_FROM_FILE=/run/secrets/lk_secret]
                secrets: [lk_secret]
            configs:
              lk: {file: ./conf/lk.yml}
            secrets:
              lk_secret: {file: ./conf/secret.txt}
            """,
        "conf/lk.yml": "port: 7880\nkeys:\n  k: " + SECRET + "\n",
        "conf/secret.txt": SECRET + "\n"})
    assert service(result, "livekit").facts["livekit_config_file"] == "conf/lk.yml"
    assert any(c.service == "livekit" and "k" in c.keys for c in result.deployment.livekit)
    assert service(result, "jwt").facts["file_vars"] == {"LIVEKIT_SECRET_FROM_FILE": "conf/secret.txt"}


def test_network_mode_service_and_undeclared_volume(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              a:
                image: x
                network_mode: "service:nowhere"
                volumes: [data:/data]
            """})
    messages = [d.message for d in result.diagnostics if d.code == "RTC001"]
    assert any("nowhere" in m for m in messages) and any("undefined volume data" in m for m in messages)


def test_include_gives_each_service_once(tmp_path):
    result = run(tmp_path, {
        "compose.yaml": """
            include: [sfu/livekit.compose.yaml]
            services:
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
            """,
        "sfu/livekit.compose.yaml": """
            services:
              livekit:
                image: livekit/livekit-server:v1.13.4
                ports: ["7881:7881"]
            """})
    names = sorted(s.name for s in result.deployment.services if s.source == "compose")
    assert names == ["jwt", "livekit"]
    assert service(result, "livekit").span.path == "sfu/livekit.compose.yaml"


def test_compose_file_set_in_dotenv_is_one_project(tmp_path):
    result = run(tmp_path, {
        "base.yml": """
            services:
              livekit:
                image: livekit/livekit-server:v1.13.4
                environment: [A=1]
            """,
        "prod.yml": """
            services:
              livekit:
                environment: [A=2]
            """,
        ".env": "COMPOSE_FILE=base.yml:prod.yml\n"})
    services = [s for s in result.deployment.services if s.source == "compose"]
    assert [(s.name, s.env["A"].value) for s in services] == [("livekit", "2")]


def test_network_mode_service_shares_the_others_ports_and_host_mode(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              vpn:
                image: qmcgaw/gluetun
                ports: ["7881:7881", "50100-50200:50100-50200/udp"]
              livekit:
                image: livekit/livekit-server:v1.13.4
                command: --config /etc/livekit.yaml
                network_mode: "service:vpn"
                volumes: [./livekit.yaml:/etc/livekit.yaml:ro]
              hostnet:
                image: busybox
                network_mode: host
              sidecar:
                image: busybox
                network_mode: service:hostnet
            """,
        "livekit.yaml": "port: 7880\nrtc:\n  tcp_port: 7881\n  port_range_start: 50100\n  port_range_end: 50200\n"
                        "  use_external_ip: true\nkeys:\n  k: " + SECRET + "\n"})
    livekit = service(result, "livekit")
    assert [(p.host_port, p.protocol) for p in livekit.ports] == [(7881, "tcp"), (50100, "udp")]
    assert "RTC403" not in codes(result)
    sidecar = service(result, "sidecar")
    assert sidecar.network_mode.value == "host" and text_at(result, sidecar.network_mode.span) == "host"
    assert sidecar.facts["network_mode_written"] == "service:hostnet"


@pytest.mark.parametrize("body", [
    "services: {a: {environment: [1, 2, null, {x: 1}], env_file: [{path: 1}, {}, 5], image: [1]}}",
    "services: {a: {extends: {service: [x], file: {a: 1}}}}",
    "services: {a: {extends: b}, b: {extends: a}}",
    'services: {a: {ports: [{target: {x: 1}}, {published: x}, "x:y", 70000, "${X:?}"], volumes: [{type: bind}, 5, ":"]}}',
    'include: [{path: [1, {}]}, "nope.yaml", "compose.yaml"]\nservices: {a: {image: x}}',
    "x: &m {image: x}\nservices: {a: {<<: 5}, b: {<<: [*m, 5]}, c: {<<: *m, network_mode: {a: 1}}}",
    "services: {a: {configs: [1, {source: 2}], secrets: [{}]}}\nconfigs: {c: {file: [1]}}\nsecrets: 5",
    'services: {a: {environment: {A: "${A:-${B:-${C:-${D}}}}", B: "${", D: "${X:+${}"}}}',
])
def test_odd_compose_is_diagnosed_never_an_internal_error(tmp_path, body):
    result = run(tmp_path, {"compose.yaml": body + "\n", ".env": "COMPOSE_FILE=compose.yaml:compose.yaml\n"})
    assert not [d for d in result.diagnostics if "internal error" in d.message]


def test_a_reference_or_merge_key_written_by_an_escape_is_still_resolved(tmp_path):
    """The resolver skips its walks over a file with no `$` and no `<<` in its text; a
    double-quoted escape writes them without the characters (`docker compose config`
    answers `val-host` and `val` here)."""
    result = run(tmp_path, {
        "docker-compose.yml": r"""
            x-base: &base
              container_name: from-base
            services:
              app:
                image: example/app:1
                "\x3c\x3c": *base
                hostname: "\x24{SET}-host"
                environment:
                  FROM: "\x24SET"
            """,
        ".env": "SET=val\n",
    })
    app = service(result, "app")
    assert "val-host" in app.aliases
    assert app.env["FROM"].value == "val"
    assert "from-base" in app.aliases  # rtclint applies a quoted `<<` as a merge key


@pytest.mark.parametrize("command", [
    "--config /etc/livekit.yaml", "  a   b ", "", "a\tb", "a\nb", "a 'b c'", 'a "b c"', r"a\ b", "a #b",
    "a\u00a0b", "a\u3000b", "a=b;c|d", "'unclosed",
])
def test_a_string_command_splits_as_shlex_does(command):
    import shlex

    from rtclint.parsers.pyyaml import yaml
    from rtclint.parsers.yaml_compose import _words

    try:
        want = shlex.split(command)
    except ValueError:
        want = command.split()
    assert _words(yaml.ScalarNode("tag:yaml.org,2002:str", command)) == want


@given(st.text(st.sampled_from(list(" \t\n\x0b\x0c\x85\u00a0\u2028\u3000#$;|'\"\\=-/.:abé"))))
def test_any_string_command_splits_as_shlex_does(command):
    test_a_string_command_splits_as_shlex_does(command)


def _list_entry_by_embedded(item):
    """The spans of a `- NAME=value` entry from embedded()'s per-character offsets (what
    yaml_compose._list_entry computes without them when the text is written as it is)."""
    from rtclint.parsers.yaml_values import embedded

    raw = getattr(item, "raw", item.value)
    emb = embedded(item.doc, type(item)(item.tag, raw, item.start_mark, item.end_mark, item.style))
    name, eq, _value = item.value.partition("=")
    value_span = emb.span(raw.find("=") + 1, len(raw)) if eq else None
    return emb.span(0, len(name.strip())), value_span


@given(st.lists(st.tuples(st.sampled_from(["", "'", '"']), st.text(st.sampled_from(list("AB_=$ {}:-x\\\t\"'é")),
                                                                            min_size=1, max_size=12)),
                min_size=1, max_size=6))
def test_list_entry_spans_are_embeddeds(entries):
    from rtclint.document import Document
    from rtclint.parsers.yaml import load_nodes
    from rtclint.parsers.yaml_compose import _list_entry
    from rtclint.resolve.compose_project import prepare

    lines = []
    for quote, body in entries:
        if quote == '"':
            body = body.replace("\\", "\\\\").replace('"', '\\"')
        elif quote == "'":
            body = body.replace("'", "''")
        lines.append(f"      - {quote}{body}{quote}")
    text = "services:\n  app:\n    environment:\n" + "\n".join(lines) + "\n"
    doc = Document.from_bytes("c.yml", "/c.yml", "yaml", text.encode())
    nodes, broken = load_nodes(doc)
    if broken is not None or not nodes:
        return  # not YAML (a plain scalar cannot start with every character)
    root = prepare(doc, nodes[0], {"A": "a=1", "B": ""}, [])
    environment = root.value[0][1].value[0][1].value[0][1]
    for item in getattr(environment, "value", []):
        if getattr(item, "id", None) != "scalar":
            continue
        var = _list_entry(item)
        if var is not None:
            assert (var.name_span, var.value_span) == _list_entry_by_embedded(item)


def test_a_symlinked_env_counts_and_a_folder_named_env_does_not(tmp_path, monkeypatch):
    """The `.env`, its stand-in and `./x` mounts beside a Compose file are what
    os.path.isfile says (a symlink to a file is one, a folder named `.env` or a dangling
    link is not)."""
    import os

    files = {
        "linked/docker-compose.yml": "services:\n  app:\n    image: example/app:1\n    hostname: ${HOST}\n"
                                     "    volumes:\n      - ./livekit.yaml:/etc/livekit.yaml\n",
        "linked/real.env": "HOST=from-linked-env\n",
        "linked/real-livekit.yaml": "port: 7880\n",
        "folder/docker-compose.yml": "services:\n  app:\n    image: example/app:1\n    hostname: ${HOST:-default}\n",
        "folder/.env/keep": "",
        "folder/.env.example": "HOST=from-example\n",
        "dangling/docker-compose.yml": "services:\n  app:\n    image: example/app:1\n    hostname: ${HOST:-none}\n",
    }
    from trees import write

    write(str(tmp_path), files)
    os.symlink("real.env", tmp_path / "linked" / ".env")
    os.symlink("real-livekit.yaml", tmp_path / "linked" / "livekit.yaml")
    os.symlink("missing.env", tmp_path / "dangling" / ".env")
    from rtclint.engine import check

    monkeypatch.chdir(tmp_path)
    result = check(["."])
    hosts = {s.group: sorted(s.aliases) for s in result.deployment.services}
    assert hosts == {"linked/docker-compose.yml": ["from-linked-env"],
                     "folder/docker-compose.yml": ["from-example"],
                     "dangling/docker-compose.yml": ["none"]}
    linked = next(s for s in result.deployment.services if s.group.startswith("linked/"))
    assert [m.resolved for m in linked.mounts] == ["linked/livekit.yaml"]
