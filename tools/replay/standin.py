"""Stand-in upstreams: record what reaches them, answer as the real services do.

One threaded HTTP server per (address, port) an upstream names. Each answers by the path
it receives, as the service that owns that path (RULES.md "How the services answer"):
lk-jwt-service for /sfu/get, /get_token, /delegate_delayed_leave, /healthz; LiveKit for
/, /rtc…, /twirp…; Synapse for /_matrix/…; else Go's `404 page not found`."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JWT_CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token",
            "Content-Type": "application/json"}
NOT_FOUND = (404, {"Content-Type": "text/plain; charset=utf-8"}, "404 page not found\n")
NO_PERMISSION = "no permissions to access the room\n"


def service_answer(method: str, path: str, upgrade: bool) -> tuple[int, dict, str]:
    if path in ("/sfu/get", "/get_token", "/delegate_delayed_leave"):
        if method == "OPTIONS":
            return 200, dict(JWT_CORS), ""
        if method != "POST":
            return 405, dict(JWT_CORS), ""
        return 400, dict(JWT_CORS), '{"errcode":"M_NOT_JSON","error":"Error reading request"}'
    if path == "/healthz":
        return (200, {}, "") if method in ("GET", "HEAD") else (405, {}, "")
    if path == "/":
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, "OK"
    if path in ("/rtc", "/rtc/v1"):
        if not upgrade:
            return 404, {}, ""
        return 401, {"Content-Type": "text/plain; charset=utf-8"}, NO_PERMISSION
    if path in ("/rtc/validate", "/rtc/v1/validate"):
        return 401, {"Content-Type": "text/plain; charset=utf-8", "Access-Control-Allow-Origin": "*"}, NO_PERMISSION
    if path.startswith("/twirp/livekit.RoomService/") and method == "POST":
        return 401, {"Content-Type": "application/json"}, '{"code":"unauthenticated","msg":"permissions denied"}'
    if path.startswith("/_matrix/"):
        return 401, {"Content-Type": "application/json"}, '{"errcode":"M_MISSING_TOKEN","error":"Missing access token"}'
    return NOT_FOUND


class Recorder:
    """What reached the stand-ins, by the client's X-Replay-Id."""

    def __init__(self) -> None:
        self.seen: dict[str, dict] = {}
        self.lock = threading.Lock()

    def add(self, rid: str, record: dict) -> None:
        with self.lock:
            self.seen[rid] = record


def _handler(recorder: Recorder, address: str, port: int):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # headers and body go out in separate writes: without TCP_NODELAY the body waits
        # for the proxy's delayed ACK (40 ms a request)
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(min(length, 65536))
            headers = {k.lower(): v for k, v in self.headers.items()}
            connection = headers.get("connection", "").lower()
            upgrade = headers.get("upgrade", "").lower() == "websocket" and "upgrade" in connection
            status, out, body = service_answer(self.command, self.path.split("?", 1)[0], upgrade)
            recorder.add(headers.get("x-replay-id", ""), {"address": address, "port": port, "path": self.path,
                                                          "host": headers.get("host", ""), "upgrade": upgrade,
                                                          "headers": out})
            data = body.encode()
            self.send_response(status)
            for name, value in out.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            self.close_connection = True

        do_GET = do_POST = do_OPTIONS = do_HEAD = do_PUT = do_DELETE = _any

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a proxy that drops the connection (an upgrade refused, a timeout) is not news


class StandIns:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.servers: dict[tuple[str, int], ThreadingHTTPServer] = {}

    def ensure(self, address: str, port: int, tls: ssl.SSLContext | None = None) -> bool:
        if (address, port) in self.servers:
            return True
        try:
            server = _Server((address, port), _handler(self.recorder, address, port))
        except OSError:
            return False
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        # a short poll: shutdown() waits up to one poll interval per stand-in
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.servers[(address, port)] = server
        return True

    def close(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()
        self.servers.clear()
