"""LiveKit's `key_file` resolved to the data mounted at that path: a ConfigMap/Secret key
in the pod (volume, `items`, `subPath`), or in Compose a bind-mounted file, a `configs:`
or a `secrets:` entry. Its entries are LiveKit's keys (over the config's own, as
livekit-server's createKeyProvider decodes them), so the key rules apply; a key file the
tree does not hold leaves them unknown; the secrets are masked in every output."""

import base64
import os
import textwrap

import pytest

from conftest import run_rtclint
from trees import run, write

GOOD = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture values, 32 characters
OTHER = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"


def kube(keys_object, mount="- {name: keys, mountPath: /etc/livekit-keys}", key_file="/etc/livekit-keys/keys.yaml",
         volume="secret: {secretName: lk-keys, defaultMode: 0400}"):
    return textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: lk-config, namespace: rtc}
        data:
          livekit.yaml: |
            port: 7880
            key_file: @KEY_FILE@
        ---
        @KEYS@
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: livekit, namespace: rtc}
        spec:
          template:
            spec:
              containers:
                - name: livekit
                  image: livekit/livekit-server:v1.9.0
                  args: [--config, /etc/livekit/livekit.yaml]
                  volumeMounts:
                    - {name: config, mountPath: /etc/livekit}
                    @MOUNT@
              volumes:
                - {name: config, configMap: {name: lk-config}}
                - {name: keys, @VOLUME@}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: jwt, namespace: rtc}
        spec:
          template:
            spec:
              containers:
                - name: jwt
                  image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                  env:
                    - {name: LIVEKIT_URL, value: wss://sfu.example.org}
                    - {name: LIVEKIT_FULL_ACCESS_HOMESERVERS, value: example.org}
                    - {name: LIVEKIT_KEY, valueFrom: {secretKeyRef: {name: jwt-auth, key: key}}}
                    - {name: LIVEKIT_SECRET, valueFrom: {secretKeyRef: {name: jwt-auth, key: secret}}}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: jwt-auth, namespace: rtc}
        stringData: {key: callkey, secret: @GOOD@}
        """).replace("@KEYS@", keys_object.rstrip("\n")).replace("@MOUNT@", mount).replace(
        "@KEY_FILE@", key_file).replace("@VOLUME@", volume).replace("@GOOD@", GOOD)


def string_data(secret, key="keys.yaml"):
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: lk-keys, namespace: rtc}}\nstringData:\n  {key}: |\n    callkey: {secret}\n"


def b64_data(secret):
    body = base64.b64encode(f"callkey: {secret}\n".encode()).decode()
    return f"apiVersion: v1\nkind: Secret\nmetadata: {{name: lk-keys, namespace: rtc}}\ndata:\n  keys.yaml: {body}\n"


def codes(result):
    return [d.code for d in result.diagnostics]


def at(result, code):
    (diag,) = [d for d in result.diagnostics if d.code == code]
    return (diag.span.path, *result.deployment.documents[diag.span.path].line_col(diag.span.start))


def test_a_key_file_from_a_secret_disagreeing_with_the_jwt_service_is_rtc303(tmp_path):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER))})
    assert "RTC303" in codes(result)
    (cfg,) = result.deployment.livekit
    assert cfg.facts["key_file_from"] == "secret" and set(cfg.facts["key_file_keys"]) == {"callkey"}
    assert result.deployment.documents["rtc.yaml"].line_col(cfg.keys["callkey"].span.start) == (14, 14)


def test_the_same_pair_agrees(tmp_path):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(GOOD))})
    assert "RTC303" not in codes(result) and "RTC400" not in codes(result)
    assert "RTC900" not in codes(result)  # a Secret is where it belongs


def test_base64_data_points_at_the_encoded_value(tmp_path):
    result = run(tmp_path, {"rtc.yaml": kube(b64_data(OTHER))})
    assert at(result, "RTC303")[0] == "rtc.yaml"
    (cfg,) = result.deployment.livekit
    assert result.deployment.documents["rtc.yaml"].line_col(cfg.keys["callkey"].span.start) == (13, 14)


def test_a_short_secret_in_a_config_map_key_file_is_rtc401_and_rtc900(tmp_path):
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lk-keys, namespace: rtc}\ndata:\n  keys.yaml: 'callkey: short'\n"
    result = run(tmp_path, {"rtc.yaml": kube(cm, volume="configMap: {name: lk-keys, defaultMode: 0400}")})
    assert at(result, "RTC401") == ("rtc.yaml", 13, 24)
    assert "RTC900" in codes(result)


@pytest.mark.parametrize("mount,volume", [
    ("- {name: keys, mountPath: /etc/livekit-keys/keys.yaml, subPath: lk.yaml}",
     "secret: {secretName: lk-keys, defaultMode: 0400}"),
    ("- {name: keys, mountPath: /etc/livekit-keys}",
     "secret: {secretName: lk-keys, defaultMode: 0400, items: [{key: lk.yaml, path: keys.yaml}]}"),
])
def test_items_and_sub_path_choose_the_file(tmp_path, mount, volume):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER, key="lk.yaml"), mount, volume=volume)})
    assert "RTC303" in codes(result)


@pytest.mark.parametrize("key_file,mount", [
    ("/etc/elsewhere/keys.yaml", "- {name: keys, mountPath: /etc/livekit-keys}"),  # nothing mounted there
    ("/etc/livekit-keys/keys.yaml", "- {name: other, mountPath: /etc/livekit-keys}"),  # not from the tree
])
def test_a_key_file_the_tree_does_not_hold_stays_unknown(tmp_path, key_file, mount):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER), mount, key_file=key_file)})
    assert "RTC303" not in codes(result) and "RTC400" not in codes(result)
    assert all("key_file_keys" not in c.facts for c in result.deployment.livekit)


def test_a_key_in_another_namespace_is_not_the_pods(tmp_path):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER).replace("namespace: rtc", "namespace: other"))})
    assert "RTC303" not in codes(result)


def test_a_value_that_is_no_key_map_stays_unknown(tmp_path):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER).replace(f"callkey: {OTHER}", "callkey: [1, 2]"))})
    assert "RTC303" not in codes(result)


COMPOSE = """\
services:
  livekit:
    image: livekit/livekit-server:v1.9.0
    command: --config /etc/livekit.yaml
    volumes:
      - ./livekit.yaml:/etc/livekit.yaml:ro
      @BIND@
    @SECRETS@
  jwt:
    image: ghcr.io/element-hq/lk-jwt-service:0.8.0
    environment:
      LIVEKIT_URL: wss://sfu.example.org
      LIVEKIT_KEY: callkey
      LIVEKIT_SECRET: ${LIVEKIT_SECRET}
      LIVEKIT_FULL_ACCESS_HOMESERVERS: example.org
@TOP@
"""
COMPOSE_WAYS = {
    "secrets": ("/run/secrets/lk_keys", "", "secrets: [lk_keys]", "secrets:\n  lk_keys: {file: ./keys.yaml}"),
    "configs": ("/etc/lk/keys.yaml", "", "configs: [{source: lk_keys, target: /etc/lk/keys.yaml}]",
                "configs:\n  lk_keys: {file: ./keys.yaml}"),
    "bind": ("/etc/lk/keys.yaml", "- ./keys.yaml:/etc/lk/keys.yaml:ro", "", ""),
}


def compose_tree(way, secret, key_file=None):
    path, bind, secrets, top = COMPOSE_WAYS[way]
    return {"compose.yaml": COMPOSE.replace("@BIND@", bind).replace("@SECRETS@", secrets).replace("@TOP@", top),
            ".env": f"LIVEKIT_SECRET={GOOD}\n",
            "livekit.yaml": f"port: 7880\nkey_file: {key_file or path}\n",
            "keys.yaml": f"callkey: {secret}\n"}


@pytest.mark.parametrize("way", sorted(COMPOSE_WAYS))
def test_compose_key_files(tmp_path, way):
    broken = run(tmp_path / "broken", compose_tree(way, OTHER))
    assert at(broken, "RTC303") == (".env", 1, 16)  # LIVEKIT_SECRET comes from there
    assert any(r.span.path == "keys.yaml" for d in broken.diagnostics if d.code == "RTC303" for r in d.related)
    assert "RTC303" not in codes(run(tmp_path / "good", compose_tree(way, GOOD)))
    assert "RTC303" not in codes(run(tmp_path / "elsewhere", compose_tree(way, OTHER, key_file="/nowhere/keys.yaml")))


def test_livekit_keys_and_a_key_file_add_up(tmp_path):
    files = compose_tree("bind", OTHER)
    files["compose.yaml"] = files["compose.yaml"].replace(
        "    command:", "    environment:\n      LIVEKIT_KEYS: \"otherkey: " + OTHER + "\"\n    command:")
    result = run(tmp_path, files)
    assert "RTC303" in codes(result)  # callkey comes from the key file, with the other secret


@pytest.mark.parametrize("make", [lambda: {"rtc.yaml": kube(string_data(OTHER))},
                                  lambda: {"rtc.yaml": kube(b64_data(OTHER))},
                                  lambda: compose_tree("secrets", OTHER)])
def test_key_file_secrets_are_never_printed(tmp_path, make):
    write(str(tmp_path), make())
    for fmt in ("text", "json", "sarif"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(tmp_path))
        assert "RTC303" in proc.stdout, proc.stdout + proc.stderr
        assert OTHER not in proc.stdout and GOOD not in proc.stdout and OTHER not in proc.stderr


# -- a key file a kustomize generator makes ------------------------------------------------

def generated(generator="secretGenerator", source="files: [keys.yaml]", secret=OTHER):
    keys = f"  - name: lk-keys\n    {source.replace('@SECRET@', secret)}\n"
    kustomization = ("namespace: rtc\nresources: [rtc.yaml]\n"
                     "configMapGenerator:\n  - name: lk-config\n    files: [livekit.yaml]\n"
                     + (keys if generator == "configMapGenerator" else f"{generator}:\n{keys}"))
    volume = "secret: {secretName: lk-keys, defaultMode: 0400}"
    if generator == "configMapGenerator":
        volume = "configMap: {name: lk-keys, defaultMode: 0400}"
    return {"kustomization.yaml": kustomization,
            "rtc.yaml": LK_PODS.replace("@VOLUME@", volume),
            "livekit.yaml": "port: 7880\nkey_file: /etc/livekit-keys/keys.yaml\n",
            "keys.yaml": f"callkey: {secret}\n"}


def _pods(text):
    return text.replace("@MOUNT@", "- {name: keys, mountPath: /etc/livekit-keys}")


LK_PODS = _pods(kube("", mount="@MOUNT@", volume="@VOLUME@").split("---\n", 2)[2])  # Deployments, jwt-auth
GENERATED_WAYS = {
    "a file": "files: [keys.yaml]",
    "a renamed file": "files: [keys.yaml=keys.yaml]",
    "a literal": 'literals: ["keys.yaml=callkey: @SECRET@"]',
}


@pytest.mark.parametrize("way", sorted(GENERATED_WAYS))
def test_a_key_file_from_a_secret_generator(tmp_path, way):
    broken = run(tmp_path / "broken", generated(source=GENERATED_WAYS[way]))
    assert "RTC303" in codes(broken)
    (cfg,) = broken.deployment.livekit
    assert cfg.facts["key_file_from"] == "secret" and set(cfg.facts["key_file_keys"]) == {"callkey"}
    where = "kustomization.yaml" if way == "a literal" else "keys.yaml"
    assert cfg.keys["callkey"].span.path == where
    good = run(tmp_path / "good", generated(source=GENERATED_WAYS[way], secret=GOOD))
    assert "RTC303" not in codes(good) and "RTC900" not in codes(good)


def test_a_key_file_from_a_config_map_generator_is_rtc900(tmp_path):
    result = run(tmp_path, generated("configMapGenerator", secret=GOOD))
    assert "RTC900" in codes(result) and "RTC303" not in codes(result)


def test_a_generator_file_the_tree_lacks_leaves_the_keys_unknown(tmp_path):
    files = generated()
    del files["keys.yaml"]
    result = run(tmp_path, files)
    assert "RTC303" not in codes(result) and all("key_file_keys" not in c.facts for c in result.deployment.livekit)


@pytest.mark.parametrize("way", sorted(GENERATED_WAYS))
def test_the_generated_key_file_is_what_kustomize_builds(tmp_path, way):
    """Oracle: `kubectl kustomize` builds the tree; the Secret the LiveKit pod mounts (its
    renamed name) holds the key file whose entries rtclint gives LiveKit."""
    import subprocess
    import sys

    import yaml

    write(str(tmp_path), generated(source=GENERATED_WAYS[way]))
    kubectl = os.path.join(os.path.dirname(sys.executable), "kubectl")
    built = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    objects = [o for o in yaml.safe_load_all(built.stdout) if o]
    livekit = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "livekit")
    volume = next(v for v in livekit["spec"]["template"]["spec"]["volumes"] if v["name"] == "keys")
    secret = next(o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == volume["secret"]["secretName"])
    theirs = yaml.safe_load(base64.b64decode(secret["data"]["keys.yaml"]).decode())
    result = run(tmp_path, {})
    (cfg,) = result.deployment.livekit
    assert {k: v.value for k, v in cfg.facts["key_file_keys"].items()} == theirs


def test_generated_key_file_secrets_are_never_printed(tmp_path):
    for way, source in GENERATED_WAYS.items():
        root = tmp_path / way.replace(" ", "-")
        write(str(root), generated(source=source))
        for fmt in ("text", "json", "sarif"):
            proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(root))
            assert "RTC303" in proc.stdout, proc.stdout + proc.stderr
            assert OTHER not in proc.stdout and GOOD not in proc.stdout and OTHER not in proc.stderr


# -- a key file in a bind-mounted folder (Compose) -----------------------------------------

FOLDER_WAYS = {  # volume entry, key_file, where the key file is in the tree
    "short syntax": ("- ./livekit:/etc/livekit", "/etc/livekit/keys.yaml", "livekit/keys.yaml"),
    "read-only": ("- ./livekit:/etc/livekit:ro", "/etc/livekit/keys.yaml", "livekit/keys.yaml"),
    "long syntax": ("- {type: bind, source: ./livekit, target: /etc/livekit, read_only: true}",
                    "/etc/livekit/keys.yaml", "livekit/keys.yaml"),
    "interpolated": ("- ${LK_DIR:-./livekit}:/etc/livekit", "/etc/livekit/keys.yaml", "livekit/keys.yaml"),
    "a sub-folder": ("- ./livekit:/etc/livekit", "/etc/livekit/secrets/keys.yaml", "livekit/secrets/keys.yaml"),
}


def folder_tree(way, secret, key_file=None):
    bind, path, where = FOLDER_WAYS[way]
    compose = COMPOSE.replace("command: --config /etc/livekit.yaml", "command: --config /etc/livekit/livekit.yaml") \
        .replace("- ./livekit.yaml:/etc/livekit.yaml:ro", bind).replace("@BIND@", "").replace("@SECRETS@", "") \
        .replace("@TOP@", "")
    return {"compose.yaml": compose, ".env": f"LIVEKIT_SECRET={GOOD}\n",
            "livekit/livekit.yaml": f"port: 7880\nkey_file: {key_file or path}\n",
            where: f"callkey: {secret}\n"}


@pytest.mark.parametrize("way", sorted(FOLDER_WAYS))
def test_a_key_file_in_a_bind_mounted_folder(tmp_path, way):
    broken = run(tmp_path / "broken", folder_tree(way, OTHER))
    assert at(broken, "RTC303") == (".env", 1, 16)
    (cfg,) = [c for c in broken.deployment.livekit if c.key_file is not None]
    assert cfg.service == "livekit" and cfg.keys["callkey"].span.path == FOLDER_WAYS[way][2]
    assert "RTC303" not in codes(run(tmp_path / "good", folder_tree(way, GOOD)))
    elsewhere = run(tmp_path / "elsewhere", folder_tree(way, OTHER, key_file="/etc/livekit/missing.yaml"))
    assert "RTC303" not in codes(elsewhere)


def test_a_named_volume_is_no_tree_folder(tmp_path):
    """`livekit:/etc/livekit` names a volume (docker compose says so, and refuses it
    undeclared): its files are not the tree's, the keys stay unknown."""
    from test_compose_oracle import docker_config

    files = folder_tree("short syntax", OTHER)
    files["compose.yaml"] = files["compose.yaml"].replace("- ./livekit:/etc/livekit", "- livekit:/etc/livekit") \
        + "volumes:\n  livekit: {}\n"
    result = run(tmp_path, files)
    assert "RTC303" not in codes(result)
    resolved, stderr = docker_config(str(tmp_path / "compose.yaml"), str(tmp_path))
    assert [v["type"] for v in resolved["services"]["livekit"]["volumes"]] == ["volume"], stderr


def test_a_file_mounted_inside_the_folder_wins(tmp_path):
    """`./keys.yaml:/etc/livekit/keys.yaml` over `./livekit:/etc/livekit`: the container
    sees the file mount there, as with nested mounts in Docker."""
    files = folder_tree("short syntax", GOOD)
    files["compose.yaml"] = files["compose.yaml"].replace(
        "- ./livekit:/etc/livekit", "- ./livekit:/etc/livekit\n      - ./keys.yaml:/etc/livekit/keys.yaml:ro")
    files["keys.yaml"] = f"callkey: {OTHER}\n"
    assert "RTC303" in codes(run(tmp_path, files))


@pytest.mark.parametrize("way", sorted(FOLDER_WAYS))
def test_the_folder_is_the_source_docker_compose_mounts(tmp_path, way):
    """Oracle: `docker compose config` resolves the bind mount; its source folder and
    target are the ones rtclint reads the key file from."""
    from test_compose_oracle import docker_config

    write(str(tmp_path), folder_tree(way, OTHER))
    resolved, stderr = docker_config(str(tmp_path / "compose.yaml"), str(tmp_path))
    assert resolved is not None, stderr
    (theirs,) = [(v["source"], v["target"]) for v in resolved["services"]["livekit"]["volumes"] if v["type"] == "bind"]
    result = run(tmp_path, {})
    (svc,) = [s for s in result.deployment.services if s.name == "livekit"]
    assert [(folder, target) for target, folder, _ in svc.facts["bind_dirs"]] == [theirs]
    assert os.path.isfile(os.path.join(theirs[0], os.path.relpath(FOLDER_WAYS[way][1], theirs[1])))


def test_folder_key_file_secrets_are_never_printed(tmp_path):
    write(str(tmp_path), folder_tree("short syntax", OTHER))
    for fmt in ("text", "json", "sarif"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(tmp_path))
        assert "RTC303" in proc.stdout, proc.stdout + proc.stderr
        assert OTHER not in proc.stdout and GOOD not in proc.stdout and OTHER not in proc.stderr


@pytest.mark.parametrize("make,where", [
    (lambda: generated(secret="short"), ("keys.yaml", 1, 10)),
    (lambda: generated(source=GENERATED_WAYS["a literal"], secret="short"), ("kustomization.yaml", 8, 36)),
    (lambda: folder_tree("a sub-folder", "short"), ("livekit/secrets/keys.yaml", 1, 10)),
])
def test_a_short_secret_in_a_generated_or_folder_key_file_is_rtc401_at_its_line(tmp_path, make, where):
    assert at(run(tmp_path, make()), "RTC401") == where


@pytest.mark.parametrize("volume,fires", [
    ("projected: {sources: [{serviceAccountToken: {path: token}}, {secret: {name: lk-keys}}]}", True),
    ("projected: {sources: [{secret: {name: lk-keys, items: [{key: keys.yaml, path: keys.yaml}]}}]}", True),
    ("projected: {sources: [{secret: {name: lk-keys, items: [{key: keys.yaml, path: other.yaml}]}}]}", False),
    ("projected: {sources: [{configMap: {name: lk-keys}}]}", False),  # a Secret, not a ConfigMap, holds it
])
def test_a_key_file_in_a_projected_volume(tmp_path, volume, fires):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(OTHER), volume=volume)})
    assert ("RTC303" in codes(result)) == fires


@pytest.mark.parametrize("volume,fires", [
    ("projected: {sources: [{secret: {name: lk-keys}}]}", True),  # 0644, the default
    ("projected: {defaultMode: 0400, sources: [{secret: {name: lk-keys}}]}", False),
    ("projected: {sources: [{secret: {name: lk-keys, items: [{key: keys.yaml, path: keys.yaml, mode: 0400}]}}]}",
     False),
])
def test_a_projected_key_file_readable_by_others_is_rtc412(tmp_path, volume, fires):
    result = run(tmp_path, {"rtc.yaml": kube(string_data(GOOD), volume=volume)})
    assert ("RTC412" in codes(result)) == fires
