"""RTC209 (and RTC210's websocket half) held to livekit-client 2.22.3's own signalling code.

For each tree, rtclint's answer model predicts what the proxy answers to the SFU requests
(the websocket upgrades `<LIVEKIT_URL>/rtc/v1` and `/rtc`, the GETs of their `/validate`).
tests/js/sfu_connect.mjs hands those answers to the real SignalClient, which decides what
to ask next and where it connects. rtclint's verdict must be the library's:

- the client connects on `/rtc/v1`                        → no RTC209;
- it fails there and falls back to `/rtc`                 → RTC209 warning;
- it fails there and does not fall back (or fails on both) → RTC209 error, where `/rtc`
  reaches LiveKit (otherwise the URL does not reach LiveKit at all: not RTC209's case).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT, check_json
from rtclint import engine
from rtclint.config import Config
from rtclint.model.answer import Request, answer
from rtclint.model.answer_requests import ORIGIN, UPGRADE
from rtclint.urls import urlsplit

NODE_DIR = os.path.join(ROOT, "tests", "js")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
LIVEKIT_PORT = 7880  # the fixtures' LiveKit: every upstream on this port is LiveKit


def _livekit_url(tree: str) -> str:
    dep = engine.check([tree], Config()).deployment
    urls = {s.env["LIVEKIT_URL"].value for s in dep.services if s.role == "jwt" and "LIVEKIT_URL" in s.env}
    assert len(urls) == 1, urls
    return urls.pop()


def predicted_answers(tree: str, url: str) -> dict:
    """The answer model's reply to each request livekit-client may send, as sfu_connect.mjs takes it."""
    dep = engine.check([tree], Config()).deployment
    parts = urlsplit(url)
    base = parts.path.rstrip("/")
    out = {}
    for suffix in ("/rtc/v1", "/rtc"):
        path = base + suffix
        ws = answer(dep, Request("https", parts.hostname, parts.port or 443, "GET", path, dict(UPGRADE)))
        assert ws.kind != "unknown", ws.reason
        livekit = ws.kind == "proxy" and ws.upstream.port == LIVEKIT_PORT
        out[path] = {"ws": "livekit" if livekit else "fail"}
        check = answer(dep, Request("https", parts.hostname, parts.port or 443, "GET", path + "/validate",
                                    {"origin": ORIGIN}))
        if check.kind == "proxy" and check.upstream.port == LIVEKIT_PORT:
            # LiveKit v1.13.5 answers the validate paths 401 without a valid token (rtcservice.go)
            out[path + "/validate"] = {"status": 401, "body": "no permissions to access the room"}
        else:
            assert check.kind in ("respond", "redirect"), (path, check.kind, check.reason)
            out[path + "/validate"] = {"status": check.status, "body": check.body or ""}
    return out


def livekit_client(url: str, answers: dict) -> dict:
    proc = subprocess.run(["node", "sfu_connect.mjs", json.dumps({"url": url, "answers": answers})], cwd=NODE_DIR,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def library_verdict(result: dict, base: str) -> str | None:
    if result["opened"] == base + "/rtc/v1":
        return None
    if result["opened"] == base + "/rtc":
        return "warning"
    return "error"


CASES = ["RTC209/nginx-exact", "RTC209/nginx-catch-all", "RTC209/nginx-prefix", "RTC209/caddy-exact-respond",
         "RTC209/nginx-exact/fixed"]


@pytest.mark.parametrize("case", CASES)
def test_rtc209_agrees_with_livekit_client(case, tmp_path):
    source = os.path.join(FIXTURES, case if case.endswith("/fixed") else case + "/tree")
    tree = str(tmp_path / "tree")
    shutil.copytree(source, tree)
    url = _livekit_url(tree)
    base = urlsplit(url).path.rstrip("/")
    result = livekit_client(url, predicted_answers(tree, url))
    assert result["asked"][0] == base + "/rtc/v1"  # v1 first, whatever the proxy does
    found = [d for d in check_json(".", cwd=tree)["diagnostics"] if d["code"] == "RTC209"]
    said = found[0]["severity"] if found else None
    assert len(found) <= 1
    assert said == library_verdict(result, base), (result, found)


def test_library_fallback_needs_exactly_404():
    """The fact RTC209's severity rests on, asked of the library directly: only a 404 from
    /rtc/v1/validate sends the client back to /rtc."""
    for status, fallback in ((404, True), (200, False), (401, False), (403, False), (502, False)):
        answers = {"/rtc/v1": {"ws": "fail"}, "/rtc/v1/validate": {"status": status, "body": ""},
                   "/rtc": {"ws": "livekit"}, "/rtc/validate": {"status": 401, "body": ""}}
        result = livekit_client("wss://sfu.example.com", answers)
        assert (result["opened"] == "/rtc") == fallback, (status, result)


@pytest.mark.parametrize("case, reaches", [
    ("RTC210/url-lacks-prefix/tree", False),
    ("RTC210/url-lacks-prefix/fixed", True),
    ("RTC210/prefix-complete/tree", True),
    ("RTC210/ess-single-host/tree", True),
])
def test_rtc210_prefix_decides_whether_livekit_client_reaches_livekit(case, reaches, tmp_path):
    """The URL RTC210 calls wrong leaves the real client without LiveKit; the URL its fix
    writes (and the look-alikes it stays quiet on) connect on /rtc/v1."""
    tree = str(tmp_path / "tree")
    shutil.copytree(os.path.join(FIXTURES, case), tree)
    url = _livekit_url(tree)
    result = livekit_client(url, predicted_answers(tree, url))
    assert (result["opened"] == urlsplit(url).path.rstrip("/") + "/rtc/v1") == reaches, result
    found = [d for d in check_json(".", cwd=tree)["diagnostics"] if d["code"] == "RTC210"]
    assert bool(found) != reaches, found
