"""Real nginx, HAProxy and Caddy on loopback, for the tests that prove a fix works.

A deployment's proxy config names public ports (443, 80, 8443), certificate paths on
its own disk, and upstream host names (`synapse`, `lk-jwt-service`) that exist only in
its Docker network. To run it here, a *scratch copy* is made with exactly those things
changed: every listen port becomes a free port on 127.0.0.1, every certificate becomes
a self-signed one made by `openssl` for the site names, and upstream host names become
127.0.0.1 (same port). Everything else — routes, matchers, headers, bodies — is served
as written. Each server runs in the foreground of its own process and is stopped by
that PID.

    with start_proxy("caddy", "/tmp/x/Caddyfile", workdir) as running:
        running.ports   # {original port: loopback port}
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CADDY = os.path.join(ROOT, ".venv", "bin", "caddy")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
STARTUP_SECONDS = 60  # a guard against a server that never starts, not a speed requirement


# -- ports and certificates ------------------------------------------------------------

def is_literal_host(host: str) -> bool:
    """Only literal addresses and localhost: looking names up would make a test wait on
    DNS timeouts (and depend on the network), so tests substitute every other name."""
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return host == "localhost"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Cert:
    cert: str
    key: str
    pem: str  # certificate and key in one file (HAProxy's `crt`)


def make_cert(directory: str, hosts: list[str]) -> Cert:
    """A self-signed certificate for `hosts` (wildcards allowed), made with openssl."""
    os.makedirs(directory, exist_ok=True)
    cert, key, pem = (os.path.join(directory, n) for n in ("test.crt", "test.key", "test.pem"))
    names = sorted({h for h in hosts if h} | {"localhost"})
    san = ",".join(f"DNS:{h}" for h in names) + ",IP:127.0.0.1"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={san}",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=60,
    )
    with open(pem, "w") as out, open(cert) as c, open(key) as k:
        out.write(c.read() + k.read())
    return Cert(cert, key, pem)


# -- running servers -------------------------------------------------------------------

@dataclass
class Running:
    kind: str
    process: subprocess.Popen
    ports: dict[int, int] = field(default_factory=dict)  # original port -> loopback port
    tls_ports: set[int] = field(default_factory=set)  # original ports that speak TLS
    log: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop by PID: SIGTERM, then SIGKILL if it does not exit."""
        if self.process.poll() is not None:
            return
        os.kill(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _wait_listening(running: Running, log_path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = set(running.ports.values())
    while pending and time.monotonic() < deadline:
        if running.process.poll() is not None:
            break
        for port in list(pending):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pending.discard(port)
        if pending:
            time.sleep(0.1)
    if pending:
        running.stop()
        raise RuntimeError(f"{running.kind} did not start (ports {sorted(pending)}):\n{_read(log_path)}")


def _read(path: str) -> str:
    try:
        with open(path, errors="replace") as fh:
            return fh.read()[-4000:]
    except OSError:
        return ""


def _spawn(kind: str, argv: list[str], workdir: str, ports: dict[int, int], tls: set[int]) -> Running:
    log_path = os.path.join(workdir, f"{kind}.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen(argv, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    running = Running(kind, proc, ports, tls, log_path)
    _wait_listening(running, log_path)
    return running


@contextlib.contextmanager
def start_proxy(kind: str, config_path: str, workdir: str, hosts: list[str]):
    """Validate and start the proxy config at `config_path` (a file in a fixed tree)
    from a scratch copy in `workdir`; yields Running, stops it afterwards."""
    os.makedirs(workdir, exist_ok=True)
    cert = make_cert(os.path.join(workdir, "certs"), hosts)
    starter = {"caddy": _start_caddy, "nginx": _start_nginx, "haproxy": _start_haproxy}[kind]
    running = starter(config_path, workdir, cert)
    try:
        yield running
    finally:
        running.stop()


# -- validators (the server's own check of the file, as fixed) ---------------------------

@dataclass
class Verdict:
    ok: bool
    output: str
    adapted: dict | None = None  # caddy: the JSON config


def caddy_adapt(config_path: str) -> Verdict:
    proc = subprocess.run([CADDY, "adapt", "--config", config_path, "--adapter", "caddyfile"],
                          capture_output=True, text=True, timeout=60)
    adapted = None
    if proc.returncode == 0:
        adapted = json.loads(proc.stdout)
    return Verdict(proc.returncode == 0, proc.stderr, adapted)


def nginx_test(main_conf: str, prefix: str) -> Verdict:
    proc = subprocess.run([NGINX, "-t", "-p", prefix, "-c", main_conf, "-g", _nginx_globals(prefix)],
                          capture_output=True, text=True, timeout=60)
    return Verdict(proc.returncode == 0, proc.stderr)


def haproxy_check(config: str) -> Verdict:
    proc = subprocess.run([HAPROXY, "-c", "-f", config], capture_output=True, text=True, timeout=60)
    return Verdict(proc.returncode == 0, proc.stdout + proc.stderr)


# -- Caddy: adapt the Caddyfile, then run its JSON with loopback listeners ----------------

def _start_caddy(config_path: str, workdir: str, cert: Cert) -> Running:
    verdict = caddy_adapt(config_path)
    if not verdict.ok:
        raise RuntimeError(f"caddy adapt failed:\n{verdict.output}")
    config, ports, tls = loopback_caddy_json(verdict.adapted or {}, cert, workdir)
    path = os.path.join(workdir, "caddy.json")
    with open(path, "w") as fh:
        json.dump(config, fh, indent=1)
    env_home = os.path.join(workdir, "home")
    os.makedirs(env_home, exist_ok=True)
    argv = ["env", f"HOME={env_home}", f"XDG_DATA_HOME={env_home}", f"XDG_CONFIG_HOME={env_home}",
            CADDY, "run", "--config", path]
    return _spawn("caddy", argv, workdir, ports, tls)


def loopback_caddy_json(config: dict, cert: Cert, workdir: str) -> tuple[dict, dict[int, int], set[int]]:
    """The adapted config with each server on a loopback port, TLS from the test's
    certificate (no ACME, no local CA), and no admin endpoint."""
    config = json.loads(json.dumps(config))
    config["admin"] = {"disabled": True}
    config["storage"] = {"module": "file_system", "root": os.path.join(workdir, "caddy-data")}
    config.pop("logging", None)
    apps = config.setdefault("apps", {})
    apps.pop("pki", None)
    apps["tls"] = {"certificates": {"load_files": [{"certificate": cert.cert, "key": cert.key}]}}
    ports: dict[int, int] = {}
    tls: set[int] = set()
    http_port = apps.get("http", {}).get("http_port", 80)
    for server in apps.get("http", {}).get("servers", {}).values():
        listen = []
        for addr in server.get("listen", [":443"]):
            original = int(addr.rsplit(":", 1)[-1].split("-")[0])
            ports.setdefault(original, free_port())
            listen.append(f"127.0.0.1:{ports[original]}")
        server["listen"] = sorted(set(listen))
        server["automatic_https"] = {"disable": True}
        originals = [p for p, new in ports.items() if f"127.0.0.1:{new}" in server["listen"]]
        if any(p != http_port for p in originals) and _has_hosts(server):
            server["tls_connection_policies"] = [{}]
            tls.update(p for p in originals if p != http_port)
    return config, ports, tls


def _has_hosts(server: dict) -> bool:
    """Caddy serves HTTPS only for sites with host names (`:8443 {}` is plain HTTP
    unless `tls` is given)."""
    if server.get("tls_connection_policies"):
        return True
    for route in server.get("routes", []):
        for match in route.get("match", []):
            if match.get("host"):
                return True
    return False


# -- nginx: scratch copy with loopback listeners and test certificates -------------------

_LISTEN = re.compile(r"(?m)^(\s*)listen\s+([^;]*);")
_CERT = re.compile(r"(?m)^(\s*)ssl_certificate\s+[^;]*;")
_CERT_KEY = re.compile(r"(?m)^(\s*)ssl_certificate_key\s+[^;]*;")
_DROP_NGINX = re.compile(r"(?m)^\s*(ssl_trusted_certificate|ssl_dhparam|ssl_stapling\w*|pid|daemon|user)\s[^;]*;")
_PROXY_HOST = re.compile(r"((?:proxy_pass|grpc_pass)\s+(?:https?|grpcs?)://)([A-Za-z_][\w.-]*)")
_UPSTREAM_NAME = re.compile(r"\bupstream\s+([\w.-]+)\s*\{")
_UPSTREAM_SERVER = re.compile(r"(?m)^(\s*server\s+)([A-Za-z_][\w.-]*)((?::\d+)?[^;{]*;)")
_INCLUDE = re.compile(r"(?m)^(\s*)include\s+([^;]+);")


def loopback_nginx_text(text: str, cert: Cert, ports: dict[int, int], tls: set[int], exists=os.path.exists) -> str:
    """One nginx file with the machine-specific parts replaced (see the module doc)."""
    upstreams = set(_UPSTREAM_NAME.findall(text))

    def listen(m: re.Match) -> str:
        args = m.group(2).split()
        if not args or args[0].startswith("["):  # IPv6 duplicate of an IPv4 listen: drop
            return f"{m.group(1)}# (test) listen {m.group(2)};"
        port = int(re.sub(r"^.*:", "", args[0]) or 80) if re.search(r"\d+$", args[0]) else 80
        ports.setdefault(port, free_port())
        secure = "ssl" in args[1:]
        if secure:
            tls.add(port)
        extra = " ssl" if secure else ""
        return f"{m.group(1)}listen 127.0.0.1:{ports[port]}{extra};"

    def include(m: re.Match) -> str:
        target = m.group(2).strip().strip("'\"")
        if os.path.isabs(target) and "*" not in target and not exists(target):
            return f"{m.group(1)}# (test) include {target};"  # a file of the deployment's own machine
        return m.group(0)

    text = _LISTEN.sub(listen, text)
    text = _CERT.sub(lambda m: f"{m.group(1)}ssl_certificate {cert.cert};", text)
    text = _CERT_KEY.sub(lambda m: f"{m.group(1)}ssl_certificate_key {cert.key};", text)
    text = _DROP_NGINX.sub(lambda m: "", text)
    text = _PROXY_HOST.sub(lambda m: m.group(0) if m.group(2) in upstreams else m.group(1) + "127.0.0.1", text)
    text = _UPSTREAM_SERVER.sub(lambda m: m.group(1) + "127.0.0.1" + m.group(3), text)
    return _INCLUDE.sub(include, text)


def _nginx_globals(prefix: str) -> str:
    return f"pid {os.path.join(prefix, 'nginx.pid')}; error_log stderr;"


def nginx_scratch(config_path: str, workdir: str, cert: Cert) -> tuple[str, dict[int, int], set[int]]:
    """A scratch copy of the config's directory and a main file for it: the file itself
    when it has an `http` block, else a wrapper that includes it inside one."""
    scratch = os.path.join(workdir, "nginx")
    shutil.copytree(os.path.dirname(config_path), scratch, dirs_exist_ok=True)
    ports: dict[int, int] = {}
    tls: set[int] = set()
    for dirpath, _dirs, files in os.walk(scratch):
        for name in files:
            path = os.path.join(dirpath, name)
            if not name.endswith((".conf", ".nginx")) and name not in ("default", "nginx.conf"):
                continue
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                text = fh.read()
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(loopback_nginx_text(text, cert, ports, tls))
    target = os.path.join(scratch, os.path.relpath(config_path, os.path.dirname(config_path)))
    with open(target, encoding="utf-8") as fh:
        body = fh.read()
    if re.search(r"(?m)^\s*http\s*\{", body):
        if not re.search(r"(?m)^\s*events\s*\{", body):
            with open(target, "a", encoding="utf-8") as fh:
                fh.write("\nevents {}\n")
        return target, ports, tls
    main = os.path.join(workdir, "nginx-main.conf")
    mime = "/etc/nginx/mime.types"
    with open(main, "w", encoding="utf-8") as fh:
        fh.write(f"events {{}}\nhttp {{\n  {'include ' + mime + ';' if os.path.exists(mime) else ''}\n"
                 f"  access_log off;\n  include {target};\n}}\n")
    return main, ports, tls


def _start_nginx(config_path: str, workdir: str, cert: Cert) -> Running:
    main, ports, tls = nginx_scratch(config_path, workdir, cert)
    prefix = os.path.join(workdir, "nginx-prefix")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    verdict = nginx_test(main, prefix)
    if not verdict.ok:
        raise RuntimeError(f"nginx -t failed:\n{verdict.output}")
    argv = [NGINX, "-p", prefix, "-c", main, "-g", "daemon off; " + _nginx_globals(prefix)]
    return _spawn("nginx", argv, workdir, ports, tls)


# -- HAProxy ---------------------------------------------------------------------------

_BIND = re.compile(r"(?m)^(\s*)bind\s+(\S+)(.*)$")
_CRT = re.compile(r"\s(crt|ca-file|crt-list)\s+\S+")
_HA_SERVER = re.compile(r"(?m)^(\s*server\s+\S+\s+)([A-Za-z_][\w.-]*)(:\d+)")
_DROP_HAPROXY = re.compile(r"(?m)^\s*(daemon|pidfile|stats\s+socket|chroot|user|group|nbproc)\b.*$")


def loopback_haproxy_text(text: str, cert: Cert, ports: dict[int, int], tls: set[int]) -> str:
    def bind(m: re.Match) -> str:
        addr, rest = m.group(2), m.group(3)
        if addr.startswith(("[", "ipv6@", ":::")):
            return f"{m.group(1)}# (test) bind {addr}{rest}"
        port = int(addr.rsplit(":", 1)[-1]) if re.search(r":\d+$", addr) else 80
        ports.setdefault(port, free_port())
        secure = re.search(r"\sssl\b", rest) is not None
        if secure:
            tls.add(port)
            rest = _CRT.sub("", rest) + f" crt {cert.pem}"
        return f"{m.group(1)}bind 127.0.0.1:{ports[port]}{rest}"

    text = _BIND.sub(bind, text)
    text = _HA_SERVER.sub(lambda m: m.group(1) + "127.0.0.1" + m.group(3), text)
    return _DROP_HAPROXY.sub("", text)


def haproxy_scratch(config_path: str, workdir: str, cert: Cert) -> tuple[str, dict[int, int], set[int]]:
    ports: dict[int, int] = {}
    tls: set[int] = set()
    with open(config_path, encoding="utf-8-sig", errors="replace") as fh:
        text = fh.read()
    scratch = os.path.join(workdir, "haproxy.cfg")
    with open(scratch, "w", encoding="utf-8") as fh:
        fh.write(loopback_haproxy_text(text, cert, ports, tls))
    return scratch, ports, tls


def _start_haproxy(config_path: str, workdir: str, cert: Cert) -> Running:
    scratch, ports, tls = haproxy_scratch(config_path, workdir, cert)
    verdict = haproxy_check(scratch)
    if not verdict.ok:
        raise RuntimeError(f"haproxy -c failed:\n{verdict.output}")
    return _spawn("haproxy", [HAPROXY, "-db", "-f", scratch], workdir, ports, tls)
