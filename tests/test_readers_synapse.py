"""The Synapse, ESS and JSON readers: exact spans, what they model, and that they never
raise on broken input."""

from __future__ import annotations

import json
import os
import random

import pytest

from conftest import SHARED
from rtclint.document import Document
from rtclint.model import RTC_FOCI_KEY
from rtclint.parsers import jsonfile
from rtclint.parsers import yaml as yaml_parser
from rtclint.parsers.base import Tree
from rtclint.parsers.yaml_ess import chart_transports
from rtclint.rules.synapse.durations import parse_duration_ms

CORPUS = os.path.join(SHARED, "corpus", "upstream")


def read(text: str, path: str = "homeserver.yaml", kind: str = "yaml"):
    doc = Document(path=path, abspath=os.path.join("/nonexistent", path), kind=kind, text=text)
    tree = Tree(["/nonexistent"], lambda p: None)
    parser = yaml_parser if kind == "yaml" else jsonfile
    return doc, parser.read(doc, tree)


def text_of(doc, span):
    return doc.text[span.start:span.end]


HS = """server_name: "example.com"
public_baseurl: https://matrix.example.com
experimental_features:
  # MSC4143
  msc4143_enabled: true
  msc4222_enabled: false
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://rtc.example.com
max_event_delay_duration: 24h
rc_message: {per_second: 0.5, burst_count: 30}
extra_well_known_client_content:
  m.homeserver: {base_url: "https://evil.example.net"}
  org.matrix.msc4143.rtc_foci:
    - type: livekit
      livekit_service_url: https://rtc.example.com
"""


def test_synapse_settings_and_spans():
    doc, facts = read(HS)
    [cfg] = facts.synapse
    assert facts.subkind == "synapse" and not cfg.fragment
    assert cfg.server_name.value == "example.com" and text_of(doc, cfg.server_name.span) == '"example.com"'
    assert cfg.experimental["msc4143_enabled"].value is True
    assert text_of(doc, cfg.experimental["msc4222_enabled"].key_span) == "msc4222_enabled"
    assert [t.value for t in cfg.transports] == [{"type": "livekit", "livekit_service_url": "https://rtc.example.com"}]
    url = cfg.keys["matrix_rtc.transports[0].livekit_service_url"]
    assert text_of(doc, url.span) == "https://rtc.example.com"
    assert cfg.rate_limits["rc_message"].value == {"per_second": 0.5, "burst_count": 30}
    assert cfg.max_event_delay_duration.value == "24h"


def _set(text: str, section: str, key: str, value: str) -> str:
    """The file after rules.common.synapse_view.set_setting (ruamel's round trip) applied."""
    from rtclint.rules.common.synapse_view import set_setting

    doc, facts = read(text)
    edits = set_setting(doc, facts.synapse[0], section, key, value)
    for edit in sorted(edits, key=lambda e: -e.span.start):
        text = text[:edit.span.start] + edit.content + text[edit.span.end:]
    return text


def test_a_new_setting_goes_after_the_sections_last_line():
    fixed = _set(HS, "experimental_features", "msc4140_enabled", "true")
    assert "  msc4222_enabled: false\n  msc4140_enabled: true\n" in fixed
    assert fixed.replace("  msc4140_enabled: true\n", "", 1) == HS  # nothing else moved


def test_fragment_without_server_name():
    _doc, facts = read("experimental_features:\n  msc4143_enabled: true\n", path="conf.d/calls.yaml")
    assert facts.synapse and facts.synapse[0].fragment


def test_synapse_well_known_keeps_synapse_keys_first():
    """Synapse builds m.homeserver from public_baseurl; extra content never replaces it."""
    _doc, facts = read(HS)
    [wk] = facts.well_knowns
    assert wk.source == "synapse" and wk.hosts == ["matrix.example.com"]
    value, error = wk.parse()
    assert error is None
    assert value["m.homeserver"] == {"base_url": "https://matrix.example.com/"}
    assert value[RTC_FOCI_KEY][0]["livekit_service_url"] == "https://rtc.example.com"


@pytest.mark.parametrize("value, ms", [("24h", 86_400_000), ("5m", 300_000), ("1500", 1500), (1500, 1500),
                                       ("2x", None), ("", None), (True, None)])
def test_parse_duration_like_synapse(value, ms):
    assert parse_duration_ms(value) == ms


# -- ESS --------------------------------------------------------------------------------


def test_ess_quick_setup_renders_chart_well_known():
    path = os.path.join(CORPUS, "element-hq-ess-helm", "quick-setup-hostnames", "charts", "matrix-stack", "ci",
                        "fragments", "quick-setup-hostnames.yaml")
    with open(path, encoding="utf-8") as fh:
        doc, facts = read(fh.read(), path="quick-setup-hostnames.yaml")
    [values] = facts.ess
    assert values.server_name.value == "your.tld"
    assert values.hosts["matrixRTC"].value == "mrtc.your.tld"
    assert values.component_enabled("matrixRTC") and values.component_enabled("wellKnownDelegation")
    [wk] = facts.well_knowns
    assert wk.source == "ess" and wk.hosts == ["your.tld"]
    body, _ = wk.parse()
    assert body == {"m.homeserver": {"base_url": "https://matrix.your.tld"},
                    RTC_FOCI_KEY: [{"type": "livekit", "livekit_service_url": "https://mrtc.your.tld"}]}
    assert chart_transports(values) == [{"type": "livekit", "livekit_service_url": "https://mrtc.your.tld"}]


ESS = """serverName: example.org
matrixRTC:
  ingress:
    host: rtc.example.org
  sfu:
    exposedServices:
      rtcTcp:
        port: 30881
      rtcMuxedUdp:
        portType: HostPort
synapse:
  ingress:
    host: "{{ .Values.serverName }}"
wellKnownDelegation:
  additional:
    client: '{"io.element.e2ee": {"default": true}, "org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "https://other:8443"}]}'
"""


def test_ess_additional_client_cannot_override_chart_keys():
    doc, facts = read(ESS, path="values.yaml")
    [values] = facts.ess
    assert "synapse" not in values.hosts  # a tpl string is not a host we can know
    assert values.exposed_services["rtcTcp"]["port"].value == 30881
    assert text_of(doc, values.exposed_services["rtcMuxedUdp"]["portType"].span) == "HostPort"
    [wk] = facts.well_knowns
    body, _ = wk.parse()
    assert body["io.element.e2ee"] == {"default": True}
    assert body[RTC_FOCI_KEY] == [{"type": "livekit", "livekit_service_url": "https://rtc.example.org"}]
    assert "m.homeserver" not in body  # no literal Synapse host
    assert text_of(doc, wk.span).startswith("'{\"io.element.e2ee\"")


def test_ess_broken_additional_json_is_kept_raw():
    text = ESS.replace('{"io.element.e2ee": {"default": true},', '{"io.element.e2ee": ')
    _doc, facts = read(text, path="values.yaml")
    [wk] = facts.well_knowns
    assert wk.parse()[1] is not None and wk.facts.get("raw_additional")


def test_ess_delegation_disabled_serves_nothing():
    _doc, facts = read("serverName: example.org\nwellKnownDelegation:\n  enabled: false\n", path="values.yaml")
    assert facts.ess and not facts.well_knowns


# -- JSON -------------------------------------------------------------------------------


def test_static_well_known_file():
    body = '{"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "https://rtc"}]}\n'
    doc, facts = read(body, path="www/.well-known/matrix/client", kind="json")
    [wk] = facts.well_knowns
    assert wk.which == "client" and wk.source == "static-file" and text_of(doc, wk.span) == body
    _doc, facts = read('{"m.server": "matrix.example.org:443"', path="www/.well-known/matrix/server", kind="json")
    assert facts.well_knowns[0].which == "server" and not facts.diagnostics  # RTC100 judges the body


def test_element_call_config_facts():
    text = json.dumps({"default_server_config": {"m.homeserver": {"base_url": "https://matrix.example.org",
                                                                  "server_name": "example.org"}},
                       "livekit": {"livekit_service_url": "https://rtc.example.org"},
                       "matrix_rtc_mode": "matrix_2_0"}, indent=2)
    doc, facts = read(text, path="config.json", kind="json")
    [ec] = facts.element_call
    assert ec["matrix_rtc_mode"].value == "matrix_2_0" and text_of(doc, ec["matrix_rtc_mode"].span) == '"matrix_2_0"'
    assert text_of(doc, ec["matrix_rtc_mode"].key_span) == '"matrix_rtc_mode"'
    assert text_of(doc, ec["livekit_service_url"].span) == '"https://rtc.example.org"'
    assert ec["server_name"].value == "example.org"


def test_other_config_json_is_skipped_and_broken_call_config_reported():
    _doc, facts = read('{"default_server_config": {}, "element_call": {"url": "x"}}', path="config.json",
                       kind="json")
    assert not facts.element_call and not facts.diagnostics
    _doc, facts = read('{"name": "x",', path="config.json", kind="json")
    assert not facts.diagnostics
    doc, facts = read('{\n  "matrix_rtc_mode": "matrix_2_0"\n  "livekit": {}\n}', path="config.json", kind="json")
    [diag] = facts.diagnostics
    assert diag.code == "RTC001" and doc.line_col(diag.span.start) == (3, 3)


# -- robustness ---------------------------------------------------------------------------


def _samples():
    files = [os.path.join(CORPUS, "element-hq-element-call", "dev-backend", "backend", "dev_homeserver.yaml"),
             os.path.join(CORPUS, "element-hq-ess-helm", "ci-matrix-rtc-secrets-in-helm", "charts", "matrix-stack",
                          "ci", "matrix-rtc-secrets-in-helm-values.yaml")]
    out = [HS, ESS]
    for path in files:
        with open(path, encoding="utf-8") as fh:
            out.append(fh.read())
    return out


def test_readers_never_raise_and_spans_stay_inside():
    rng = random.Random(4)
    for text in _samples():
        variants = [text[:cut] for cut in range(0, len(text), max(1, len(text) // 40))]
        for _ in range(20):
            chars = list(text)
            for _ in range(5):
                chars[rng.randrange(len(chars))] = rng.choice(":{}[]-'\"\n\t &*!|>%@`")
            variants.append("".join(chars))
        for variant in variants:
            for path, kind in (("homeserver.yaml", "yaml"), ("values.yaml", "yaml"), ("config.json", "json")):
                doc, facts = read(variant, path=path, kind=kind)
                for cfg in facts.synapse:
                    for located in cfg.keys.values():
                        for span in (located.span, located.key_span):
                            assert span is None or 0 <= span.start <= span.end <= len(doc.text)
                for wk in facts.well_knowns:
                    assert 0 <= wk.span.start <= wk.span.end <= len(doc.text)
                for d in facts.diagnostics:
                    assert 0 <= d.span.start <= d.span.end <= len(doc.text)


def test_a_new_setting_goes_before_the_comments_of_the_next_block():
    text = ("matrix_rtc:\n  transports:\n    - type: livekit\n      livekit_service_url: https://rtc\n\n"
            "# The maximum allowed duration\nmax_event_delay_duration: 24h\n")
    fixed = _set(text, "matrix_rtc", "enabled", "true")
    assert fixed == text.replace("https://rtc\n", "https://rtc\n  enabled: true\n", 1)


ODD_VALUES = [
    "experimental_features: [msc4143_enabled]\nmatrix_rtc: {transports: {type: livekit}}\n",
    "experimental_features: {msc4143_enabled: yes}\nmatrix_rtc: [1, 2]\nmax_event_delay_duration: [1]\n",
    "experimental_features:\nmatrix_rtc:\n  transports:\n    - 42\n    - {type: 7}\n"
    "    - {type: livekit, livekit_service_url: 5}\n",
    "rc_message: 12\nrc_delayed_event_mgmt: {per_second: fast, burst_count: null}\nmax_event_delay_duration: -5\n",
    "server_name: [a]\npublic_baseurl: 7\nextra_well_known_client_content: 3\n",
    "server_name: example.com\n? [complex, key]\n: value\n&a x: *a\n",
]


@pytest.mark.parametrize("text", ODD_VALUES)
def test_rules_survive_odd_value_types(tmp_path, text):
    """Wrong types are the user's bug, never a crash of a rule (a rule's exception would
    end the whole run)."""
    from rtclint.engine import check

    (tmp_path / "homeserver.yaml").write_text(text)
    (tmp_path / "config.json").write_text('{"matrix_rtc_mode": "matrix_2_0", "default_server_config": 5}')
    result = check([str(tmp_path)])
    assert all(d.span.end <= len(result.deployment.documents[d.path].text) for d in result.diagnostics
               if d.path in result.deployment.documents)


def test_matrix_rtc_transports_not_a_list_is_reported(tmp_path):
    from rtclint.engine import check

    (tmp_path / "homeserver.yaml").write_text(ODD_VALUES[0])
    codes = {d.code for d in check([str(tmp_path)]).diagnostics}
    assert "RTC501" in codes


def test_ess_values_files_of_one_release_are_merged(tmp_path):
    """hostnames.yaml + another values file in one directory: one release, one
    well-known (emitted by the file that sets serverName), later files win."""
    from rtclint.engine import check

    (tmp_path / "a-hostnames.yaml").write_text(
        "serverName: example.org\nmatrixRTC:\n  ingress:\n    host: rtc.example.org\n")
    (tmp_path / "b-more.yaml").write_text(
        "matrixRTC:\n  ingress:\n    host: mrtc.example.org\nsynapse:\n  enabled: false\n")
    result = check([str(tmp_path)])
    ess_wks = [wk for wk in result.deployment.well_knowns("client") if wk.source == "ess"]
    assert len(ess_wks) == 1 and ess_wks[0].span.path.endswith("a-hostnames.yaml")
    body, _ = ess_wks[0].parse()
    assert body == {RTC_FOCI_KEY: [{"type": "livekit", "livekit_service_url": "https://mrtc.example.org"}]}
    for values in result.deployment.ess:
        assert values.release is not None and values.chart_view.server_name.value == "example.org"
        assert not values.chart_view.component_enabled("synapse")


def test_ess_values_of_different_releases_are_not_merged(tmp_path):
    from rtclint.engine import check

    (tmp_path / "prod.yaml").write_text("serverName: example.org\nmatrixRTC:\n  ingress:\n    host: rtc.example.org\n")
    (tmp_path / "staging.yaml").write_text("serverName: staging.example.org\nmatrixRTC:\n  ingress:\n"
                                           "    host: rtc.staging.example.org\n")
    result = check([str(tmp_path)])
    assert all(values.release is None for values in result.deployment.ess)
    hosts = sorted(wk.hosts[0] for wk in result.deployment.well_knowns("client") if wk.source == "ess")
    assert hosts == ["example.org", "staging.example.org"]


def _random_json(rng, depth=0):
    kind = rng.choice(["obj", "arr", "str", "num", "lit"] if depth < 4 else ["str", "num", "lit"])
    if kind == "obj":
        return {rng.choice(["a", "b", "ü", "k\"q", "livekit", "x y"]) + str(i): _random_json(rng, depth + 1)
                for i in range(rng.randrange(4))}
    if kind == "arr":
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "str":
        return rng.choice(["", "https://rtc.example.com", "quote\"back\\slash", "tab\tnl\n", "é✓"])
    if kind == "num":
        return rng.choice([0, -3, 12.5, 1e21, 7])
    return rng.choice([True, False, None])


def test_json_spans_agree_with_json_loads():
    rng = random.Random(7)
    for _ in range(300):
        value = _random_json(rng)
        text = json.dumps(value, indent=rng.choice([None, 2]), ensure_ascii=rng.choice([True, False]))
        parsed, spans = jsonfile.parse_with_spans(text, "x.json")
        assert parsed == json.loads(text)
        for path, (key_span, value_span) in spans.items():
            node = parsed
            for part in path:
                node = node[part]
            assert json.loads(text[value_span.start:value_span.end]) == node
            assert json.loads(text[key_span.start:key_span.end]) == path[-1]
