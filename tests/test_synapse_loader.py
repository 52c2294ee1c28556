"""rtclint's Synapse rules held to Synapse's own config loader (matrix-synapse in
.venv-synapse, made by tools/install-synapse.sh).

- A homeserver.yaml rtclint calls clean loads in Synapse, and Synapse reads the call
  settings exactly as rtclint's reader modelled them (flags, transports, durations,
  rate limits — including the shallow merge of conf.d fragments).
- A value rtclint calls fatal ("Synapse refuses to start") is rejected by Synapse.
- After `rtclint check --fix`, the fixed files load in Synapse and have the effect the
  fix promised.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, SHARED, check_json, run_rtclint

SYNAPSE_PY = os.path.join(ROOT, ".venv-synapse", "bin", "python")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")

pytestmark = pytest.mark.skipif(not os.path.exists(SYNAPSE_PY),
                                reason="Synapse venv missing: run tools/install-synapse.sh")

# Runs inside .venv-synapse: loads the files with Synapse's HomeServerConfig.load_config
# (the code `python -m synapse.app.homeserver -c FILE -c DIR` runs) after pointing the
# paths that name the deployment's disk (keys, media, database, pid) at a scratch dir.
LOADER = r"""
import json, os, sys, yaml
from signedjson.key import generate_signing_key, write_signing_keys
from synapse.config._base import ConfigError
from synapse.config.homeserver import HomeServerConfig
import synapse


def load(main, scratch, extra):
    with open(main, encoding="utf-8") as fh:
        settings = yaml.safe_load(fh) or {}
    settings.setdefault("server_name", "example.com")
    settings.setdefault("report_stats", False)
    key = os.path.join(scratch, "signing.key")
    with open(key, "w") as fh:
        write_signing_keys(fh, [generate_signing_key("t")])
    settings.update(signing_key_path=key, media_store_path=os.path.join(scratch, "media"),
                    pid_file=os.path.join(scratch, "hs.pid"),
                    database={"name": "sqlite3", "args": {"database": os.path.join(scratch, "hs.db")}})
    settings.pop("log_config", None)
    copy = os.path.join(scratch, "homeserver.yaml")
    with open(copy, "w") as fh:
        yaml.safe_dump(settings, fh)
    args = ["--config-path", copy]
    for path in extra:
        args += ["--config-path", path]
    try:
        c = HomeServerConfig.load_config("rtclint-test", args)
    except ConfigError as exc:
        return {"ok": False, "error": str(exc), "path": list(exc.path or [])}
    delay = c.server.max_event_delay_duration
    return {
        "ok": True,
        "msc4143": c.experimental.msc4143_enabled,
        "msc4222": c.experimental.msc4222_enabled,
        "msc4354": getattr(c.experimental, "msc4354_enabled", None),
        "transports": c.matrix_rtc.transports,
        "delay_ms": delay.as_millis() if delay else 0,
        "rc_message": [c.ratelimiting.rc_message.per_second, c.ratelimiting.rc_message.burst_count],
        "rc_delayed": [c.ratelimiting.rc_delayed_event_mgmt.per_second,
                       c.ratelimiting.rc_delayed_event_mgmt.burst_count],
    }


print(json.dumps({"version": synapse.__version__.split(" ")[0]}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    print(json.dumps(load(request["main"], request["scratch"], request["extra"]), default=str), flush=True)
"""


class SynapseLoader:
    """One long-lived Synapse process (importing Synapse takes seconds; loading a config
    takes milliseconds)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([SYNAPSE_PY, "-c", LOADER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.version = json.loads(self.proc.stdout.readline())["version"]

    def load(self, main: str, scratch: str, extra: list[str]) -> dict:
        self.proc.stdin.write(json.dumps({"main": main, "scratch": scratch, "extra": extra}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the Synapse loader process died"
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # our own child, by its handle


@pytest.fixture(scope="module")
def loader():
    instance = SynapseLoader()
    yield instance
    instance.close()


@pytest.fixture
def synapse_load(loader, tmp_path):
    def load(main: str, *extra: str) -> dict:
        scratch = tmp_path / "scratch"
        scratch.mkdir(exist_ok=True)
        return loader.load(main, str(scratch), list(extra))

    return load


def codes(payload: dict) -> set[str]:
    return {d["code"] for d in payload["diagnostics"]}


def copy_tree(case: str, tmp_path) -> str:
    dest = tmp_path / "tree"
    shutil.copytree(os.path.join(FIXTURES, case, "tree"), dest)
    return str(dest)


def test_clean_config_loads_as_modelled(synapse_load, tmp_path):
    tree = copy_tree("RTC500/clean", tmp_path)
    payload = check_json(".", cwd=tree, extra=["--no-cache"])
    assert not codes(payload) & {"RTC500", "RTC501", "RTC502", "RTC504", "RTC505"}
    loaded = synapse_load(os.path.join(tree, "homeserver.yaml"))
    assert loaded["ok"], loaded
    assert loaded["msc4143"] is True and loaded["msc4222"] is True
    assert loaded["transports"] == [{"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}]
    assert loaded["delay_ms"] == 24 * 3600 * 1000
    assert loaded["rc_message"] == [0.5, 30] and loaded["rc_delayed"] == [1, 20]


def test_reader_durations_match_synapse(synapse_load, tmp_path):
    from rtclint.rules.synapse.durations import parse_duration_ms

    for value in ("24h", "90m", "1d", "3600000", "2w"):
        hs = tmp_path / f"hs-{value}.yaml"
        hs.write_text(f"max_event_delay_duration: {value!r}\n" if value.isdigit() else
                      f"max_event_delay_duration: {value}\n")
        assert synapse_load(str(hs))["delay_ms"] == parse_duration_ms(value), value


def test_docs_snippet_loads(synapse_load, tmp_path):
    snippet = os.path.join(SHARED, "corpus", "upstream", "element-hq-element-call", "docs-self_hosting-homeserver",
                           "homeserver.yaml")
    loaded = synapse_load(snippet)
    assert loaded["ok"] and loaded["msc4143"] and loaded["rc_delayed"] == [1, 20]


def test_confd_fragment_replaces_section_in_synapse_too(synapse_load, tmp_path):
    """rtclint says the conf.d fragment switches msc4143 off (RTC500): Synapse agrees."""
    tree = copy_tree("RTC500/confd-fragment-replaces-section", tmp_path)
    payload = check_json(".", cwd=tree, extra=["--no-cache"])
    assert "RTC500" in codes(payload)
    loaded = synapse_load(os.path.join(tree, "homeserver.yaml"), os.path.join(tree, "conf.d"))
    assert loaded["ok"] and loaded["msc4143"] is False and loaded["msc4222"] is True


@pytest.mark.parametrize("case, code", [
    ("RTC502/zero-is-fatal", "RTC502"),
    ("RTC501/livekit-without-url", "RTC501"),
    ("RTC501/transports-not-a-list", "RTC501"),
])
def test_fatal_findings_are_rejected_by_synapse(synapse_load, loader, tmp_path, case, code):
    tree = copy_tree(case, tmp_path)
    # judge for the Synapse that is installed (transports are validated since 1.161)
    (tmp_path / "tree" / ".rtclint.toml").write_text(f'[target]\nsynapse = "{loader.version}"\n')
    payload = check_json(".", cwd=tree, extra=["--no-cache"])
    fatal = [d for d in payload["diagnostics"] if d["code"] == code and "refuses to start" in d["message"]]
    assert fatal, payload["diagnostics"]
    loaded = synapse_load(os.path.join(tree, "homeserver.yaml"))
    assert loaded["ok"] is False, loaded


@pytest.mark.parametrize("case", ["RTC503/msc3266-newest", "RTC507/invented-keys", "RTC501/wss-url"])
def test_non_fatal_findings_still_load(synapse_load, tmp_path, case):
    """Findings that are not fatal must not claim to be: Synapse starts with them."""
    tree = copy_tree(case, tmp_path)
    payload = check_json(".", cwd=tree, extra=["--no-cache"])
    assert payload["diagnostics"]
    assert not any("refuses to start" in d["message"] for d in payload["diagnostics"])
    assert synapse_load(os.path.join(tree, "homeserver.yaml"))["ok"]


@pytest.mark.parametrize("case, extra, expect", [
    ("RTC500/transports-without-flag", [], {"msc4143": True}),
    ("RTC500/flag-false", [], {"msc4143": True}),
    ("RTC500/confd-fragment-replaces-section", ["conf.d"], {"msc4143": True, "msc4222": True}),
    ("RTC502/bogus-msc4140-flag", [], {"delay_ms": 86_400_000}),
    ("RTC502/zero-is-fatal", [], {"delay_ms": 86_400_000}),
    ("RTC504/missing", [], {"msc4222": True}),
    ("RTC505/rc-message-low", [], {"rc_message": [0.5, 30]}),
    ("RTC505/delayed-mgmt-absent", [], {"rc_delayed": [1, 20]}),
    ("RTC506/matrix-2-0-without-sticky", [], {"msc4354": True}),
    ("RTC108/well-known-only", [], {"msc4143": True, "transports": [
        {"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}]}),
])
def test_fixed_files_load_with_the_promised_effect(synapse_load, tmp_path, case, extra, expect):
    tree = copy_tree(case, tmp_path)
    proc = run_rtclint(["check", "--no-cache", "--fix", "."], cwd=tree)
    assert proc.returncode in (0, 1), proc.stderr
    after = check_json(".", cwd=tree, extra=["--no-cache"])
    fixed_code = case.split("/")[0]
    assert fixed_code not in codes(after), after["diagnostics"]
    loaded = synapse_load(os.path.join(tree, "homeserver.yaml"), *[os.path.join(tree, e) for e in extra])
    assert loaded["ok"], loaded
    for key, value in expect.items():
        assert loaded[key] == value, (key, loaded)
    second = run_rtclint(["check", "--no-cache", "--fix", "--diff", "."], cwd=tree)
    assert "+++" not in second.stdout, second.stdout  # a second --fix changes nothing


def test_rtc503_fix_keeps_comments_and_indentation(synapse_load, tmp_path):
    tree = copy_tree("RTC503/msc3266-newest", tmp_path)
    before = open(os.path.join(tree, "homeserver.yaml")).read()
    run_rtclint(["check", "--no-cache", "--fix", "--select", "RTC503", "."], cwd=tree)
    after = open(os.path.join(tree, "homeserver.yaml")).read()
    assert "msc3266_enabled" not in after and "MSC3266" not in after
    removed = [ln for ln in before.splitlines() if ln not in after.splitlines()]
    assert removed == ["  # MSC3266: Room summary API", "  msc3266_enabled: true"]
    assert synapse_load(os.path.join(tree, "homeserver.yaml"))["ok"]


def test_known_keys_data_is_generated_from_the_installed_synapse(tmp_path):
    """rtclint/data/synapse_keys.json must be what tools/gen_synapse_keys.py makes from
    Synapse itself; regenerate it when the installed Synapse moves on."""
    import glob
    import sys

    package = glob.glob(os.path.join(ROOT, ".venv-synapse", "lib", "python*", "site-packages", "synapse"))[0]
    schema = tmp_path / "schema.yaml"
    schema.write_text("properties:\n  matrix_rtc:\n    properties:\n      transports:\n        items:\n"
                      "          properties:\n            type: {}\n            livekit_service_url: {}\n")
    out = tmp_path / "keys.json"
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "gen_synapse_keys.py"), "--schema", str(schema),
                           "--package", package, "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    generated = json.loads(out.read_text())
    with open(os.path.join(ROOT, "rtclint", "data", "synapse_keys.json"), encoding="utf-8") as fh:
        shipped = json.load(fh)
    assert {"msc4143_enabled", "msc4222_enabled", "msc4354_enabled"} <= set(generated["experimental_features"])
    assert "msc3266_enabled" not in generated["experimental_features"]  # stable since 1.153: no longer read
    assert {"matrix_rtc", "max_event_delay_duration", "turn_uris"} <= set(generated["top_level"])
    if generated["synapse_package_version"] != shipped["synapse_package_version"]:
        pytest.skip(f"installed Synapse {generated['synapse_package_version']} differs from the one the data was "
                    f"generated from ({shipped['synapse_package_version']}): run tools/gen_synapse_keys.py")
    assert generated["experimental_features"] == shipped["experimental_features"]
    assert set(generated["top_level"]) <= set(shipped["top_level"])
