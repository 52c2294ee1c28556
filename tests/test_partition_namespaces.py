"""One deployment per Kubernetes namespace: one folder holding a correct `prod` namespace and
a broken `staging` copy on the same host names reports each exactly as when its manifest is
checked alone, from the folder, file by file and through the pre-commit hook (`--context .`)."""

import re

import pytest

from conftest import check_json
from rtclint.model import FileFacts, Site
from rtclint.model.partition import partition
from trees import write

SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture value


def manifests(namespace: str, strip: bool, secret: str) -> str:
    notes = "\n  annotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /$2" if strip else ""
    path = "/livekit/jwt(/|$)(.*)" if strip else "/livekit/jwt"
    kind = "ImplementationSpecific" if strip else "Prefix"
    return f"""
apiVersion: v1
kind: Secret
metadata: {{name: jwt-auth, namespace: {namespace}}}
stringData: {{key: callkey, secret: {SECRET}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: lk, namespace: {namespace}}}
stringData:
  livekit.yaml: |
    port: 7880
    keys:
      callkey: {secret}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: livekit, namespace: {namespace}}}
spec:
  template:
    metadata: {{labels: {{app: livekit}}}}
    spec:
      containers:
        - name: livekit
          image: livekit/livekit-server:v1.9.0
          args: [--config, /etc/livekit/livekit.yaml]
          ports: [{{containerPort: 7880, name: http}}]
          volumeMounts: [{{name: cfg, mountPath: /etc/livekit}}]
      volumes: [{{name: cfg, secret: {{secretName: lk}}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: jwt, namespace: {namespace}}}
spec:
  template:
    metadata: {{labels: {{app: jwt}}}}
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.8.0
          ports: [{{containerPort: 8080, name: http}}]
          env:
            - {{name: LIVEKIT_URL, value: "wss://rtc.example.org/livekit/sfu"}}
            - {{name: LIVEKIT_FULL_ACCESS_HOMESERVERS, value: example.org}}
            - name: LIVEKIT_KEY
              valueFrom: {{secretKeyRef: {{name: jwt-auth, key: key}}}}
            - name: LIVEKIT_SECRET
              valueFrom: {{secretKeyRef: {{name: jwt-auth, key: secret}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: jwt, namespace: {namespace}}}
spec:
  selector: {{app: jwt}}
  ports: [{{port: 80, targetPort: http}}]
---
apiVersion: v1
kind: Service
metadata: {{name: livekit, namespace: {namespace}}}
spec:
  selector: {{app: livekit}}
  ports: [{{port: 7880, targetPort: http}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: jwt
  namespace: {namespace}{notes}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [rtc.example.org]}}]
  rules:
    - host: rtc.example.org
      http:
        paths:
          - path: {path}
            pathType: {kind}
            backend: {{service: {{name: jwt, port: {{number: 80}}}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: sfu, namespace: {namespace}}}
spec:
  ingressClassName: nginx
  tls: [{{hosts: [rtc.example.org]}}]
  rules:
    - host: rtc.example.org
      http:
        paths:
          - path: /livekit/sfu
            pathType: Prefix
            backend: {{service: {{name: livekit, port: {{number: 7880}}}}}}
"""


@pytest.fixture
def two_namespaces(tmp_path):
    write(str(tmp_path), {"k8s/prod.yaml": manifests("prod", True, SECRET),
                          "k8s/staging.yaml": manifests("staging", False, SECRET[::-1])})
    return tmp_path


def _findings(payload, without=("RTC007",)):
    """Each finding; a message naming its deployment names it by folder (alone, a manifest's
    deployment is its folder; among others, `folder [namespace NS]`)."""
    return {(d["code"], d["path"], d["line"], d["column"], re.sub(r" \[namespace \w+\]", "", d["message"]))
            for d in payload["diagnostics"] if d["code"] not in without}


def test_each_namespace_is_reported_as_when_its_manifest_is_checked_alone(two_namespaces):
    prod = _findings(check_json("k8s/prod.yaml", cwd=two_namespaces))
    staging = _findings(check_json("k8s/staging.yaml", cwd=two_namespaces))
    codes = {code for code, *_ in staging}
    assert {"RTC201", "RTC303"} <= codes  # the broken copy: prefix not stripped, keys disagree
    assert not {"RTC201", "RTC303"} & {code for code, *_ in prod}
    for where in (".", "k8s"):
        whole = check_json(where, cwd=two_namespaces)
        assert _findings(whole) == prod | staging, where
        assert whole["deployments"] == ["k8s [namespace prod]", "k8s [namespace staging]"]
        assert all(d["deployment"] == f"k8s [namespace {d['path'][4:-5]}]" for d in whole["diagnostics"])


def test_a_shared_host_is_said_once(two_namespaces):
    found = [d for d in check_json(".", cwd=two_namespaces)["diagnostics"] if d["code"] == "RTC007"]
    assert len(found) == 1 and "rtc.example.org" in found[0]["message"]


def test_the_pre_commit_hook_reports_what_the_root_run_does(two_namespaces):
    whole = _findings(check_json(".", cwd=two_namespaces), without=())
    files = ["k8s/prod.yaml", "k8s/staging.yaml"]
    assert _findings(check_json(files, cwd=two_namespaces, extra=("--context", ".")), without=()) == whole
    per_file = set()
    for path in files:
        found = _findings(check_json(path, cwd=two_namespaces, extra=("--context", ".")), without=())
        assert found <= whole, path
        per_file |= found
    assert per_file == whole


def _site_file(path, namespace):
    from rtclint.document import Span

    return FileFacts(path, subkind="k8s", sites=[Site("ingress", ["rtc.example.org"], [], [], Span(path, 0, 0),
                                                      facts={"namespace": namespace})])


def test_a_namespace_without_an_anchor_or_a_file_without_one_namespace_stays_in_the_folder():
    one = partition([_site_file("k/a.yaml", "prod"), FileFacts("k/cm.yaml", subkind="k8s")])
    assert [p.root for p in one] == ["k"]
    two = partition([_site_file("k/a.yaml", "prod"), _site_file("k/b.yaml", "staging"),
                     FileFacts("k/shared.yaml", subkind="k8s")])
    assert {p.root: [f.path for f in p.files] for p in two} == {
        "k": ["k/shared.yaml"], "k [namespace prod]": ["k/a.yaml"], "k [namespace staging]": ["k/b.yaml"]}
