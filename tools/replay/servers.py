"""Start the real nginx, HAProxy and Caddy on one config, unmodified where possible.

nginx: a main config runs as is (`-c`); a file of `server` blocks is included from a
two-line wrapper (`events {}` and `http { include … }`); a file of `location`s from a
wrapper `server` on port 80. HAProxy runs the file as is. Caddy's Caddyfile is adapted to
JSON and only its TLS automation is changed (Caddy's internal CA instead of ACME, which
has no network here). Certificates are written at the paths the config names (inside the
namespace's overlays); a config naming a path outside them is skipped, with the reason."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

from tools.replay.namespace import placeable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CADDY = os.path.join(ROOT, ".venv", "bin", "caddy")
START_TIMEOUT = 10.0


@dataclass
class Running:
    kind: str
    proc: subprocess.Popen
    log: str


@dataclass
class Plan:
    kind: str
    path: str
    run: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> content written before start
    env: dict[str, str] = field(default_factory=dict)
    skip: str = ""  # why this config cannot be run


def make_cert(scratch: str, names: list[str]) -> str:
    """A self-signed certificate for `names` and its key in one PEM (every server reads both
    from it), also trusted as a root inside the namespace (Caddy verifies https upstreams)."""
    key, crt = os.path.join(scratch, "replay.key"), os.path.join(scratch, "replay.crt")
    dns = [n for n in dict.fromkeys(names) if n and re.fullmatch(r"[A-Za-z0-9*.-]+", n)] or ["replay.example"]
    san = ",".join(("IP:" if re.fullmatch(r"[\d.]+", n) else "DNS:") + n for n in dns)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=replay.example", "-addext",
                    f"subjectAltName={san}"], check=True, capture_output=True)
    with open(crt) as c, open(key) as k:
        cert = c.read()
        pem = cert + k.read()
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    if os.path.exists(bundle) and os.environ.get("RTCLINT_REPLAY_NS") == "1":
        with open(bundle, "a") as fh:
            fh.write(cert)
    return pem


def plan(kind: str, path: str, text: str, fragment: bool, scratch: str, pem: str, entrypoints=None) -> Plan:
    if kind == "traefik":
        from tools.replay.traefik import plan_files, source

        p = Plan("traefik", path)
        p.run, p.files = plan_files(path, "toml" if path.endswith(".toml") else source(path), entrypoints, scratch)
        return p
    if kind == "nginx":
        return _nginx(path, text, fragment, scratch, pem)
    if kind == "haproxy":
        return _haproxy(path, text, pem)
    return _caddy(path, scratch, pem)


def _place(p: Plan, paths, pem: str) -> None:
    for target in paths:
        if "$" in target or "{" in target:
            p.skip = f"certificate path {target} uses a variable"
        elif not placeable(target):
            p.skip = f"certificate path {target} is outside the namespace's overlays"
        else:
            p.files[target] = pem


def _nginx(path: str, text: str, fragment: bool, scratch: str, pem: str) -> Plan:
    p = Plan("nginx", path)
    _place(p, re.findall(r"(?:^|[;{}\s])ssl_(?:certificate|certificate_key|trusted_certificate)\s+[\"']?([^;\"'\s]+)",
                         text), pem)
    conf = os.path.join(scratch, "nginx-wrapper.conf")
    head = f"pid /run/nginx-replay.pid; error_log {scratch}/nginx-error.log; daemon off; master_process off;\n"
    if re.search(r"^\s*http\s*\{", text, re.M) and not re.search(r"^\s*events\s*\{", text, re.M):
        # an `http {}` without `events {}` (a config cut down to what matters): nginx wants
        # the events block, which neither -g nor the file can add; a wrapper includes the
        # file as is — unless a relative include would then resolve from the wrong folder
        if re.search(r"(?m)^\s*include\s+[\"']?[^/\s\"';]", text):
            p.skip = "nginx http{} without events{} and with a relative include"
            return p
        own = {d: bool(re.search(rf"(?m)^\s*{d}\s", text)) for d in ("pid", "error_log", "daemon", "master_process")}
        wrap = "".join(line + "\n" for d, line in (("pid", "pid /run/nginx-replay.pid;"),
                                                   ("error_log", f"error_log {scratch}/nginx-error.log;"),
                                                   ("daemon", "daemon off;"), ("master_process", "master_process off;"))
                       if not own[d])
        p.files[conf] = wrap + f"events {{}}\ninclude {path};\n"
        base = ["nginx", "-c", conf]
    elif re.search(r"^\s*http\s*\{", text, re.M):
        base = ["nginx", "-c", path, "-g", "daemon off; master_process off;"]
    else:
        if fragment:
            inner = (f"server {{ listen 80; server_name _; include {path}; }}")
        else:
            inner = f"include {path};"
        p.files[conf] = head + "events {}\nhttp { access_log off; " + inner + " }\n"
        base = ["nginx", "-c", conf]
    p.run = base
    return p


def _haproxy(path: str, text: str, pem: str) -> Plan:
    p = Plan("haproxy", path)
    if re.search(r"\bcrt-list\b|\bca-file\b", text):
        p.skip = "HAProxy crt-list/ca-file"
    for target in re.findall(r"\bcrt\s+(\S+)", text):
        if target.endswith("/") or os.path.isdir(target) or not os.path.splitext(target)[1]:
            target = os.path.join(target, "replay.pem")
        _place(p, [target], pem)
    p.run = ["haproxy", "-db", "-f", path]
    return p


def _caddy(path: str, scratch: str, pem: str) -> Plan:
    p = Plan("caddy", path)
    data = os.path.join(scratch, "caddy-data")
    p.env = {"XDG_DATA_HOME": data, "XDG_CONFIG_HOME": data, "HOME": data}
    adapted = subprocess.run([CADDY, "adapt", "--config", path, "--adapter", "caddyfile"], capture_output=True,
                             text=True, env=dict(os.environ, **p.env), timeout=30)
    if adapted.returncode != 0:
        lines = adapted.stderr.strip().splitlines() or ["no message"]
        p.skip = "caddy adapt refuses it: " + lines[-1][:200]
        return p
    config = json.loads(adapted.stdout)
    certs = _caddy_internal_tls(config)
    _place(p, certs, pem)
    out = os.path.join(scratch, "caddy.json")
    p.files[out] = json.dumps(config)
    p.run = [CADDY, "run", "--config", out]
    return p


def _caddy_internal_tls(config: dict) -> list[str]:
    """Point TLS automation at Caddy's internal CA; the files `tls cert key` loads."""
    apps = config.setdefault("apps", {})
    tls = apps.setdefault("tls", {})
    automation = tls.setdefault("automation", {})
    policies = automation.setdefault("policies", [{}])
    for policy in policies:
        policy["issuers"] = [{"module": "internal"}]
        policy["disable_ocsp_stapling"] = True
    apps["pki"] = {"certificate_authorities": {"local": {"install_trust": False}}}
    config["admin"] = {"disabled": True}
    files = []
    for pair in tls.get("certificates", {}).get("load_files", []):
        files += [pair.get("certificate", ""), pair.get("key", "")]
    return [f for f in files if f]


def write_files(p: Plan) -> None:
    for target, content in p.files.items():
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as fh:
            fh.write(content)


def start(p: Plan, ports: list[int], log: str) -> Running | str:
    with open(log, "w") as out:
        proc = subprocess.Popen(p.run, stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ, **p.env),
                                start_new_session=True)
    running = Running(p.kind, proc, log)
    deadline = time.monotonic() + START_TIMEOUT
    waiting = set(ports)
    try:
        while waiting and time.monotonic() < deadline:
            if proc.poll() is not None:
                return "exited: " + _tail(log)
            waiting = {port for port in waiting if not _listening(port)}
            if waiting:
                time.sleep(0.05)
    except BaseException:  # interrupted while it starts: it is ours to stop
        stop(running)
        raise
    if waiting:
        stop(running)
        return f"not listening on {sorted(waiting)}: " + _tail(log)
    return running


def stop(running: Running) -> None:
    """Stop the server we started, by its process id (and its own process group)."""
    proc = running.proc
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_tls(targets: dict[int, str], seconds: float = START_TIMEOUT) -> None:
    """Listening is not serving: Caddy accepts connections before it has loaded its
    certificates and answers a handshake meanwhile with an internal-error alert. Wait
    until each TLS port (port -> a host it serves) completes a handshake, or the time
    is up. Any other handshake failure is the config's answer, not a server still
    starting: the requests go ahead and record it."""
    import ssl

    from tools.replay.client import insecure_context

    ctx = insecure_context()
    deadline = time.monotonic() + seconds
    for port, host in sorted(targets.items()):
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
                    with ctx.wrap_socket(sock, server_hostname=host):
                        break
            except ssl.SSLError as exc:
                if "INTERNAL_ERROR" not in str(exc):
                    break
                time.sleep(0.05)
            except OSError:
                time.sleep(0.05)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _tail(log: str) -> str:
    try:
        with open(log) as fh:
            lines = fh.read().strip().splitlines()
    except OSError:
        return ""
    errors = [ln for ln in lines if '"error"' in ln or "emerg" in ln or "ALERT" in ln]
    return " | ".join(errors[:2] or lines[-3:])[:400]
