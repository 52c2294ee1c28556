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
# config.matrix_rtc.transports as `rtc_transports`, synapse/rest/client/matrixrtc.py), by
# tests/synapse_load.py: one loader for the module (importing Synapse takes seconds, loading
# a config milliseconds), each case still loads its own file into its own scratch folder.
@pytest.fixture(scope="module")
def synapse():
    proc = subprocess.Popen([SYNAPSE_PY, os.path.join(ROOT, "tests", "synapse_load.py"), "--serve"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    yield proc
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its handle
        proc.wait(timeout=30)


def served_transports(synapse, homeserver: str, scratch: str) -> list:
    synapse.stdin.write(json.dumps({"path": homeserver, "scratch": scratch}) + "\n")
    synapse.stdin.flush()
    answer = synapse.stdout.readline()
    assert answer, "the Synapse config loader died"
    loaded = json.loads(answer)
    assert loaded["ok"], loaded
    return loaded["transports"]


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
def test_rtclint_agrees_with_the_transport_element_call_picks(case, synapse, tmp_path):
    tree = str(tmp_path / "tree")
    shutil.copytree(os.path.join(FIXTURES, case, "tree"), tree)
    (tmp_path / "scratch").mkdir()
    homeserver = os.path.join(tree, "homeserver.yaml")
    transports = served_transports(synapse, homeserver, str(tmp_path / "scratch"))
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
