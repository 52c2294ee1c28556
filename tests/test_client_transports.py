"""Which transport Element Call uses, decided by the real code along the whole way:
Synapse 1.163's config loader reads `matrix_rtc.transports` (what the transports endpoint
serves), matrix-js-sdk 43's `isLivekitTransportConfig` (tests/js/transports.mjs) picks as
Element Call 0.26.1 does, and rtclint must agree:

- RTC112 flags exactly the transports Element Call skips for having `url` but no
  `livekit_service_url`;
- RTC110 (the EC >= 0.24 half) does not flag the homeserver when the transport Element
  Call picks is this deployment's JWT service.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, check_json

SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")
NODE_DIR = os.path.join(ROOT, "tests", "js")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
EC_BUNDLE_DIR = os.path.join(NODE_DIR, "node_modules", "@element-hq", "element-call-embedded", "dist", "assets")

# Synapse's own reading of the transports (HomeServerConfig.load_config; the endpoint serves
# config.matrix_rtc.transports as `rtc_transports`, synapse/rest/client/matrixrtc.py).
SYNAPSE_TRANSPORTS = r"""
import json, os, sys, yaml
from signedjson.key import generate_signing_key, write_signing_keys
from synapse.config.homeserver import HomeServerConfig
main, scratch = sys.argv[1:]
with open(main) as fh:
    settings = yaml.safe_load(fh)
key = os.path.join(scratch, "signing.key")
with open(key, "w") as fh:
    write_signing_keys(fh, [generate_signing_key("t")])
settings.update(signing_key_path=key, media_store_path=os.path.join(scratch, "media"), report_stats=False,
                pid_file=os.path.join(scratch, "hs.pid"), app_service_config_files=[],
                database={"name": "sqlite3", "args": {"database": os.path.join(scratch, "hs.db")}})
copy = os.path.join(scratch, "homeserver.yaml")
with open(copy, "w") as fh:
    yaml.safe_dump(settings, fh)
config = HomeServerConfig.load_config("rtclint-test", ["--config-path", copy])
print(json.dumps(config.matrix_rtc.transports))
"""


def served_transports(homeserver: str, scratch: str) -> list:
    proc = subprocess.run([SYNAPSE_PY, "-c", SYNAPSE_TRANSPORTS, homeserver, scratch], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def element_call_choice(transports: list) -> dict:
    proc = subprocess.run(["node", "transports.mjs", json.dumps(transports)], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def transport_lines(homeserver: str) -> list[range]:
    """The lines (1-based) each `matrix_rtc.transports` item spans in the file."""
    with open(homeserver) as fh:
        root = yaml.compose(fh)
    for key, value in root.value:
        if key.value == "matrix_rtc":
            for k2, v2 in value.value:
                if k2.value == "transports":
                    return [range(item.start_mark.line + 1, item.end_mark.line + 2) for item in v2.value]
    return []


def test_element_call_picks_the_first_transport_js_sdk_accepts():
    """The selection transports.mjs reproduces is Element Call 0.26.1's own line."""
    maps = [f for f in os.listdir(EC_BUNDLE_DIR) if f.endswith(".js.map")]
    found = False
    for name in maps:
        with open(os.path.join(EC_BUNDLE_DIR, name), encoding="utf-8") as fh:
            source_map = json.load(fh)
        for path, text in zip(source_map["sources"], source_map.get("sourcesContent") or []):
            if path.endswith("RtcTransportAutoDiscovery.ts"):
                found = "transportList.find(isLivekitTransportConfig)" in (text or "")
    assert found


CASES = ["RTC112/url-only-known-jwt", "RTC112/url-only-unknown-jwt", "RTC112/both-set", "RTC110/nginx-local-first",
         "RTC110/nginx-foreign-first", "RTC511/complete"]


@pytest.mark.parametrize("case", CASES)
def test_rtclint_agrees_with_the_transport_element_call_picks(case, tmp_path):
    tree = str(tmp_path / "tree")
    shutil.copytree(os.path.join(FIXTURES, case, "tree"), tree)
    (tmp_path / "scratch").mkdir()
    homeserver = os.path.join(tree, "homeserver.yaml")
    transports = served_transports(homeserver, str(tmp_path / "scratch"))
    assert transports, "the case must publish transports"
    choice = element_call_choice(transports)
    found = check_json(".", cwd=tree)["diagnostics"]
    lines = transport_lines(homeserver)
    flagged = {i for i, span in enumerate(lines) for d in found
               if d["code"] == "RTC112" and d["path"] == "homeserver.yaml" and d["line"] in span}
    skipped_for_url = {i for i, t in enumerate(transports) if not choice["accepted"][i] and "url" in t}
    assert flagged == skipped_for_url, (choice, transports, flagged)
    if choice["chosen"] is not None:
        chosen = transports[choice["chosen"]]["livekit_service_url"]
        on_homeserver = [d for d in found if d["code"] == "RTC110" and d["path"] == "homeserver.yaml"]
        if chosen.startswith("https://rtc.example.com/"):  # the fixtures' own JWT service
            assert not on_homeserver, on_homeserver
