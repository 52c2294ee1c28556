"""The client side: one request to the proxy on loopback, TLS with the request's SNI."""

from __future__ import annotations

import http.client
import socket
import ssl

from rtclint.model.answer import Request

TIMEOUT = 5.0


def insecure_context() -> ssl.SSLContext:
    """A client context that verifies nothing: the servers present the replay's self-signed
    certificate. Built once: loading the system's trust store costs ~40 ms a request."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


_CONTEXT = insecure_context()


def send(request: Request, rid: str) -> dict:
    """Status, body and headers (lower-case name → list of values) the server answered."""
    sock = socket.create_connection(("127.0.0.1", request.port), timeout=TIMEOUT)
    # no Nagle: a request written in pieces must not wait for a delayed ACK (40 ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if request.scheme == "https":
            sock = _CONTEXT.wrap_socket(sock, server_hostname=request.host)
        conn = http.client.HTTPConnection(request.host, request.port, timeout=TIMEOUT)
        conn.sock = sock
        headers = {"Host": _host_header(request), "X-Replay-Id": rid, "Connection": "close", **request.headers}
        if request.upgrade:
            headers["Connection"] = "Upgrade"
        body = b"{}" if request.method == "POST" else None
        conn.request(request.method, request.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read(65536) if resp.status != 101 else b""
        values: dict[str, list[str]] = {}
        for name, value in resp.getheaders():
            values.setdefault(name.lower(), []).append(value)
        return {"status": resp.status, "body": data.decode("utf-8", "replace"), "headers": values}
    finally:
        sock.close()


def _host_header(request: Request) -> str:
    default = 443 if request.scheme == "https" else 80
    return request.host if request.port == default else f"{request.host}:{request.port}"
