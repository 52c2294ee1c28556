"""Skipping the rules a deployment gives nothing to read (rules/scope.py) changes no
finding: every fixture tree, every example and every upstream config of ../shared, checked
whole and file by file (as pre-commit and the editor check them), finds exactly what
the same check finds with every rule run. A rule whose WHERE names too few kinds fails
here with the tree and the finding it would have lost."""

from __future__ import annotations

import os

import pytest

from conftest import ROOT, SHARED
from rtclint import engine
from rtclint.config import Config
from rtclint.discover import discover
from rtclint.rules import READS
from rtclint.rules import scope
from rtclint.rules.registry import all_rules

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
UPSTREAM = os.path.join(SHARED, "corpus", "upstream")


def _trees() -> list[str]:
    trees = []
    for dirpath, dirs, _files in os.walk(FIXTURES):
        if os.path.basename(dirpath) == "tree":
            trees.append(dirpath)
            dirs[:] = []
    examples = os.path.join(ROOT, "examples")
    trees += [os.path.join(examples, d) for d in sorted(os.listdir(examples)) if os.path.isdir(os.path.join(examples, d))]
    trees += [os.path.join(UPSTREAM, d) for d in sorted(os.listdir(UPSTREAM)) if os.path.isdir(os.path.join(UPSTREAM, d))]
    return sorted(trees)


def _findings(paths: list[str], monkeypatch, every_rule: bool) -> list[tuple]:
    with monkeypatch.context() as patch:
        if every_rule:
            patch.setattr(scope, "may_fire", lambda where, kinds: True)
            patch.setattr(scope, "family_may_fire", lambda module, kinds: True)
        result = engine.check(paths, Config())
    return sorted((d.code, d.span.path, d.span.start, d.message) for d in result.diagnostics)


TREES = _trees()


def test_the_trees_are_many_and_varied():
    assert len(TREES) > 300
    assert all(len(where.split()) >= 1 for where in READS.values())


@pytest.mark.parametrize("tree", TREES, ids=lambda t: os.path.relpath(t, os.path.dirname(ROOT)))
def test_a_tree_finds_the_same_with_only_the_rules_it_needs(tree, monkeypatch):
    all_rules()  # every rule registered, so both runs see the same registry
    assert _findings([tree], monkeypatch, False) == _findings([tree], monkeypatch, True)
    for candidate in discover([tree], []):
        one = [candidate.path]
        assert _findings(one, monkeypatch, False) == _findings(one, monkeypatch, True), candidate.path


def test_a_deployment_holding_no_homeserver_skips_the_homeserver_rules(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  jwt:\n    image: ghcr.io/element-hq/lk-jwt-service:0.3.0\n")
    result = engine.check([str(tmp_path)], Config())
    kinds = scope.kinds_held(result.deployments[0])
    assert "compose" in kinds and "synapse" not in kinds and "nginx" not in kinds
    assert not scope.may_fire(READS["synapse.rtc500_msc4143_disabled"], kinds)
    assert scope.may_fire(READS["jwt.rtc300_jwt_env_missing"], kinds)
    assert scope.may_fire("all", set())
    # no LiveKit and no proxy site: the LiveKit and routing families stay out too
    assert not scope.family_may_fire("livekit.rtc403_rtc_ports_not_published", kinds)
    assert not scope.family_may_fire("routing.rtc207_upstream_port_mismatch", kinds)
    assert scope.family_may_fire("jwt.rtc300_jwt_env_missing", kinds)
    assert not scope.family_may_fire("homeserver_toml.rtc700_toml_no_transport", kinds)
