"""bench/generate.py's Kubernetes set (issue #15's "300 Kubernetes YAML files"): the same
bytes for the same seed, every file a multi-document manifest rtclint reads as Kubernetes."""

import os
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import generate  # noqa: E402


def test_kube_set_is_deterministic_kubernetes(tmp_path):
    first = generate.kube_set(str(tmp_path / "a"), 4)
    again = generate.kube_set(str(tmp_path / "b"), 4)
    assert [open(p).read() for p in first] == [open(p).read() for p in again]
    for path in first:
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
        assert len(docs) >= 3 and all("apiVersion" in d and "kind" in d for d in docs)
