"""Small loopback upstreams that answer like the real services, for the probe tests.

They run in threads of the test process, bound to 127.0.0.1 on a port the OS picks, and
answer only what the probe asks, the way the real software does (read upstream):
(RULES.md "How the services answer" is the reference; a stand-in that answers otherwise
tests nothing):
- lk-jwt-service, handler.go: `corsJSON` sets Content-Type application/json,
  Access-Control-Allow-Origin *, -Methods POST, -Headers "Accept, Content-Type,
  Content-Length, Accept-Encoding, X-CSRF-Token" on /get_token, /sfu/get and
  /delegate_delayed_leave and answers OPTIONS 200; other methods than POST 405 (same
  headers); a POST body that is not JSON 400 M_NOT_JSON; /healthz GET/HEAD 200, else 405;
  /sfu_webhook takes LiveKit's webhooks; unknown paths get Go's NotFound ("404 page not
  found", text/plain).
- LiveKit, rtcservice.go + server.go + auth.go: GET / is the health check, "OK"; /rtc and
  /rtc/v1 answer 404 (empty body) when the request is not a WebSocket upgrade and 401 "no
  permissions to access the room" to an upgrade without a token; /rtc/validate and
  /rtc/v1/validate without a token 401 "no permissions to access the room" with
  Access-Control-Allow-Origin *; POST /twirp/livekit.RoomService/* without auth 401 with a
  Twirp JSON error; any other path 404 "404 page not found".
- Synapse: unknown paths 404 M_UNRECOGNIZED; the MSC4143 transports endpoint (served only
  with msc4143_enabled) 401 M_MISSING_TOKEN without a token; the federation OpenID
  userinfo 401 M_MISSING_TOKEN without access_token.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TRANSPORTS_PATH = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports"
OPENID_PATH = "/_matrix/federation/v1/openid/userinfo"
JWT_CORS = {
    "Content-Type": "application/json",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST",
    "Access-Control-Allow-Headers": "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive with the proxy, like Go's net/http
    server_version = "test-upstream"
    sys_version = ""

    def log_message(self, *args) -> None:  # quiet: pytest shows failures, not access logs
        pass

    def send(self, status: int, body: bytes | str = b"", headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status: int, value, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(value), {"Content-Type": "application/json", **(headers or {})})

    def go_not_found(self) -> None:
        self.send(404, "404 page not found\n", {"Content-Type": "text/plain; charset=utf-8",
                                                 "X-Content-Type-Options": "nosniff"})

    def do_GET(self) -> None:
        self.server.owner.handle(self)

    do_HEAD = do_POST = do_OPTIONS = do_GET


class Upstream:
    """A threaded HTTP server on 127.0.0.1 with a free port; subclasses implement `handle`."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # what arrived, for assertions
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def handle(self, req: _Handler) -> None:
        self.requests.append((req.command, req.path, {k.lower(): v for k, v in req.headers.items()}))
        self.answer(req, urlsplit(req.path))

    def answer(self, req: _Handler, url) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class FakeJwtService(Upstream):
    """lk-jwt-service as seen from outside without a valid OpenID token."""

    CORS_PATHS = ("/get_token", "/sfu/get", "/delegate_delayed_leave")
    LEGACY_PATHS = ("/sfu/get",)  # before /get_token existed

    def __init__(self, legacy_only: bool = False):
        super().__init__()
        self.paths = self.LEGACY_PATHS if legacy_only else self.CORS_PATHS

    def answer(self, req: _Handler, url) -> None:
        if url.path == "/healthz":
            return req.send(200 if req.command in ("GET", "HEAD") else 405)
        if url.path == "/sfu_webhook" and req.command == "POST":
            return req.send(200)
        if url.path not in self.paths:
            return req.go_not_found()
        if req.command == "OPTIONS":
            return req.send(200, b"", JWT_CORS)
        if req.command != "POST":
            return req.send(405, b"", JWT_CORS)
        length = int(req.headers.get("Content-Length") or 0)
        try:
            json.loads(req.rfile.read(length) or b"")
        except ValueError:
            return req.send_json(400, {"errcode": "M_NOT_JSON", "error": "Error decoding JSON"}, JWT_CORS)
        # any token we could be sent is not a valid OpenID token: the federation check fails
        req.send_json(401, {"errcode": "M_UNAUTHORIZED", "error": "The request could not be authorised."}, JWT_CORS)


class FakeLiveKit(Upstream):
    """The LiveKit SFU's HTTP port: health check and the signalling WebSocket."""

    NO_PERMISSION = "no permissions to access the room\n"
    TEXT = {"Content-Type": "text/plain; charset=utf-8"}

    def answer(self, req: _Handler, url) -> None:
        token = "access_token" in parse_qs(url.query) or bool(req.headers.get("Authorization"))
        if url.path == "/":
            return req.send(200, "OK")
        if url.path in ("/rtc/validate", "/rtc/v1/validate"):
            if not token:
                return req.send(401, self.NO_PERMISSION, {**self.TEXT, "Access-Control-Allow-Origin": "*"})
            return req.send(401, "invalid authorization token\n", {**self.TEXT, "Access-Control-Allow-Origin": "*"})
        if url.path.startswith("/twirp/livekit.RoomService/") and req.command == "POST" and not token:
            return req.send_json(401, {"code": "unauthenticated", "msg": "no permissions to access the room"})
        if url.path not in ("/rtc", "/rtc/v1"):
            return req.go_not_found()
        connection = req.headers.get("Connection", "").lower()
        upgrade = req.headers.get("Upgrade", "").lower()
        if "upgrade" not in connection or "websocket" not in upgrade:
            return req.send(404)  # rtcservice.go: `if !websocket.IsWebSocketUpgrade(r) { w.WriteHeader(404) }`
        if not token:
            return req.send(401, self.NO_PERMISSION, self.TEXT)
        req.send(401, "invalid authorization token\n", self.TEXT)


class FakeHomeserver(Upstream):
    """Synapse's answers to the paths the probe asks for."""

    def __init__(self, transports_url: str | None, msc4143_enabled: bool = True, access_token: str = "secret-token"):
        super().__init__()
        self.transports_url = transports_url
        self.msc4143_enabled = msc4143_enabled
        self.access_token = access_token

    def answer(self, req: _Handler, url) -> None:
        cors = {"Access-Control-Allow-Origin": "*"}
        if url.path == "/_matrix/client/versions":
            return req.send_json(200, {"versions": ["v1.11", "v1.12"], "unstable_features": {}}, cors)
        if url.path == TRANSPORTS_PATH and self.msc4143_enabled:
            return self.transports(req, cors)
        if url.path == OPENID_PATH:
            if "access_token" not in parse_qs(url.query):
                return req.send_json(401, {"errcode": "M_MISSING_TOKEN", "error": "Access Token required"}, cors)
            return req.send_json(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Access Token unknown or expired"}, cors)
        req.send_json(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}, cors)

    def transports(self, req: _Handler, cors: dict[str, str]) -> None:
        auth = req.headers.get("Authorization", "")
        if not auth:
            return req.send_json(401, {"errcode": "M_MISSING_TOKEN", "error": "Missing access token"}, cors)
        if auth != f"Bearer {self.access_token}":
            return req.send_json(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Unknown access token"}, cors)
        entries = [{"type": "livekit", "livekit_service_url": self.transports_url}] if self.transports_url else []
        req.send_json(200, {"rtc_transports": entries}, cors)
