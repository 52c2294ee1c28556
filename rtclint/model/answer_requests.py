"""The requests a Matrix client, Element Call, livekit-client and lk-jwt-service send
(RULES.md "How a client finds the call backend"), for a host and a base path."""

from __future__ import annotations

from rtclint.model.answer_types import Request

ORIGIN = "https://call.example.net"
UPGRADE = {"upgrade": "websocket", "connection": "Upgrade", "sec-websocket-version": "13",
           "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ=="}
JSON = {"content-type": "application/json", "origin": ORIGIN}
PREFLIGHT = {"origin": ORIGIN, "access-control-request-method": "POST",
             "access-control-request-headers": "content-type"}

# (kind, method, path, headers): kinds on the server_name / homeserver host
HOMESERVER = (
    ("well-known-client", "GET", "/.well-known/matrix/client", {"origin": ORIGIN}),
    ("well-known-server", "GET", "/.well-known/matrix/server", {}),
    ("transports-unstable", "GET", "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports", {"origin": ORIGIN}),
    ("transports-v1", "GET", "/_matrix/client/v1/rtc/transports", {"origin": ORIGIN}),
    ("hs-delegate-leave", "POST", "/_matrix/client/unstable/io.element.msc4195/rtc/livekit/delegate_delayed_leave",
     JSON),
    ("openid-userinfo", "GET", "/_matrix/federation/v1/openid/userinfo", {}),
)
# kinds under livekit_service_url (the JWT service) and LIVEKIT_URL (the SFU), per base path
UNDER_BASE = (
    ("sfu-get-preflight", "OPTIONS", "/sfu/get", PREFLIGHT),
    ("sfu-get", "POST", "/sfu/get", JSON),
    ("get-token-preflight", "OPTIONS", "/get_token", PREFLIGHT),
    ("get-token", "POST", "/get_token", JSON),
    ("delegate-leave", "POST", "/delegate_delayed_leave", JSON),
    ("healthz", "GET", "/healthz", {}),
    ("rtc-v1-ws", "GET", "/rtc/v1", UPGRADE),
    ("rtc-v1-validate", "GET", "/rtc/v1/validate", {"origin": ORIGIN}),
    ("rtc-ws", "GET", "/rtc", UPGRADE),
    ("rtc-validate", "GET", "/rtc/validate", {"origin": ORIGIN}),
    ("twirp-create-room", "POST", "/twirp/livekit.RoomService/CreateRoom", {"content-type": "application/json"}),
)
KINDS = tuple(k for k, *_ in HOMESERVER + UNDER_BASE)


def client_requests(scheme: str, host: str, port: int, bases: list[str]) -> list[tuple[str, Request]]:
    """Every client request to one host: the homeserver ones, and the JWT/SFU ones under
    each base path ('' for the host's root, '/livekit/jwt' for a prefix)."""
    out = [(kind, Request(scheme, host, port, method, path, dict(headers)))
           for kind, method, path, headers in HOMESERVER]
    for base in dict.fromkeys(b.rstrip("/") for b in bases):
        for kind, method, path, headers in UNDER_BASE:
            out.append((kind, Request(scheme, host, port, method, base + path, dict(headers))))
    return out


_BY_KIND = {kind: (method, path, headers) for kind, method, path, headers in HOMESERVER + UNDER_BASE}
_UNDER_BASE_KINDS = frozenset(kind for kind, *_ in UNDER_BASE)


def request_for(kind: str, scheme: str, host: str, port: int, base: str = "") -> Request:
    """One client request of `kind` (a KINDS name) to `host`, under `base` for the JWT/SFU
    kinds (the homeserver kinds ignore it)."""
    method, path, headers = _BY_KIND[kind]
    if kind in _UNDER_BASE_KINDS:
        path = base.rstrip("/") + path
    return Request(scheme, host, port, method, path, dict(headers))
