"""One manifest file holding a correct `prod` namespace and a broken `staging` copy (same
host names): two deployments, each reported exactly as when its objects are written in a
file of their own — from the root, the folder, the file alone and through the pre-commit
hook (`--context .`). A kustomization's `namespace:` makes them one namespace again, as
`kubectl kustomize` (kustomize v5) builds them."""

import os
import subprocess
import sys

import pytest
import yaml

from conftest import check_json
from test_partition_namespaces import SECRET, manifests
from trees import write

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
PROD = manifests("prod", True, SECRET)
STAGING = manifests("staging", False, SECRET[::-1])
SHIFT = PROD.count("\n") + 1  # the staging objects' lines in the one file, after `---`


@pytest.fixture
def trees(tmp_path):
    write(str(tmp_path / "one"), {"k8s/both.yaml": PROD + "---\n" + STAGING})
    write(str(tmp_path / "two"), {"k8s/prod.yaml": PROD, "k8s/staging.yaml": STAGING})
    return tmp_path


def per_namespace(payload, shift=0):
    """namespace → its findings as (code, line, column, message); a finding in the staging
    half of the one file moved back by the prod half's lines."""
    out = {}
    for d in payload["diagnostics"]:
        ns = d["deployment"].rsplit(" ", 1)[-1].rstrip("]")
        moved = ns == "staging" and d["path"].endswith("both.yaml") and d["line"] > shift
        line = d["line"] - (shift if moved else 0)  # (one at the file's start stays there)
        message = d["message"].replace("k8s/both.yaml", "k8s/FILE").replace("k8s/prod.yaml", "k8s/FILE") \
            .replace("k8s/staging.yaml", "k8s/FILE")
        out.setdefault(ns, set()).add((d["code"], line, d["column"], message))
    return out


def test_each_namespace_of_one_file_is_reported_as_in_a_file_of_its_own(trees):
    two = per_namespace(check_json(".", cwd=trees / "two"))
    assert {"RTC201", "RTC303"} <= {c for c, *_ in two["staging"]}
    assert not {"RTC201", "RTC303"} & {c for c, *_ in two["prod"]}
    for where in (".", "k8s", "k8s/both.yaml"):
        one = check_json(where, cwd=trees / "one")
        assert one["deployments"] == ["k8s [namespace prod]", "k8s [namespace staging]"], where
        assert per_namespace(one, SHIFT) == two, where


def test_the_pre_commit_hook_reports_what_the_root_run_does(trees):
    whole = check_json(".", cwd=trees / "one")
    hook = check_json(["k8s/both.yaml"], cwd=trees / "one", extra=("--context", "."))
    assert per_namespace(hook, SHIFT) == per_namespace(whole, SHIFT)


def test_objects_without_a_namespace_stay_in_the_folder(tmp_path):
    loose = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loose}\ndata: {a: b}\n"
    write(str(tmp_path), {"k8s/both.yaml": PROD + "---\n" + STAGING + "---\n" + loose})
    from rtclint.engine import check

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = check(["."])
    finally:
        os.chdir(cwd)
    names = {dep.name: dep for dep in result.deployments}
    assert set(names) == {"k8s", "k8s [namespace prod]", "k8s [namespace staging]"}
    assert [s.name for s in names["k8s"].services] == ["configmap/loose"]
    for ns in ("prod", "staging"):  # each view holds only its own namespace's objects
        dep = names[f"k8s [namespace {ns}]"]
        assert {s.facts.get("namespace") for s in dep.services} == {ns}
        assert {site.facts["namespace"] for site in dep.sites} == {ns}


def ingress(name, namespace, host):
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: {name}, namespace: {namespace}}}\n"
            f"spec:\n  rules:\n    - host: {host}\n      http:\n        paths:\n          - path: /\n"
            f"            pathType: Prefix\n            backend: {{service: {{name: {name}, port: {{number: 80}}}}}}\n")


def test_a_kustomization_namespace_makes_them_one(tmp_path):
    both = ingress("a", "prod", "a.example.org") + "---\n" + ingress("b", "staging", "b.example.org")
    write(str(tmp_path / "plain"), {"k8s/both.yaml": both})
    assert check_json(".", cwd=tmp_path / "plain")["deployments"] == ["k8s [namespace prod]", "k8s [namespace staging]"]
    write(str(tmp_path / "kust"), {"k8s/both.yaml": both, "k8s/kustomization.yaml": "namespace: rtc\nresources: [both.yaml]\n"})
    built = subprocess.run([KUBECTL, "kustomize", str(tmp_path / "kust" / "k8s")], capture_output=True, text=True,
                           timeout=60)
    assert built.returncode == 0, built.stderr
    assert {o["metadata"]["namespace"] for o in yaml.safe_load_all(built.stdout)} == {"rtc"}
    assert "deployments" not in check_json(".", cwd=tmp_path / "kust")  # one namespace: one deployment
