"""One finding per cause: a placeholder secret is reported once (RTC901), and that
finding names the others its value also raised (RTC401 short, RTC900 plain text)."""

import os

from conftest import ROOT, check_json
from rtclint.rules.registry import all_rules
from rtclint.rules.root_cause import EXPLAINS

GUIDE = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC901", "guide-placeholders", "tree")


def _by_line(diagnostics, path):
    out = {}
    for d in diagnostics:
        if d["path"].endswith(path):
            out.setdefault(d["line"], []).append(d)
    return out


def test_a_placeholder_secret_is_one_finding_that_names_the_others():
    diagnostics = check_json(".", cwd=GUIDE)["diagnostics"]
    compose = _by_line(diagnostics, "docker-compose.yml")[8]
    assert [d["code"] for d in compose] == ["RTC901"]
    assert "RTC900" in compose[0]["message"]
    livekit = _by_line(diagnostics, "livekit.yaml")[8]
    assert [d["code"] for d in livekit] == ["RTC901"]
    assert "RTC401" in livekit[0]["message"]


def test_a_real_short_secret_still_gets_its_own_finding(tmp_path):
    (tmp_path / "livekit.yaml").write_text("port: 7880\nrtc:\n  tcp_port: 7881\nkeys:\n  callkey: Zq8shortRealValue\n")
    codes = [d["code"] for d in check_json(".", cwd=tmp_path)["diagnostics"]]
    assert "RTC401" in codes and "RTC901" not in codes


def test_the_table_names_real_rules_and_no_rule_explains_itself():
    known = all_rules()
    for cause, explained in EXPLAINS.items():
        assert cause in known and all(code in known for code in explained)
        assert cause not in explained
