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


# ---- server names are checked before any request; network failures are not findings ------

@pytest.mark.parametrize("name", ["exa mple", "example..org", "-example.org", "exa_mple.org", "example.org:0",
                                  "example.org:99999", "ex%41mple.org", "example.org/path?x"])
def test_a_server_name_that_is_not_one_is_refused(name):
    from rtclint.probe.identify import check_server_name

    with pytest.raises(ProbeUsageError):
        check_server_name(normalise_server_name(name))


@pytest.mark.parametrize("name", ["example.org", "matrix.example.org:8448", "127.0.0.1", "[::1]:8448", "xn--bcher-kva.de"])
def test_real_server_names_are_accepted(name):
    from rtclint.probe.identify import check_server_name

    assert check_server_name(name) == name


def test_cli_refuses_a_malformed_server_name_with_exit_2_before_any_request():
    proc = run_rtclint(["probe", "exa mple"])
    assert proc.returncode == 2
    assert "'exa mple' is not a valid host name" in proc.stderr and not proc.stdout


class _NoNetwork:
    """An httpx client whose every request fails like an unknown name does."""

    def stream(self, method, url, headers=None):
        import httpx

        raise httpx.ConnectError("[Errno -2] Name or service not known")


def test_a_dns_failure_is_its_own_step_never_a_config_finding_and_exits_2():
    pytest.importorskip("httpx")
    from rtclint.probe.net import TlsResult

    import rtclint.probe.steps as steps_module

    original = steps_module.check_tls
    steps_module.check_tls = lambda *a, **k: TlsResult(ok=False, unreachable=True, detail="name does not resolve")
    try:
        report = Probe(ProbeOptions("example.org"), _NoNetwork()).run()
    finally:
        steps_module.check_tls = original
    connect = [s for s in report.steps if s.id.startswith("connect:")]
    assert connect and all("DNS" in s.message and s.code is None for s in connect)
    assert report.steps[0].id == "connect:example.org:443"
    assert not [s.code for s in report.steps if s.code], [(s.id, s.code) for s in report.steps]
    assert report.exit_code == 2


def test_cli_exits_2_when_nothing_answers():
    """Every connection refused (loopback ports nothing listens on): the report says so in
    connection steps, no rule is blamed, and the exit code is 2, not 1."""
    pytest.importorskip("httpx")
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    args = ["probe", "example.test", "--format", "json", "--connect-to", f"example.test:443:127.0.0.1:{closed}",
            "--connect-to", f"example.test:8448:127.0.0.1:{closed}"]
    proc = run_rtclint(args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["first_failure"]["id"] == "connect:example.test:443"
    assert not [s["code"] for s in payload["steps"] if s["code"]]
    assert "nothing could be reached" in proc.stderr
