"""A homeserver's config held in a ConfigMap or Secret key (homeserver.yaml, a Continuwuity
or Tuwunel TOML) is read as that config: the Synapse rules fire on it with positions inside
the manifest, a fix edits only the key's own text, secrets in it are never printed, and
Synapse's own config loader reads the key's text as rtclint does."""

import base64
import json
import os
import subprocess
import textwrap

import pytest
import yaml

from conftest import run_rtclint
from rtclint.engine import check
from trees import run, write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")
LOADER = os.path.join(ROOT, "tests", "synapse_load.py")
SHARED = "Zk3q9TnB2vLx7Wc4Rm8Hs1Pd"  # planted: a registration_shared_secret

HOMESERVER = textwrap.dedent(f"""\
    server_name: example.org
    public_baseurl: https://matrix.example.org/
    registration_shared_secret: {SHARED}
    experimental_features:
      msc4143_enabled: false
    matrix_rtc:
      transports:
        - type: livekit
          livekit_service_url: https://rtc.example.org/livekit/jwt
    """)

POD = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: synapse, namespace: matrix}
spec:
  template:
    spec:
      containers:
        - name: synapse
          image: ghcr.io/element-hq/synapse:v1.140.0
          volumeMounts: [{name: config, mountPath: /data}]
      volumes:
        - {name: config, KIND}
"""


def block(kind, field, body=HOMESERVER, key="homeserver.yaml"):
    """A ConfigMap/Secret holding `body` under `key` as a block scalar, and its pod."""
    indented = textwrap.indent(body, "    ")
    source = "configMap: {name: synapse-config}" if kind == "ConfigMap" else "secret: {secretName: synapse-config}"
    return (f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: synapse-config, namespace: matrix}}\n"
            f"{field}:\n  {key}: |\n{indented}" + POD.replace("KIND", source))


def encoded(body=HOMESERVER, key="homeserver.yaml"):
    data = base64.b64encode(body.encode()).decode()
    return (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: synapse-config, namespace: matrix}}\n"
            f"data:\n  {key}: {data}\n" + POD.replace("KIND", "secret: {secretName: synapse-config}"))


def found(result, code):
    return [d for d in result.diagnostics if d.code == code]


def line_col(result, span):
    return result.deployment.documents[span.path].line_col(span.start)


@pytest.mark.parametrize("kind,field", [("ConfigMap", "data"), ("Secret", "stringData")])
def test_a_homeserver_yaml_in_a_config_map_is_read_at_its_lines(tmp_path, kind, field):
    result = run(tmp_path, {"synapse.yaml": block(kind, field)})
    (cfg,) = result.deployment.synapse
    assert cfg.server_name.value == "example.org" and cfg.embedded == "block"
    (rtc500,) = found(result, "RTC500")
    # `msc4143_enabled: false` is line 10 of the manifest, its value at column 24
    assert rtc500.span.path == "synapse.yaml" and line_col(result, rtc500.span) == (10, 24)
    assert rtc500.fix is not None  # a value replaced inside the block scalar is exact


def test_the_look_alike_without_a_homeserver_key_is_not_read(tmp_path):
    body = "version: 1\nformatters: {precise: {format: '%(message)s'}}\n"
    result = run(tmp_path, {"synapse.yaml": block("ConfigMap", "data", body, key="log.config")})
    assert not result.deployment.synapse and not found(result, "RTC500")


def test_a_correct_homeserver_in_a_config_map_has_no_synapse_findings(tmp_path):
    good = HOMESERVER.replace("msc4143_enabled: false", "msc4143_enabled: true")
    result = run(tmp_path, {"synapse.yaml": block("ConfigMap", "data", good)})
    assert result.deployment.synapse and not found(result, "RTC500")


def test_base64_secret_data_points_at_the_encoded_value_and_offers_no_fix(tmp_path):
    result = run(tmp_path, {"synapse.yaml": encoded()})
    (rtc500,) = found(result, "RTC500")
    assert line_col(result, rtc500.span) == (5, 20)  # `  homeserver.yaml: <base64>`
    assert rtc500.fix is None  # no character of the decoded text has a place of its own


def test_string_data_wins_over_data_for_the_same_key(tmp_path):
    good = HOMESERVER.replace("msc4143_enabled: false", "msc4143_enabled: true")
    text = encoded().replace("data:\n", f"stringData:\n  homeserver.yaml: |\n{textwrap.indent(good, '    ')}data:\n", 1)
    result = run(tmp_path, {"synapse.yaml": text})
    assert len(result.deployment.synapse) == 1 and not found(result, "RTC500")


def test_fixes_edit_only_the_key_text_and_leave_a_valid_manifest(tmp_path):
    write(str(tmp_path), {"synapse.yaml": block("ConfigMap", "data")})
    before = (tmp_path / "synapse.yaml").read_text()
    run_rtclint(["check", "--no-cache", "--fix", "."], cwd=str(tmp_path))
    after = (tmp_path / "synapse.yaml").read_text()
    assert after != before
    objects = list(yaml.safe_load_all(after))
    assert [sorted(o) for o in objects] == [sorted(o) for o in yaml.safe_load_all(before)]  # no key added to a manifest
    settings = yaml.safe_load(objects[0]["data"]["homeserver.yaml"])
    assert settings["experimental_features"]["msc4143_enabled"] is True
    # fixes that would append to "the file" (RTC505's rate limits) are not offered here
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = check(["."])
    finally:
        os.chdir(cwd)
    assert found(result, "RTC505") and all(d.fix is None for d in found(result, "RTC505"))


def test_a_tuwunel_toml_in_a_config_map_is_read(tmp_path):
    toml = ('[global]\nserver_name = "example.org"\n\n[global.well_known]\nclient = "https://matrix.example.org"\n'
            'livekit_url = "https://rtc.example.org/livekit/jwt"\n')
    result = run(tmp_path, {"tuwunel.yaml": block("ConfigMap", "data", toml, key="tuwunel.toml")})
    (cfg,) = result.deployment.toml_homeservers
    assert cfg.flavor == "tuwunel" and cfg.server_name.value == "example.org"
    assert line_col(result, cfg.server_name.span) == (7, 19)
    assert result.deployment.files["tuwunel.yaml"].subkind == "k8s"


def test_a_broken_toml_or_yaml_key_stays_unknown(tmp_path):
    result = run(tmp_path, {"a.yaml": block("ConfigMap", "data", "[global\nserver_name = \n", key="conduwuit.toml"),
                            "b/b.yaml": block("ConfigMap", "data", "server_name: [1,\n", key="homeserver.yaml")})
    assert not result.deployment.toml_homeservers and not result.deployment.synapse
    assert not [d for d in result.diagnostics if "internal error" in d.message]


@pytest.mark.parametrize("make", [lambda: block("ConfigMap", "data"), lambda: block("Secret", "stringData"), encoded])
def test_secrets_in_the_held_homeserver_are_never_printed(tmp_path, make):
    write(str(tmp_path), {"synapse.yaml": make()})
    for fmt in ("text", "json", "sarif"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(tmp_path))
        assert "RTC500" in proc.stdout, proc.stderr
        assert SHARED not in proc.stdout and SHARED not in proc.stderr
        assert base64.b64encode(HOMESERVER.encode()).decode()[:40] not in proc.stdout


VARIANTS = [
    HOMESERVER,
    HOMESERVER.replace("msc4143_enabled: false", "msc4143_enabled: true"),
    HOMESERVER.replace("server_name: example.org", "server_name: 'chat.example.net:8448'"),
    HOMESERVER + "max_event_delay_duration: 24h\n",
]


@pytest.fixture(scope="module")
def synapse():
    """One Synapse config loader for the module (its imports take seconds)."""
    proc = subprocess.Popen([SYNAPSE_PY, LOADER, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)

    def load(path, scratch):
        proc.stdin.write(json.dumps({"path": str(path), "scratch": str(scratch)}) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield load
    proc.stdin.close()
    proc.wait(timeout=60)


@pytest.mark.parametrize("body", VARIANTS)
@pytest.mark.parametrize("make", ["configmap", "secret-base64"])
def test_synapse_loads_the_key_as_rtclint_reads_it(tmp_path, synapse, body, make):
    """Oracle: the key's text as the kubelet writes it into the pod (yaml.safe_load of the
    manifest, base64-decoded for `data`), loaded by Synapse's own config loader."""
    text = block("ConfigMap", "data", body) if make == "configmap" else encoded(body)
    result = run(tmp_path / "tree", {"synapse.yaml": text})
    mounted = next(yaml.safe_load_all(text))["data"]["homeserver.yaml"]
    if make != "configmap":
        mounted = base64.b64decode(mounted).decode()
    (tmp_path / "pod").mkdir()
    (tmp_path / "pod" / "homeserver.yaml").write_text(mounted)
    (tmp_path / "scratch").mkdir()
    loaded = synapse(tmp_path / "pod" / "homeserver.yaml", tmp_path / "scratch")
    assert loaded["ok"], loaded
    (cfg,) = result.deployment.synapse
    assert loaded["server_name"] == cfg.server_name.value
    assert loaded["msc4143_enabled"] == (cfg.experimental["msc4143_enabled"].value is True)
    assert [t["livekit_service_url"] for t in loaded["transports"]] == [
        t.value["livekit_service_url"] for t in cfg.transports]
    unset = ("", "None", "0", "0:00:00")  # how the loader shows Synapse's "not set"
    assert ("max_event_delay_duration" in cfg.keys) == (loaded["max_event_delay_duration"] not in unset)


@pytest.mark.parametrize("key,flavor", [("tuwunel.toml", "tuwunel"), ("continuwuity.toml", "continuwuity")])
def test_the_keys_name_says_which_toml_server_it_configures(tmp_path, key, flavor):
    """As for a file of its own, the name decides when the settings do not: the key's name,
    not the manifest's."""
    toml = '[global]\nserver_name = "example.org"\n'
    result = run(tmp_path, {"hs.yaml": block("ConfigMap", "data", toml, key=key)})
    assert [c.flavor for c in result.deployment.toml_homeservers] == [flavor]
