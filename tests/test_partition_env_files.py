"""Each fact from the file the runtime takes it from: an env file is a program's only when
something loads it (Compose `env_file`, a kustomize generator, Kubernetes `envFrom`); the
server_name is the homeserver config's, and an allow-list naming a host of it is RTC304,
never a second server_name."""

import os
import shutil

from conftest import ROOT
from rtclint.model.stacks import jwt_services
from trees import run

COMPOSE = """
services:
  jwt:
    image: ghcr.io/element-hq/lk-jwt-service:0.8.0
    env_file: {env_file}
    environment:
      - LIVEKIT_URL=wss://sfu.example.org
"""


def codes(result):
    return [d.code for d in result.diagnostics]


def test_an_env_file_nothing_loads_beside_compose_runs_nothing(tmp_path):
    result = run(tmp_path, {"compose.yaml": COMPOSE.format(env_file="livekit.env"),
                            "livekit.env": "LIVEKIT_KEY=callkey\nLIVEKIT_SECRET=s3cr3t-value-123\n"
                                           "LIVEKIT_FULL_ACCESS_HOMESERVERS=example.org\n",
                            "jwt.env": "LIVEKIT_URL=wss://elsewhere.example.org\n"})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.source == "compose" and jwt.env["LIVEKIT_KEY"].value == "callkey"
    assert [s.source for s in result.deployment.services] == ["compose"]
    assert "RTC300" not in codes(result)


def test_the_project_env_feeds_interpolation_only(tmp_path):
    result = run(tmp_path, {"compose.yaml": COMPOSE.format(env_file="livekit.env").replace(
        "sfu.example.org", "${SFU_HOST}"),
        "livekit.env": "LIVEKIT_KEY=callkey\nLIVEKIT_SECRET=s3cr3t-value-123\nLIVEKIT_FULL_ACCESS_HOMESERVERS=example.org\n",
        ".env": "SFU_HOST=sfu.example.org\nLIVEKIT_KEY=not-the-services\n"})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.org" and jwt.env["LIVEKIT_KEY"].value == "callkey"
    assert len(result.deployment.services) == 1


def test_an_env_file_alone_is_still_the_program_it_configures(tmp_path):
    result = run(tmp_path, {"jwt.env": "LIVEKIT_URL=wss://sfu.example.org\nLIVEKIT_KEY=callkey\n"})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.source == "env-file" and "RTC300" in codes(result)


def test_beside_kubernetes_manifests_only_what_a_generator_reads_counts(tmp_path):
    result = run(tmp_path, {
        "kustomization.yaml": "resources: [jwt.yaml]\nconfigMapGenerator:\n  - name: jwt-env\n    envs: [jwt.env]\n",
        "jwt.env": "LIVEKIT_URL=wss://sfu.example.org\nLIVEKIT_FULL_ACCESS_HOMESERVERS=example.org\n",
        "old.env": "LIVEKIT_URL=wss://old.example.org\nLIVEKIT_KEY=stale\n",
        "jwt.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: jwt}
            spec:
              template:
                spec:
                  containers:
                    - name: jwt
                      image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                      envFrom: [{configMapRef: {name: jwt-env}}]
            """})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.source == "k8s" and jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.org"
    assert jwt.env["LIVEKIT_URL"].value_span.path == "jwt.env"  # a finding on it points into the env file
    assert not [s for s in result.deployment.services if s.source == "env-file"]


def test_a_host_in_the_allow_list_is_rtc304_not_a_second_server_name(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples", "caddy-compose-fixed"), tmp_path / "t")
    compose = tmp_path / "t" / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("LIVEKIT_FULL_ACCESS_HOMESERVERS=example.net",
                                                   "LIVEKIT_FULL_ACCESS_HOMESERVERS=matrix.example.net"))
    result = run(tmp_path / "t", {})
    assert codes(result) == ["RTC304"]
    assert "write `example.net`" in result.diagnostics[0].message
    names = [str(n.value) for n in result.deployment.server_names()]
    assert names == ["example.net"]  # from homeserver.yaml only


def test_a_generator_env_file_the_tree_lacks_leaves_the_variables_unknown(tmp_path):
    result = run(tmp_path, {
        "kustomization.yaml": "configMapGenerator:\n  - name: jwt-env\n    envs: [secret.env]\n"
                              "    literals: [LIVEKIT_URL=wss://sfu.example.org]\n",
        "jwt.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: jwt}
            spec:
              template:
                spec:
                  containers:
                    - name: jwt
                      image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                      envFrom: [{configMapRef: {name: jwt-env}}]
            """})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.org"
    assert "RTC300" not in codes(result)  # LIVEKIT_KEY may well be in secret.env
