"""A sample of `make replay`: the real nginx, HAProxy, Caddy and Traefik against the answer model.

The sample is the upstream corpus and a spread of the generated variants, every client
request on each. A disagreement fails with the harness's report (config, request, the
server's answer, the model's)."""

import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.servers


def _can_replay() -> str:
    if os.geteuid() != 0:
        return "needs root for a private network namespace"
    for tool in ("unshare", "nginx", "haproxy", "openssl", "ip"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    for tool in ("caddy", "traefik"):
        if not os.path.exists(os.path.join(ROOT, ".venv", "bin", tool)):
            return f"{tool}-bin is not installed in .venv"
    return ""


@pytest.mark.skipif(bool(_can_replay()), reason=_can_replay() or "replay available")
def test_replay_sample_agrees_with_the_real_servers():
    proc = subprocess.run([sys.executable, "-m", "tools.replay", "--sample"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    m = re.fullmatch(r"replay: (\d+) configs, (\d+) requests on ([a-z, ]+): (\d+) disagreements, (\d+) unknown", last)
    assert m, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert m.group(3) == "nginx, haproxy, caddy, traefik", last
    assert int(m.group(1)) >= 10 and int(m.group(2)) >= 500, last
    assert m.group(4) == "0", proc.stdout[-20000:]
    assert proc.returncode == 0, proc.stderr[-3000:]


LONE_CR = ("defaults\n    mode http\n    timeout connect 5s\n    timeout server 5s\n    timeout client 5s\n"
           "frontend fe\r\n    bind :443 ssl crt /etc/replay/tls/site.pem\r\n    mode http\n"
           "    timeout client 5s\r    use_backend sfu if { path_beg /rtc }\n"
           "    use_backend jwt if { path_beg /sfu/get }\r\n    default_backend synapse\r    use_backend jwt if { path_beg /get_token }\n"
           "backend jwt\n    server j lk-jwt:8080\n"
           "backend sfu\n    server s livekit:7880\n"
           "backend synapse\n    server m synapse:8008\n")


@pytest.mark.skipif(bool(_can_replay()), reason=_can_replay() or "replay available")
def test_haproxy_line_endings_agree_with_the_real_haproxy(tmp_path):
    """A lone CR neither ends an HAProxy line nor lets the rest of it be read: the real
    haproxy and the model must agree on which `use_backend` lines exist."""
    variant = tmp_path / "haproxy.cfg"
    variant.write_bytes(LONE_CR.encode())
    configs = [os.path.join(ROOT, "tests", "fixtures", "hostile", "mixed-endings", "haproxy.cfg"), str(variant)]
    proc = subprocess.run([sys.executable, "-m", "tools.replay", "--verbose", *configs], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    m = re.fullmatch(r"replay: (\d+) configs, (\d+) requests on haproxy: (\d+) disagreements, (\d+) unknown", last)
    assert m and m.group(1) == "2", proc.stdout[-3000:] + proc.stderr[-3000:]
    assert m.group(3) == "0", proc.stdout[-20000:]


CONCURRENT = [os.path.join(ROOT, "tests", "fixtures", *p) for p in (
    ("hostile", "mixed-endings", "haproxy.cfg"), ("traefik", "jwt-unstripped", "dynamic.yml"),
    ("rules", "RTC108", "continuwuity-no-transports", "tree", "Caddyfile"), ("rules", "RTC108", "both", "tree", "nginx.conf"))]


@pytest.mark.skipif(bool(_can_replay()), reason=_can_replay() or "replay available")
def test_concurrent_workers_print_what_one_worker_prints_and_shards_split_the_configs():
    """Each worker has its own namespace (the four configs all bind 443 at once) and the
    report keeps the configs' order whatever order they finish in."""
    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "tools.replay", "--verbose", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc.stdout

    one = run("-j", "1", *CONCURRENT)
    assert one == run("-j", "4", *CONCURRENT)
    assert one.strip().splitlines()[-1].startswith("replay: 4 configs, ")
    assert "on nginx, haproxy, caddy, traefik: 0 disagreements" in one
    second_half = run("--shard", "2/2", *CONCURRENT).strip().splitlines()
    assert second_half[-1].startswith("replay: 2 configs, ") and "on nginx, traefik:" in second_half[-1]  # the 2nd and 4th
