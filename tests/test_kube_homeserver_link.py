"""A homeserver config held in a ConfigMap/Secret belongs to the container that mounts
that key where its program reads its config (model/linking_homeserver.py): Synapse's image
entrypoint (`docker/start.py`: `run` mode, SYNAPSE_CONFIG_PATH / SYNAPSE_CONFIG_DIR,
`/data/homeserver.yaml`), `--config-path`/`-c` (a directory: its `*.yaml` files), and
Continuwuity/Tuwunel's `*_CONFIG` variables and `-c`/`--config`. The container is then the
homeserver its Kubernetes Service reaches; a config mounted elsewhere, in another
namespace or by a container that does not read it stays unlinked. Synapse's own command
line and config loader decide which files a `--config-path` list reads."""

import json
import os
import subprocess
import textwrap

import pytest
import yaml

from rtclint.model.linking_homeserver import SYNAPSE_OPTIONS, option_values
from trees import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")

HOMESERVER = "server_name: example.org\npublic_baseurl: https://matrix.example.org/\n"


def manifest(container: str, volume: str = "configMap: {name: hs-config}", key: str = "homeserver.yaml",
             body: str = HOMESERVER, config_ns: str = "matrix", kind: str = "ConfigMap") -> str:
    """A ConfigMap (or Secret) holding `body` under `key`, and a Deployment in namespace
    `matrix` whose one container is `container` (YAML lines at the container's indentation)."""
    field = "data" if kind == "ConfigMap" else "stringData"
    return (f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: hs-config, namespace: {config_ns}}}\n{field}:\n"
            f"  {key}: |\n{textwrap.indent(body, '    ')}"
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hs, namespace: matrix}\nspec:\n"
            "  template:\n    metadata: {labels: {app: hs}}\n    spec:\n      containers:\n"
            + textwrap.indent(container.strip("\n") + "\n", "        ")
            + f"      volumes:\n        - {{name: config, {volume}}}\n")


def synapse(mount: str = "{name: config, mountPath: /data}", image: str = "ghcr.io/element-hq/synapse:v1.140.0",
            extra: str = "") -> str:
    return f"- name: synapse\n  image: {image}\n  volumeMounts: [{mount}]\n{extra}"


def linked(result) -> list[tuple[str, str | None]]:
    return [(c.flavor, c.service) for c in (*result.deployment.synapse, *result.deployment.toml_homeservers)]


SYNAPSE_CASES = {
    # the image's entrypoint reads /data/homeserver.yaml
    "default path": (synapse(), True),
    "a sub-path mount": (synapse("{name: config, mountPath: /data/homeserver.yaml, subPath: homeserver.yaml}"), True),
    "the default path, mounted elsewhere": (synapse("{name: config, mountPath: /conf}"), False),
    "SYNAPSE_CONFIG_PATH": (synapse("{name: config, mountPath: /conf}",
                                    extra="  env: [{name: SYNAPSE_CONFIG_PATH, value: /conf/homeserver.yaml}]\n"), True),
    "SYNAPSE_CONFIG_DIR": (synapse("{name: config, mountPath: /conf}",
                                   extra="  env: [{name: SYNAPSE_CONFIG_DIR, value: /conf}]\n"), True),
    "SYNAPSE_CONFIG_PATH elsewhere": (synapse(extra="  env: [{name: SYNAPSE_CONFIG_PATH, value: /x/hs.yaml}]\n"),
                                      False),
    "run --config-path": (synapse("{name: config, mountPath: /conf}",
                                  extra="  args: [run, --config-path, /conf/homeserver.yaml]\n"), True),
    "run --config-path=": (synapse("{name: config, mountPath: /conf}",
                                   extra="  args: [run, --config-path=/conf/homeserver.yaml]\n"), True),
    "a config directory": (synapse("{name: config, mountPath: /conf}", extra="  args: [run, -c, /conf]\n"), True),
    # start.py's mode is the first argument: anything but `run` never starts the server
    "generate mode": (synapse(extra="  args: [generate]\n"), False),
    "options without a mode": (synapse("{name: config, mountPath: /conf}",
                                       extra="  args: [--config-path, /conf/homeserver.yaml]\n"), False),
    # `command` replaces the entrypoint; an unknown image running Synapse becomes the homeserver
    "python -m synapse.app.homeserver": (synapse(
        "{name: config, mountPath: /conf}", image="registry.example.org/our/hs:2024-05",
        extra="  command: [python, -m, synapse.app.homeserver, -c, /conf/homeserver.yaml]\n"), True),
    "a shell line": (synapse("{name: config, mountPath: /conf}", image="registry.example.org/our/hs:2024-05",
                             extra="  command: [sh, -c, 'python -m synapse.app.homeserver -c /conf/homeserver.yaml']\n"),
                     False),
    "an unknown image with its own entrypoint": (synapse(image="registry.example.org/our/hs:2024-05"), False),
}


@pytest.mark.parametrize("case", sorted(SYNAPSE_CASES))
def test_a_synapse_config_belongs_to_the_container_that_reads_it(tmp_path, case):
    container, reads = SYNAPSE_CASES[case]
    result = run(tmp_path, {"hs.yaml": manifest(container)})
    assert linked(result) == [("synapse", "hs" if reads else None)]
    (pod,) = [s for s in result.deployment.services if s.source == "k8s"]
    assert pod.role == ("synapse" if reads or "element-hq" in container else "other")


def test_items_choose_the_file(tmp_path):
    volume = "configMap: {name: hs-config, items: [{key: homeserver.yaml, path: main.yaml}]}"
    mounted = synapse("{name: config, mountPath: /conf}", extra="  env: [{name: SYNAPSE_CONFIG_PATH, value: /conf/main.yaml}]\n")
    assert linked(run(tmp_path / "a", {"hs.yaml": manifest(mounted, volume)})) == [("synapse", "hs")]
    elsewhere = mounted.replace("/conf/main.yaml", "/conf/homeserver.yaml")
    assert linked(run(tmp_path / "b", {"hs.yaml": manifest(elsewhere, volume)})) == [("synapse", None)]


def test_a_config_in_another_namespace_is_not_the_pods(tmp_path):
    result = run(tmp_path, {"hs.yaml": manifest(synapse(), config_ns="other")})
    assert all(service is None for _, service in linked(result))


def test_a_secret_key_and_a_variable_from_a_config_map(tmp_path):
    env = ("  envFrom: [{configMapRef: {name: hs-env}}]\n")
    text = manifest(synapse("{name: config, mountPath: /conf}", extra=env), "secret: {secretName: hs-config}",
                    kind="Secret")
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: hs-env, namespace: matrix}\n" \
            "data: {SYNAPSE_CONFIG_PATH: /conf/homeserver.yaml}\n"
    assert linked(run(tmp_path, {"hs.yaml": text})) == [("synapse", "hs")]


def test_an_unknown_images_tag_is_no_synapse_version(tmp_path):
    container = SYNAPSE_CASES["python -m synapse.app.homeserver"][0]
    result = run(tmp_path, {"hs.yaml": manifest(container)})
    assert not result.deployment.targets["synapse"].startswith("2024")  # `2024-05` is the image's own tag


TUWUNEL = '[global]\nserver_name = "example.org"\n'
TOML_CASES = {
    "TUWUNEL_CONFIG": ("ghcr.io/matrix-construct/tuwunel:v1.4.0", "env: [{name: TUWUNEL_CONFIG, value: /etc/tuwunel/tuwunel.toml}]",
                       "tuwunel", True),
    "CONDUWUIT_CONFIG read by Tuwunel": ("ghcr.io/matrix-construct/tuwunel:v1.4.0",
                                         "env: [{name: CONDUWUIT_CONFIG, value: /etc/tuwunel/tuwunel.toml}]", "tuwunel", True),
    "CONTINUWUITY_CONFIG": ("forgejo.ellis.link/continuwuation/continuwuity:v0.5.0",
                            "env: [{name: CONTINUWUITY_CONFIG, value: /etc/tuwunel/tuwunel.toml}]", "continuwuity", True),
    # Continuwuity never reads TUWUNEL_CONFIG
    "TUWUNEL_CONFIG to Continuwuity": ("forgejo.ellis.link/continuwuation/continuwuity:v0.5.0",
                                       "env: [{name: TUWUNEL_CONFIG, value: /etc/tuwunel/tuwunel.toml}]", "continuwuity",
                                       False),
    "-c": ("ghcr.io/matrix-construct/tuwunel:v1.4.0", "args: [-c, /etc/tuwunel/tuwunel.toml]", "tuwunel", True),
    "--config=": ("ghcr.io/matrix-construct/tuwunel:v1.4.0", "args: [--config=/etc/tuwunel/tuwunel.toml]", "tuwunel",
                  True),
    "not given": ("ghcr.io/matrix-construct/tuwunel:v1.4.0", "args: [--maintenance]", "tuwunel", False),
    "an unknown image with TUWUNEL_CONFIG": ("registry.example.org/chat/server:2",
                                             "env: [{name: TUWUNEL_CONFIG, value: /etc/tuwunel/tuwunel.toml}]", "tuwunel",
                                             True),
}


@pytest.mark.parametrize("case", sorted(TOML_CASES))
def test_a_toml_config_belongs_to_the_container_that_reads_it(tmp_path, case):
    image, line, _flavor, reads = TOML_CASES[case]
    container = f"- name: hs\n  image: {image}\n  volumeMounts: [{{name: config, mountPath: /etc/tuwunel}}]\n  {line}\n"
    result = run(tmp_path, {"hs.yaml": manifest(container, key="tuwunel.toml", body=TUWUNEL)})
    assert [service for _, service in linked(result)] == ["hs" if reads else None]


RTC701_INGRESS = """\
---
apiVersion: v1
kind: Service
metadata: {name: chat, namespace: matrix}
spec:
  selector: {app: hs}
  ports: [{port: 80, targetPort: 8008}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: matrix, namespace: matrix}
spec:
  tls: [{hosts: [example.org], secretName: tls}]
  rules:
    - host: example.org
      http:
        paths:
          - path: /.well-known/matrix
            pathType: Prefix
            backend: {service: {name: chat, port: {number: 80}}}
"""


@pytest.mark.parametrize("path,fires", [("/etc/tuwunel/tuwunel.toml", True), ("/etc/elsewhere.toml", False)])
def test_the_route_to_the_container_reading_a_toml_without_client_is_rtc701(tmp_path, path, fires):
    """Neither the Service's name nor the image says Tuwunel: only the mount does."""
    container = ("- name: hs\n  image: registry.example.org/chat/server:2\n"
                 "  volumeMounts: [{name: config, mountPath: /etc/tuwunel}]\n"
                 f"  env: [{{name: TUWUNEL_CONFIG, value: {path}}}]\n")
    text = manifest(container, key="tuwunel.toml", body=TUWUNEL) + RTC701_INGRESS
    result = run(tmp_path, {"hs.yaml": text})
    found = [d for d in result.diagnostics if d.code == "RTC701"]
    assert bool(found) == fires, [d.message for d in result.diagnostics]


# -- oracle: the files Synapse's own command line reads -------------------------------------

ARGVS = [
    ["-c", "/conf/homeserver.yaml"],
    ["--config-path", "/conf/homeserver.yaml"],
    ["--config-path=/conf/homeserver.yaml"],
    ["-c/conf/homeserver.yaml"],
    ["-c=/conf/homeserver.yaml"],
    ["--config-p", "/conf/homeserver.yaml"],
    ["-c", "/conf"],
    ["-c", "/other/homeserver.yaml"],
    ["-c", "/conf/homeserver.yaml", "-c", "/conf/extra.yaml"],
    ["--config-path", "/conf", "--keys-directory", "/conf/homeserver.yaml"],
    ["--keys-directory", "/keys", "-c", "/conf/homeserver.yaml"],
]

SYNAPSE_READS = """\
import json, sys
from synapse.config._base import find_config_files
from synapse.config.homeserver import HomeServerConfig
import argparse
parser = argparse.ArgumentParser()
HomeServerConfig.add_arguments_to_parser(parser)
for line in sys.stdin:
    root, argv = json.loads(line)
    options, _ = parser.parse_known_args(argv)
    files = find_config_files(options.config_path or [])
    print("FILES", json.dumps([f[len(root):] for f in files if f.startswith(root)]), flush=True)
"""


def test_the_config_paths_synapse_reads_from_its_command_line(tmp_path):
    """Oracle: Synapse's own argument parser (`add_arguments_to_parser`) and
    `find_config_files` read each argv with the pod's files laid under a scratch root (every
    absolute path in the argv moved there); rtclint's `-c`/`--config-path` reading, with a
    directory read as Synapse does, must give the same files."""
    root = str(tmp_path / "pod")
    for rel in ("conf/homeserver.yaml", "conf/extra.yaml", "conf/notes.txt", "other/homeserver.yaml"):
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as fh:
            fh.write(HOMESERVER)
    proc = subprocess.Popen([SYNAPSE_PY, "-c", SYNAPSE_READS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    disagreements = []
    try:
        for argv in ARGVS:
            moved = [_under(root, word) for word in argv]
            proc.stdin.write(json.dumps([root, moved]) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            while not line.startswith("FILES "):  # Synapse prints what a directory holds that it skips
                line = proc.stdout.readline()
            theirs = json.loads(line[len("FILES "):])
            ours = []
            for path in option_values(argv, SYNAPSE_OPTIONS):
                full = os.path.join(root, path.lstrip("/"))
                if os.path.isdir(full):
                    ours += sorted(f"{path.rstrip('/')}/{n}" for n in os.listdir(full) if n.endswith(".yaml"))
                else:
                    ours.append(path)
            if theirs != ours:
                disagreements.append((argv, theirs, ours))
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    assert not disagreements


def _under(root: str, word: str) -> str:
    for prefix in ("--config-path=", "-c=", "-c", ""):
        if word.startswith(prefix + "/"):
            return prefix + root + word[len(prefix):]
    return word


def test_the_linked_directory_is_what_synapse_loads(tmp_path):
    """A ConfigMap of two keys mounted as a directory that `-c` names: both `*.yaml` keys are
    the container's config (Synapse merges them), a key of another suffix is not."""
    cm = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hs-config, namespace: matrix}\ndata:\n"
          "  homeserver.yaml: |\n    server_name: example.org\n"
          "  rtc.yaml: |\n    experimental_features: {msc4143_enabled: true}\n"
          "  log.config: |\n    version: 1\n")
    text = manifest(synapse("{name: config, mountPath: /conf}", extra="  args: [run, -c, /conf]\n")).split("---\n", 1)[1]
    result = run(tmp_path, {"hs.yaml": cm + "---\n" + text})
    assert sorted(s for _, s in linked(result)) == ["hs", "hs"]
    assert list(yaml.safe_load_all(cm))[0]["data"]["log.config"]  # present, and read as no homeserver config


def test_a_homeserver_yaml_a_generator_makes_belongs_to_the_pod_mounting_it(tmp_path):
    """Oracle: `kubectl kustomize` builds the tree; the pod it renders mounts the generated
    ConfigMap (renamed with its hash) whose key is the file, at the path Synapse reads."""
    import sys

    deployment = manifest(synapse()).split("---\n", 1)[1]
    files = {"kustomization.yaml": "namespace: matrix\nresources: [hs.yaml]\n"
                                   "configMapGenerator:\n  - name: hs-config\n    files: [homeserver.yaml]\n",
             "hs.yaml": deployment, "homeserver.yaml": HOMESERVER}
    result = run(tmp_path, files)
    assert linked(result) == [("synapse", "hs")]
    kubectl = os.path.join(os.path.dirname(sys.executable), "kubectl")
    built = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert built.returncode == 0, built.stderr
    objects = {o["kind"]: o for o in yaml.safe_load_all(built.stdout) if o}
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    (volume,) = pod["volumes"]
    assert volume["configMap"]["name"] == objects["ConfigMap"]["metadata"]["name"]
    assert objects["ConfigMap"]["data"]["homeserver.yaml"] == HOMESERVER
    assert pod["containers"][0]["volumeMounts"][0]["mountPath"] + "/homeserver.yaml" == "/data/homeserver.yaml"


@pytest.mark.parametrize("path,state", [("/conf/homeserver.yaml", "ok"), ("/conf/other.yaml", "unknown")])
def test_the_ingress_reaches_the_homeserver_through_the_container_reading_it(tmp_path, path, state):
    """A Synapse of an image rtclint does not know, behind a Service whose name says nothing:
    the call path's well-known hop is Synapse's own `extra_well_known_client_content` only
    when the container reads that config."""
    from rtclint.model.callpath import build

    body = HOMESERVER + ("extra_well_known_client_content:\n  org.matrix.msc4143.rtc_foci:\n"
                         "    - {type: livekit, livekit_service_url: 'https://rtc.example.org'}\n")
    container = synapse("{name: config, mountPath: /conf}", image="registry.example.org/our/hs:2024-05",
                        extra=f"  command: [python, -m, synapse.app.homeserver, --config-path, {path}]\n")
    result = run(tmp_path, {"hs.yaml": manifest(container, body=body) + RTC701_INGRESS})
    hop = build(result.deployment).hops[0]
    assert hop.state == state, hop.reason


# -- the same reading for Compose services -------------------------------------------------

COMPOSE_CASES = {  # service lines, files, the config's service
    "a folder at /data": ("image: matrixdotorg/synapse:v1.140.0\n    volumes: [./synapse:/data]",
                          {"synapse/homeserver.yaml": HOMESERVER}, "synapse"),
    "SYNAPSE_CONFIG_DIR": ("image: matrixdotorg/synapse:v1.140.0\n    volumes: [./synapse:/conf]\n"
                           "    environment: {SYNAPSE_CONFIG_DIR: /conf}",
                           {"synapse/homeserver.yaml": HOMESERVER}, "synapse"),
    "SYNAPSE_CONFIG_PATH elsewhere": ("image: matrixdotorg/synapse:v1.140.0\n    volumes: [./synapse:/data]\n"
                                      "    environment: {SYNAPSE_CONFIG_PATH: /data/other.yaml}",
                                      {"synapse/homeserver.yaml": HOMESERVER}, None),
    "generate": ("image: matrixdotorg/synapse:v1.140.0\n    command: generate\n    volumes: [./synapse:/data]",
                 {"synapse/homeserver.yaml": HOMESERVER}, None),
    "an entrypoint running Synapse": ("image: registry.example.org/our/hs:2\n"
                                      "    entrypoint: [python, -m, synapse.app.homeserver]\n"
                                      "    command: [--config-path, /conf/homeserver.yaml]\n"
                                      "    volumes: [./homeserver.yaml:/conf/homeserver.yaml]",
                                      {"homeserver.yaml": HOMESERVER}, "synapse"),
    "TUWUNEL_CONFIG": ("image: ghcr.io/matrix-construct/tuwunel:v1.4.0\n"
                       "    environment: {TUWUNEL_CONFIG: /etc/tuwunel.toml}\n"
                       "    volumes: [./tuwunel.toml:/etc/tuwunel.toml:ro]",
                       {"tuwunel.toml": TUWUNEL}, "synapse"),
    "TUWUNEL_CONFIG elsewhere": ("image: ghcr.io/matrix-construct/tuwunel:v1.4.0\n"
                                 "    environment: {TUWUNEL_CONFIG: /etc/other.toml}\n"
                                 "    volumes: [./tuwunel.toml:/etc/tuwunel.toml:ro]",
                                 {"tuwunel.toml": TUWUNEL}, None),
}


@pytest.mark.parametrize("case", sorted(COMPOSE_CASES))
def test_a_compose_homeservers_config_is_what_its_program_reads(tmp_path, case):
    lines, files, service = COMPOSE_CASES[case]
    result = run(tmp_path, {"compose.yaml": f"services:\n  synapse:\n    {lines}\n", **files})
    assert [s for _, s in linked(result)] == [service]


def test_the_main_process_is_the_homeserver_not_a_worker(tmp_path):
    worker = ("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hs-worker, namespace: matrix}\nspec:\n"
              "  template:\n    spec:\n      containers:\n        - name: worker\n"
              "          image: ghcr.io/element-hq/synapse:v1.140.0\n"
              "          args: [run, -m, synapse.app.generic_worker, -c, /data/homeserver.yaml, -c, /w/worker.yaml]\n"
              "          volumeMounts: [{name: config, mountPath: /data}]\n"
              "      volumes:\n        - {name: config, configMap: {name: hs-config}}\n")
    text = manifest(synapse())
    first, second = text.split("---\n", 1)
    result = run(tmp_path, {"hs.yaml": first + worker + "---\n" + second})  # the worker written first
    assert linked(result) == [("synapse", "hs")]


ODD_CONTAINERS = [
    synapse(extra="  args: [run, -c]\n"),
    synapse(extra="  args: [run, --config-path=]\n"),
    synapse(extra="  args: []\n  command: []\n"),
    synapse(extra="  command: [1, 2]\n  args: [{a: b}]\n"),
    synapse(extra="  env: [{name: SYNAPSE_CONFIG_DIR, value: ''}, {name: SYNAPSE_CONFIG_PATH}]\n"),
    synapse(extra="  env: [{name: SYNAPSE_CONFIG_PATH, valueFrom: {configMapKeyRef: {name: nowhere, key: p}}}]\n"),
    synapse("{name: config}"),
    synapse("{name: config, mountPath: '', subPath: ../x}"),
    "- name: hs\n  image: ghcr.io/matrix-construct/tuwunel:v1.4.0\n  args: [-c]\n  env: [{name: TUWUNEL_CONFIG}]\n",
    "- name: hs\n  image: ghcr.io/matrix-construct/tuwunel:v1.4.0\n  command: [tuwunel]\n  args: [-c=, --config]\n",
]


@pytest.mark.parametrize("index", range(len(ODD_CONTAINERS)))
def test_odd_containers_leave_the_config_unlinked_and_never_raise(tmp_path, index):
    volumes = ["configMap: {name: hs-config}", "configMap: {name: hs-config, items: [{key: 1}, {path: x}]}", "emptyDir: {}"]
    for n, volume in enumerate(volumes):
        result = run(tmp_path / str(n), {"hs.yaml": manifest(ODD_CONTAINERS[index], volume)})
        assert not [d for d in result.diagnostics if "internal error" in d.message]


@pytest.mark.parametrize("lines", ["entrypoint: {a: b}", "entrypoint: ''\n    command: 12", "entrypoint: 'python -m \"'",
                                   "image: ghcr.io/matrix-construct/tuwunel:v1\n    environment: {TUWUNEL_CONFIG: ''}"])
def test_odd_compose_command_lines_never_raise(tmp_path, lines):
    result = run(tmp_path, {"compose.yaml": f"services:\n  synapse:\n    image: matrixdotorg/synapse:v1.140.0\n"
                                            f"    {lines}\n    volumes: [./synapse:/data]\n",
                            "synapse/homeserver.yaml": HOMESERVER})
    assert not [d for d in result.diagnostics if "internal error" in d.message]


@pytest.mark.parametrize("field", ["data", "stringData", "both"])
def test_a_homeserver_in_a_secret_is_linked_whichever_way_it_is_written(tmp_path, field):
    import base64

    encoded = base64.b64encode(HOMESERVER.encode()).decode()
    text = manifest(synapse(), "secret: {secretName: hs-config}", kind="Secret")
    if field != "stringData":
        data = f"data:\n  homeserver.yaml: {encoded}\n"
        text = text.replace("stringData:\n", data + "stringData:\n") if field == "both" else \
            text.replace("stringData:\n  homeserver.yaml: |\n" + textwrap.indent(HOMESERVER, "    "), data)
    result = run(tmp_path, {"hs.yaml": text})
    assert linked(result) == [("synapse", "hs")]


def test_a_compose_config_folder_is_read_as_synapse_reads_a_directory(tmp_path):
    files = {"compose.yaml": "services:\n  synapse:\n    image: matrixdotorg/synapse:v1.140.0\n"
                             "    command: [run, -c, /data/homeserver.yaml, -c, /data/conf.d]\n"
                             "    volumes: [./synapse:/data]\n",
             "synapse/homeserver.yaml": HOMESERVER,
             "synapse/conf.d/rtc.yaml": "experimental_features: {msc4143_enabled: true}\n",
             "synapse/conf.d/notes.yml": "experimental_features: {msc4143_enabled: false}\n"}
    result = run(tmp_path, files)
    assert sorted((c.path, c.service) for c in result.deployment.synapse) == [
        ("synapse/conf.d/notes.yml", None), ("synapse/conf.d/rtc.yaml", "synapse"), ("synapse/homeserver.yaml", "synapse")]


@pytest.mark.parametrize("volume,reads", [
    ("projected: {sources: [{secret: {name: hs-signing}}, {configMap: {name: hs-config}}]}", True),
    ("projected: {sources: [{configMap: {name: hs-config, items: [{key: homeserver.yaml, path: x.yaml}]}}]}", False),
    ("projected: {sources: [{secret: {name: hs-config}}]}", False),
])
def test_a_homeserver_in_a_projected_volume(tmp_path, volume, reads):
    result = run(tmp_path, {"hs.yaml": manifest(synapse(), volume)})
    assert linked(result) == [("synapse", "hs" if reads else None)]


def test_a_compose_entrypoint_running_synapse_makes_the_service_the_homeserver(tmp_path):
    lines, files, _ = COMPOSE_CASES["an entrypoint running Synapse"]
    result = run(tmp_path, {"compose.yaml": f"services:\n  hs:\n    {lines}\n", **files})
    (svc,) = result.deployment.services
    assert svc.role == "synapse" and not result.deployment.targets["synapse"].startswith("2")
    other = run(tmp_path / "other", {"compose.yaml": f"services:\n  hs:\n    {lines.replace('synapse.app', 'other.app')}\n",
                                     **files})
    assert [s.role for s in other.deployment.services] == ["other"]
