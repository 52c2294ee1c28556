"""Element Web's `config.json` read as facts (rtclint/parsers/json_element_web.py).

Element Web is not on npm, so there is no program to run: the keys, their spellings and
defaults are those of element-web `src/IConfigOptions.ts` and `src/SdkConfig.ts` (a
top-level key also in camelCase through `SnakedObject`; `element_call.participant_limit`
removed in 1.12.8). What the tests hold rtclint to:

- an Element Web config is told from Element Call's config.json — the ones the npm
  packages @element-hq/element-call-embedded 0.19.1 and 0.26.1 ship are read as Element
  Call's, never as Element Web's — and from other apps' config.json;
- each call setting is read with its value and the line it is written on;
- its default homeserver feeds RTC104 like Element Call's does (fixtures RTC104/element-web-*,
  RTC104/other-app-config-json), and a tree holding only it counts as recognised.
"""

from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT, check_json
from rtclint import engine
from rtclint.config import Config
from trees import write

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
NODE_MODULES = os.path.join(ROOT, "tests", "js", "node_modules")

ELEMENT_WEB = """{
    "default_server_config": {
        "m.homeserver": {
            "base_url": "https://matrix.example.com",
            "server_name": "example.com"
        },
        "org.matrix.msc4143.rtc_foci": [
            {"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}
        ]
    },
    "disable_custom_urls": true,
    "element_call": {
        "url": "https://call.example.com",
        "use_exclusively": true,
        "participant_limit": 12,
        "brand": "Example Call",
        "guest_spa_url": "https://guest.example.com"
    }
}
"""


def deployment(tmp_path, files: dict):
    write(str(tmp_path), files)
    return engine.check([str(tmp_path)], Config()).deployment


def line_of(tmp_path, located) -> int:
    with open(os.path.join(str(tmp_path), os.path.basename(located.span.path)), encoding="utf-8") as fh:
        return fh.read().count("\n", 0, located.span.start) + 1


def test_each_call_setting_is_read_with_where_it_is_written(tmp_path):
    dep = deployment(tmp_path, {"config.json": ELEMENT_WEB})
    assert dep.element_call == [] and len(dep.element_web) == 1
    facts = dep.element_web[0]
    expected = {"url": ("https://call.example.com", 13), "use_exclusively": (True, 14),
                "participant_limit": (12, 15), "brand": ("Example Call", 16),
                "guest_spa_url": ("https://guest.example.com", 17),
                "base_url": ("https://matrix.example.com", 4), "server_name": ("example.com", 5)}
    for key, (value, line) in expected.items():
        assert (facts[key].value, line_of(tmp_path, facts[key])) == (value, line), key
    assert facts["rtc_foci"].value[0]["livekit_service_url"] == "https://rtc.example.com/livekit/jwt"
    assert facts["default_server_name"] is None


def test_rtc_foci_in_element_web_s_config_is_no_client_well_known(tmp_path):
    """No client reads it there (Element Call fetches the server_name's well-known)."""
    dep = deployment(tmp_path, {"config.json": ELEMENT_WEB})
    assert dep.well_knowns("client") == []


def test_the_camel_case_section_is_read_as_snaked_object_does(tmp_path):
    config = {"default_server_name": "example.com", "elementCall": {"use_exclusively": False}}
    facts = deployment(tmp_path, {"config.json": json.dumps(config)}).element_web[0]
    assert facts["use_exclusively"].value is False and facts["default_server_name"].value == "example.com"
    assert facts["url"] is None and facts["base_url"] is None


@pytest.mark.parametrize("package", ["@element-hq/element-call-embedded", "element-call-embedded-0.19.1"])
def test_element_call_s_shipped_config_json_is_element_call_s(package, tmp_path):
    with open(os.path.join(NODE_MODULES, package, "dist", "config.json"), encoding="utf-8") as fh:
        shipped = fh.read()
    dep = deployment(tmp_path, {"config.json": shipped})
    assert dep.element_web == [] and len(dep.element_call) == 1


@pytest.mark.parametrize("config", [
    # Element Call's, with the default homeserver both apps have
    {"default_server_config": {"m.homeserver": {"base_url": "https://matrix.example.com"}},
     "livekit": {"livekit_service_url": "https://rtc.example.com/livekit/jwt"}, "features": {}},
    # Cinny's
    {"defaultHomeserver": 0, "homeserverList": ["example.com"], "allowCustomHomeservers": False},
    # a default homeserver with only keys both apps share
    {"default_server_config": {"m.homeserver": {"base_url": "https://matrix.example.com"}}, "sentry": {}},
    # Element Web keys without a homeserver or call section: not enough to tell
    {"brand": "Example", "default_theme": "dark"},
])
def test_other_config_json_is_not_element_web_s(config, tmp_path):
    assert deployment(tmp_path, {"config.json": json.dumps(config)}).element_web == []


def test_a_tree_holding_only_element_web_s_config_is_recognised(tmp_path):
    write(str(tmp_path), {"config.json": ELEMENT_WEB})
    payload = check_json(str(tmp_path))
    assert payload["files_recognised"] == 1, payload


def test_rtc104_reads_element_web_s_base_url_and_only_that_app_s():
    def rtc104(case):
        tree = os.path.join(FIXTURES, "RTC104", case, "tree")
        return [(d["path"], d["line"]) for d in check_json(".", cwd=tree)["diagnostics"] if d["code"] == "RTC104"]

    assert rtc104("element-web-config-json") == [("config.json", 4)]
    assert rtc104("element-web-config-json-port-matches") == []
    assert rtc104("other-app-config-json") == []


def test_a_broken_element_web_config_is_a_finding_with_its_position(tmp_path):
    write(str(tmp_path), {"config.json": '{"element_call": {"use_exclusively": true,}}\n'})
    found = [d for d in check_json(str(tmp_path))["diagnostics"] if d["path"].endswith("config.json")]
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("RTC001", 1, 43)], found
