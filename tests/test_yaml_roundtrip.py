"""rtclint.yaml_roundtrip: structural YAML changes made by ruamel.yaml's round trip and
handed back as minimal edits of the original text — or no edit at all when the dump would
touch lines the change did not target. Synapse's own config loader reads the results."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import ROOT
from rtclint.yaml_roundtrip import delete_key, set_value

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")


def apply(text: str, edits) -> str:
    assert edits is not None
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def fixture(case: str) -> str:
    with open(os.path.join(FIXTURES, case, "tree", "homeserver.yaml"), encoding="utf-8") as fh:
        return fh.read()


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines only in before, lines only in after), as a multiset difference."""
    old, new = before.splitlines(), after.splitlines()
    gone = [line for line in old if old.count(line) > new.count(line)]
    added = [line for line in new if new.count(line) > old.count(line)]
    return gone, added


# -- the Synapse fixtures ------------------------------------------------------------------

def test_adding_a_flag_to_an_existing_section_inserts_one_line():
    text = fixture("RTC500/transports-without-flag")
    edits = set_value(text, "experimental_features", "msc4143_enabled", "true")
    assert len(edits) == 1 and edits[0][0] == edits[0][1]  # an insertion, nothing replaced
    fixed = apply(text, edits)
    assert "experimental_features:\n  msc4222_enabled: true\n  msc4143_enabled: true\n\nmatrix_rtc:" in fixed
    assert changed_lines(text, fixed) == ([], ["  msc4143_enabled: true"])


def test_changing_a_top_level_duration_replaces_only_its_line():
    text = fixture("RTC500/transports-without-flag")
    fixed = apply(text, set_value(text, "", "max_event_delay_duration", "1h"))
    assert changed_lines(text, fixed) == (["max_event_delay_duration: 24h"], ["max_event_delay_duration: 1h"])


def test_a_missing_top_level_setting_is_appended_as_the_fixed_fixture_has_it():
    text = fixture("RTC502/bogus-msc4140-flag").replace("  msc4140_enabled: true\n", "")
    fixed = apply(text, set_value(text, "", "max_event_delay_duration", "24h"))
    with open(os.path.join(FIXTURES, "RTC502/bogus-msc4140-flag/fixed/homeserver.yaml"), encoding="utf-8") as fh:
        assert fixed == fh.read()
    text = fixture("RTC505/delayed-mgmt-absent").replace("max_event_delay_duration: 24h\n", "")  # ends in a blank line
    fixed = apply(text, set_value(text, "", "max_event_delay_duration", "24h"))
    assert fixed.startswith(text) and fixed[len(text):] == "max_event_delay_duration: 24h\n"


def test_a_missing_section_is_created():
    text = fixture("RTC505/delayed-mgmt-absent").rstrip("\n") + "\n"
    start = text.index("experimental_features:")
    end = text.index("matrix_rtc:")
    without = text[:start] + text[end:]
    fixed = apply(without, set_value(without, "experimental_features", "msc4143_enabled", "true"))
    assert fixed.startswith(without)
    assert fixed[len(without):] == "\nexperimental_features:\n  msc4143_enabled: true\n"


def test_deleting_a_flag_takes_its_comment_and_keeps_the_blank_line():
    text = fixture("RTC503/msc3266-newest")
    fixed = apply(text, delete_key(text, "experimental_features", "msc3266_enabled"))
    assert changed_lines(text, fixed) == (["  # MSC3266: Room summary API", "  msc3266_enabled: true"], [])
    assert "  msc4222_enabled: true\n\nmatrix_rtc:" in fixed


# -- the file's own style ---------------------------------------------------------------------

def test_four_space_indentation_and_indented_sequences_are_kept():
    text = ("listeners:\n"
            "    -   port: 8008\n"
            "        type: http\n"
            "experimental_features:\n"
            "    msc4222_enabled: true   # calls\n")
    fixed = apply(text, set_value(text, "experimental_features", "msc4143_enabled", "true"))
    assert fixed == text + "    msc4143_enabled: true\n"


def test_comments_and_quoting_around_the_change_stay():
    text = ('# Synapse\nserver_name: "example.com"   # the name\n'
            "experimental_features:\n  # flags\n  msc4222_enabled: 'true'\n")
    fixed = apply(text, set_value(text, "experimental_features", "msc4222_enabled", "true"))
    assert fixed == text.replace("msc4222_enabled: 'true'", "msc4222_enabled: true")
    fixed = apply(text, set_value(text, "", "server_name", '"matrix.example.com"'))
    assert fixed == text.replace('"example.com"   #', '"matrix.example.com" #')  # the comment stays on its line


def test_crlf_and_a_missing_final_newline_are_kept():
    text = "a: 1\r\nexperimental_features:\r\n  x: true\r\n"
    fixed = apply(text, set_value(text, "experimental_features", "msc4143_enabled", "true"))
    assert fixed == text + "  msc4143_enabled: true\r\n"
    text = "a: 1\nexperimental_features:\n  x: true"
    fixed = apply(text, set_value(text, "experimental_features", "msc4143_enabled", "true"))
    assert fixed == text + "\n  msc4143_enabled: true"
    fixed = apply(text, set_value(text, "", "max_event_delay_duration", "24h"))
    assert fixed == text + "\n\nmax_event_delay_duration: 24h"
    fixed = apply(text, delete_key(text, "experimental_features", "x") or [(0, 0, "")])
    assert fixed == text  # deleting the only key would leave `{}`: no edit, text unchanged


def test_an_empty_section_becomes_the_mapping():
    text = "a: 1\nexperimental_features:\nb: 2\n"
    fixed = apply(text, set_value(text, "experimental_features", "msc4143_enabled", "true"))
    assert fixed == "a: 1\nexperimental_features:\n  msc4143_enabled: true\nb: 2\n"


@pytest.mark.parametrize("text", [
    "a:   1\nexperimental_features:\n  x: true\n",  # the dump would respace `a:   1`
    "experimental_features:\n  x: true\n  y: [1,2]\n",  # ...and re-space the flow list
    "a: 1\n---\nexperimental_features:\n  x: true\n",  # two documents
    "a: 1\nexperimental_features:\n\tx: true\n",  # a tab
    "- a\n- b\n",  # not a mapping
    "a: [\n",  # broken
    "experimental_features: [1]\n",  # the section is not a mapping
])
def test_no_edit_when_the_dump_would_touch_other_lines(text):
    assert set_value(text, "experimental_features", "msc4143_enabled", "true") is None


def test_deleting_what_is_absent_offers_nothing():
    assert delete_key("a: 1\n", "", "b") is None
    assert delete_key("a: 1\n", "experimental_features", "b") is None


# -- Synapse reads the results --------------------------------------------------------------

@pytest.fixture(scope="module")
def synapse():
    if not os.path.exists(SYNAPSE_PY):
        pytest.skip("Synapse venv missing: run tools/install-synapse.sh")
    proc = subprocess.Popen([SYNAPSE_PY, os.path.join(ROOT, "tests", "synapse_load.py"), "--serve"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def load(path: str, scratch: str) -> dict:
        proc.stdin.write(json.dumps({"path": path, "scratch": scratch}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, "the Synapse config loader died"
        return json.loads(line)

    yield load
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its handle
        proc.wait(timeout=10)


def test_synapse_loads_the_changed_files(synapse, tmp_path):
    base = fixture("RTC500/transports-without-flag").replace("max_event_delay_duration: 24h\n", "")
    text = apply(base, set_value(base, "experimental_features", "msc4143_enabled", "true"))
    text = apply(text, set_value(text, "", "max_event_delay_duration", "24h"))
    text = apply(text, set_value(text, "experimental_features", "msc3266_enabled", "true"))
    text = apply(text, delete_key(text, "experimental_features", "msc3266_enabled"))
    path = tmp_path / "homeserver.yaml"
    path.write_text(text, encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = tmp_path / "before.yaml"
    before.write_text(base, encoding="utf-8")
    assert synapse(str(before), str(scratch))["msc4143_enabled"] is False
    loaded = synapse(str(path), str(scratch))
    assert loaded["ok"], loaded
    assert loaded["msc4143_enabled"] is True
    assert loaded["max_event_delay_duration"] in (str(24 * 3600 * 1000), "1 day, 0:00:00")
