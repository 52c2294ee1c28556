"""RTC511 held to Synapse 1.163's own code (.venv-synapse): the config loader and
`load_appservices`, which Synapse runs at start-up before it serves anything.

- What RTC511 calls fatal ("Synapse refuses to start") is refused by Synapse.
- The complete fixture loads, and Synapse then has the proxy prefix, the URL, the scope and
  both experimental flags RTC511 asks for.
- The lk-jwt README's bare `proxy_prefix`/`proxy_url`/`scopes` load without error and
  have no effect: the appservice claims no prefix and has no scope (RTC511: "ignored").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, check_json

SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC511")
IS_JOINED = "urn:matrix:client:io.element.msc4502:rooms:is_joined"

# Runs in .venv-synapse: HomeServerConfig.load_config as `synapse.app.homeserver -c` does,
# then load_appservices as the datastore does when Synapse starts.
LOADER = r"""
import json, os, sys, yaml
from signedjson.key import generate_signing_key, write_signing_keys
from synapse.config.homeserver import HomeServerConfig
from synapse.config.appservice import load_appservices

for line in sys.stdin:
    req = json.loads(line)
    scratch = req["scratch"]
    with open(req["main"]) as fh:
        settings = yaml.safe_load(fh)
    key = os.path.join(scratch, "signing.key")
    with open(key, "w") as fh:
        write_signing_keys(fh, [generate_signing_key("t")])
    settings.update(signing_key_path=key, media_store_path=os.path.join(scratch, "media"),
                    pid_file=os.path.join(scratch, "hs.pid"), app_service_config_files=req["registrations"],
                    database={"name": "sqlite3", "args": {"database": os.path.join(scratch, "hs.db")}})
    copy = os.path.join(scratch, "homeserver.yaml")
    with open(copy, "w") as fh:
        yaml.safe_dump(settings, fh)
    try:
        config = HomeServerConfig.load_config("rtclint-test", ["--config-path", copy])
        services = load_appservices(config.server.server_name, config.appservice.app_service_config_files)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
        continue
    print(json.dumps({"ok": True, "msc4512": config.experimental.msc4512_enabled,
                      "msc4502": config.experimental.msc4502_enabled,
                      "services": [{"prefix": s.proxy_prefix, "url": s.proxy_url, "scopes": sorted(s.scopes)}
                                   for s in services]}), flush=True)
"""


@pytest.fixture(scope="module")
def synapse():
    proc = subprocess.Popen([SYNAPSE_PY, "-c", LOADER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)

    def load(tree: str, scratch: str) -> dict:
        registration = os.path.join(tree, "lk-jwt-registration.yaml")
        proc.stdin.write(json.dumps({"main": os.path.join(tree, "homeserver.yaml"), "scratch": scratch,
                                     "registrations": [registration]}) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        assert line, "the Synapse loader process died"
        return json.loads(line)

    yield load
    proc.stdin.close()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()  # our own child, by its handle


def _tree(case: str, tmp_path) -> str:
    dest = tmp_path / "tree"
    shutil.copytree(os.path.join(FIXTURES, case, "tree"), dest)
    (tmp_path / "scratch").mkdir()
    return str(dest)


def _rtc511(tree: str) -> list[dict]:
    return [d for d in check_json(".", cwd=tree)["diagnostics"] if d["code"] == "RTC511"]


def test_complete_registration_loads_with_what_rtc511_asks_for(synapse, tmp_path):
    tree = _tree("complete", tmp_path)
    assert _rtc511(tree) == []
    loaded = synapse(tree, str(tmp_path / "scratch"))
    assert loaded["ok"], loaded
    assert loaded["msc4512"] is True and loaded["msc4502"] is True
    assert loaded["services"] == [{"prefix": "rtc/livekit", "url": "http://lk-jwt-service:8080",
                                   "scopes": [IS_JOINED]}]


@pytest.mark.parametrize("case", ["reserved-prefix", "prefix-without-url", "unknown-scope", "url-without-prefix"])
def test_what_rtc511_calls_fatal_synapse_refuses(synapse, tmp_path, case):
    if case in ("unknown-scope", "url-without-prefix"):  # variants of the complete tree
        tree = _tree("complete", tmp_path)
        path = os.path.join(tree, "lk-jwt-registration.yaml")
        with open(path) as fh:
            text = fh.read()
        if case == "unknown-scope":
            text = text.replace(IS_JOINED, "urn:matrix:client:io.element.msc4502:rooms:everything")
        else:
            text = "\n".join(ln for ln in text.splitlines() if "proxy_prefix" not in ln) + "\n"
        with open(path, "w") as fh:
            fh.write(text)
    else:
        tree = _tree(case, tmp_path)
    fatal = [d for d in _rtc511(tree) if "refuses to start" in d["message"]]
    assert fatal, f"rtclint does not call {case} fatal"
    loaded = synapse(tree, str(tmp_path / "scratch"))
    assert loaded["ok"] is False, loaded


def test_bare_readme_keys_load_and_do_nothing(synapse, tmp_path):
    tree = _tree("bare-keys", tmp_path)
    found = _rtc511(tree)
    assert {d["line"] for d in found} == {10, 11, 12}
    assert not any("refuses to start" in d["message"] for d in found)
    loaded = synapse(tree, str(tmp_path / "scratch"))
    assert loaded["ok"], loaded
    assert loaded["services"] == [{"prefix": None, "url": None, "scopes": []}]


def test_flags_off_load_without_the_proxy(synapse, tmp_path):
    tree = _tree("flags-off", tmp_path)
    assert {d["message"].split(" ")[0] for d in _rtc511(tree)} == {
        "experimental_features.msc4512_enabled", "experimental_features.msc4502_enabled"}
    loaded = synapse(tree, str(tmp_path / "scratch"))
    assert loaded["ok"] and loaded["msc4512"] is False and loaded["msc4502"] is False

