"""Fixable means fixed: `[*]`, "N fixable" and SARIF `fixes` only for fixes `--fix` will
apply; a withheld fix says why; a fix that would bring a new finding is completed in
the same run (RTC105's new Caddy site also delegates federation, so no RTC208 follows)."""

import json
import os
import shutil

from conftest import ROOT, run_rtclint

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
