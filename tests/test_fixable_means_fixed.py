"""Fixable means fixed: `[*]`, "N fixable" and SARIF `fixes` only for fixes `--fix` will
apply; a withheld fix says why; a fix that would bring a new finding is completed in
the same run (RTC105's new Caddy site also delegates federation, so no RTC208 follows)."""

import dataclasses
import gc
import json
import os
import shutil

import pytest

from conftest import ROOT, run_rtclint
from rtclint.diagnostics import Edit

NGINX_CASE = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC106", "nginx-no-cors", "tree")
RTC105_CASE = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC105", "caddy-new-site-block", "tree")


def _elided_tree(tmp_path):
    """The RTC106 nginx case with a documentation elision (`...`) in nginx.conf: an
    RTC001, so nginx.conf is never edited and its RTC106 fix cannot be applied."""
    tree = tmp_path / "tree"
    shutil.copytree(NGINX_CASE, tree)
    conf = tree / "nginx.conf"
    conf.write_text(conf.read_text().replace("    location", "    ...\n    location", 1))
    return tree


def test_a_fix_in_a_file_that_did_not_parse_is_not_offered_and_says_why(tmp_path):
    tree = _elided_tree(tmp_path)
    text = run_rtclint(["check", "--no-cache", "."], cwd=tree).stdout
    rtc106 = next(line for line in text.splitlines() if " RTC106 " in line)
    assert "[*]" not in rtc106 and "did not parse completely" in rtc106
    assert "fixable" not in text.splitlines()[-1]
    payload = json.loads(run_rtclint(["check", "--no-cache", "--format", "json", "."], cwd=tree).stdout)
    assert all(d["fix"] is None for d in payload["diagnostics"])
    sarif = json.loads(run_rtclint(["check", "--no-cache", "--format", "sarif", "."], cwd=tree).stdout)
    assert not any("fixes" in r for r in sarif["runs"][0]["results"])
    before = (tree / "nginx.conf").read_bytes()
    run_rtclint(["check", "--no-cache", "--fix", "--unsafe-fixes", "."], cwd=tree)
    assert (tree / "nginx.conf").read_bytes() == before


def test_an_unsafe_new_site_comes_with_its_federation_delegation(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(RTC105_CASE, tree)
    fixed = run_rtclint(["check", "--no-cache", "--fix", "--unsafe-fixes", "."], cwd=tree)
    assert "Fixed" in fixed.stdout
    again = json.loads(run_rtclint(["check", "--no-cache", "--format", "json", "."], cwd=tree).stdout)
    # Information only: RTC005 says the tree holds no call backend, RTC512 that Synapse
    # >= 1.161 (the default target) could also be given the SFU's `url`
    assert [d["code"] for d in again["diagnostics"] if d["code"] not in ("RTC005", "RTC512")] == []


# -- a fix --fix would withdraw is not offered ---------------------------------------------

BACKEND = """services:
  livekit:
    image: livekit/livekit-server:v1.9.0
    command: --config /etc/livekit.yaml
    ports: ["7880:7880", "7881:7881", "50100-50200:50100-50200/udp"]
  lk-jwt:
    image: ghcr.io/element-hq/lk-jwt-service:0.3.0
    environment:
      LIVEKIT_URL: wss://rtc.example.com
      LIVEKIT_FULL_ACCESS_HOMESERVERS: example.com
"""


@pytest.fixture
def rtc105_without_delegation(monkeypatch):
    """RTC105's new Caddy site as it was before it delegated federation: the site for the
    server_name then brings RTC208 (lk-jwt-service cannot check OpenID tokens there), the
    case of #16, so `--fix --unsafe-fixes` withdraws it."""
    from rtclint.rules.discovery import rtc105_missing_delegated_well_known as rtc105

    real = rtc105._copy_handler_fix

    def without_delegation(*args, **kwargs):
        fix = real(*args, **kwargs)
        if fix is None:
            return None
        edits = tuple(Edit(e.span, "".join(line for line in e.content.splitlines(True)
                                           if "/.well-known/matrix/server" not in line)) for e in fix.edits)
        return dataclasses.replace(fix, edits=edits)

    monkeypatch.setattr(rtc105, "_copy_handler_fix", without_delegation)


def _invoke(args: list[str]) -> str:
    from click.testing import CliRunner

    from rtclint.cli.app import rtclint as cli

    try:
        return CliRunner().invoke(cli, ["check", "--no-cache", *args, "."]).output
    finally:
        gc.enable()  # `check` turns the collector off for its process


def test_a_new_site_that_would_bring_rtc208_is_not_offered_and_says_why(tmp_path, monkeypatch,
                                                                        rtc105_without_delegation):
    tree = tmp_path / "tree"
    shutil.copytree(RTC105_CASE, tree)
    (tree / "docker-compose.yml").write_text(BACKEND)
    monkeypatch.chdir(tree)
    for args in (["--unsafe-fixes"], []):
        shown = _invoke(args)
        rtc105 = next(line for line in shown.splitlines() if " RTC105 " in line)
        assert "[*]" not in rtc105 and "its fix is not applied: it would bring a new finding: RTC208" in rtc105, shown
        assert "fixable" not in shown and "hidden fix" not in shown, shown
    payload = json.loads(_invoke(["--output-format", "json"]))
    assert [d["fix"] for d in payload["diagnostics"] if d["code"] == "RTC105"] == [None]
    sarif = json.loads(_invoke(["--output-format", "sarif"]))
    assert not [r for r in sarif["runs"][0]["results"] if "fixes" in r]
    before = (tree / "Caddyfile").read_bytes()
    fixed = _invoke(["--fix", "--unsafe-fixes"])
    assert (tree / "Caddyfile").read_bytes() == before and "Fixed 0 problems" in fixed, fixed
