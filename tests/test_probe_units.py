"""`rtclint probe` pieces that need no proxy: option parsing, the httpx extra, rendering."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, run_rtclint
from rtclint.probe.net import AddressMap, ProbeUsageError, describe_os_error
from rtclint.probe.render import render_json, render_text
from rtclint.probe.result import Evidence, ProbeReport, Step
from rtclint.probe.steps import Probe, ProbeOptions, http_url, normalise_server_name, split_server_name


def test_resolve_and_connect_to_map_only_the_named_host_and_port():
    addresses = AddressMap()
    addresses.add_resolve("Matrix.Example.org:443:127.0.0.1")
    addresses.add_connect_to("rtc.example.org:443:127.0.0.2:8443")
    addresses.add_resolve("v6.example.org:443:[::1]")
    assert addresses.lookup("matrix.example.org", 443) == ("127.0.0.1", 443)
    assert addresses.lookup("rtc.example.org", 443) == ("127.0.0.2", 8443)
    assert addresses.lookup("v6.example.org", 443) == ("::1", 443)
    assert addresses.lookup("matrix.example.org", 8448) == ("matrix.example.org", 8448)  # other port: untouched


@pytest.mark.parametrize("spec", ["example.org:443", "example.org:https:127.0.0.1", "example.org:0:127.0.0.1",
                                  ":443:127.0.0.1", "example.org:443:127.0.0.1:9"])
def test_malformed_resolve_is_a_usage_error(spec):
    with pytest.raises(ProbeUsageError):
        AddressMap().add_resolve(spec)


def test_cli_rejects_a_malformed_resolve_with_exit_2():
    proc = run_rtclint(["probe", "example.org", "--resolve", "example.org:443"])
    assert proc.returncode == 2
    assert "--resolve 'example.org:443': expected HOST:PORT:ADDRESS" in proc.stderr


@pytest.mark.parametrize("name,expected", [("example.org", ("example.org", None)),
                                           ("example.org:8448", ("example.org", 8448)),
                                           ("[::1]:8448", ("::1", 8448)), ("[::1]", ("::1", None))])
def test_split_server_name(name, expected):
    assert split_server_name(name) == expected


@pytest.mark.parametrize("typed", ["example.org", " https://example.org/ ", "@alice:example.org", "example.org/"])
def test_server_name_as_users_type_it(typed):
    assert normalise_server_name(typed) == "example.org"
    assert normalise_server_name("@bob:example.org:8448") == "example.org:8448"


def test_websocket_urls_become_http_urls_for_the_handshake():
    assert http_url("wss://sfu.example.org/livekit/sfu") == "https://sfu.example.org/livekit/sfu"
    assert http_url("ws://sfu.example.org:7880") == "http://sfu.example.org:7880"


def test_sfu_candidates_follow_the_jwt_path():
    probe = Probe(ProbeOptions("example.org"), client=None)
    probe.found.focus = "https://rtc.example.org/livekit/jwt"
    assert probe.sfu_candidates() == ["wss://rtc.example.org/livekit/sfu", "wss://rtc.example.org"]
    probe.found.focus = "https://jwt.example.org:8443"
    assert probe.sfu_candidates() == ["wss://jwt.example.org:8443/livekit/sfu", "wss://jwt.example.org:8443"]


def test_connection_errors_are_described_in_plain_words():
    import socket

    try:
        raise RuntimeError("connect failed") from ConnectionRefusedError(111, "Connection refused")
    except RuntimeError as exc:
        assert describe_os_error(exc).startswith("connection refused")
    assert describe_os_error(socket.gaierror(-2, "Name or service not known")) == "name does not resolve (DNS)"


def test_missing_httpx_gives_a_clear_message_and_exit_2():
    code = ("import sys; sys.modules['httpx'] = None; sys.argv = ['rtclint', 'probe', 'example.org']\n"
            "from rtclint.cli import main\nmain()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert "pip install 'rtclint[probe]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_never_loads_httpx(tmp_path):
    code = ("import sys\nfrom rtclint.cli import main\nsys.argv = ['rtclint', 'check', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('HTTPX-LOADED' if 'httpx' in sys.modules else 'NO-HTTPX')")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert proc.stdout.strip().endswith("NO-HTTPX"), proc.stdout + proc.stderr


def sample_report() -> ProbeReport:
    report = ProbeReport("example.org")
    report.steps.append(Step("wellknown-client", "Client well-known", message="200"))
    failed = Step("jwt-preflight", "JWT service: CORS preflight", status="fail", code="RTC203",
                  message="doubled header", hint="Remove the proxy's header.")
    failed.evidence.append(Evidence("OPTIONS https://rtc.example.org/get_token", sent={"Origin": "https://a.example"},
                                    status=200, headers={"access-control-allow-origin": "*, *"}))
    report.steps.append(failed)
    report.steps.append(Step("sfu-websocket", "SFU", status="fail", code="RTC205"))
    return report


def test_text_report_pins_the_first_failure_and_shows_its_evidence():
    text = render_text(sample_report())
    assert "=>FAIL  JWT service: CORS preflight [RTC203" in text
    assert "  FAIL  SFU [RTC205" in text  # later failures are shown, not pinned
    assert "> Origin: https://a.example" in text and "< access-control-allow-origin: *, *" in text
    assert "First break: JWT service: CORS preflight — RTC203" in text


def test_json_report_for_scripts():
    payload = json.loads(render_json(sample_report()))
    assert payload["ok"] is False
    assert payload["first_failure"]["id"] == "jwt-preflight" and payload["first_failure"]["code"] == "RTC203"
    assert payload["counts"] == {"pass": 1, "warn": 0, "fail": 2, "skip": 0}
    evidence = payload["steps"][1]["evidence"][0]
    assert evidence["status"] == 200 and evidence["headers"]["access-control-allow-origin"] == "*, *"
