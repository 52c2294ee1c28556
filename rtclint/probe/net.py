"""Networking for the probe: curl-like address mapping and an httpx client.

`--resolve HOST:PORT:ADDR` and `--connect-to HOST:PORT:ADDR:PORT2` change only where the
TCP connection goes. The URL, and so the Host header and the TLS server name (SNI) and
certificate check, stay those of the public name: the probe sees what a client would see
once DNS points at ADDR. httpx is imported here only, so `rtclint check` never loads it."""

from __future__ import annotations

import socket
import ssl

from dataclasses import dataclass, field

CONNECT_TIMEOUT = 5.0  # matrix-js-sdk gives up on the well-known after 5 s


class ProbeUsageError(ValueError):
    """A malformed option value; the CLI turns it into a usage error."""


@dataclass(frozen=True)
class Target:
    """A host and port the probe connects to."""

    host: str
    port: int


@dataclass
class AddressMap:
    """(host, port) → (address, port), from --resolve and --connect-to."""

    entries: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)

    def add_resolve(self, spec: str) -> None:
        host, port, addr = _split(spec, 3, "--resolve", "HOST:PORT:ADDRESS")
        self.entries[(host.lower(), _port(port, spec))] = (addr, _port(port, spec))

    def add_connect_to(self, spec: str) -> None:
        host, port, addr, port2 = _split(spec, 4, "--connect-to", "HOST:PORT:ADDRESS:PORT2")
        self.entries[(host.lower(), _port(port, spec))] = (addr, _port(port2, spec))

    def lookup(self, host: str, port: int) -> tuple[str, int]:
        return self.entries.get((host.lower().strip("[]"), port), (host, port))

    def __bool__(self) -> bool:
        return bool(self.entries)


def _split(spec: str, parts: int, option: str, shape: str) -> list[str]:
    """Split on ':' but keep a bracketed IPv6 address whole, as curl does."""
    out, buf, depth = [], "", 0
    for ch in spec:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == ":" and depth == 0:
            out.append(buf)
            buf = ""
        else:
            buf += ch
    out.append(buf)
    out = [p.strip("[]") if p.startswith("[") else p for p in out]
    if len(out) != parts or not all(out):
        raise ProbeUsageError(f"{option} '{spec}': expected {shape}")
    return out


def _port(text: str, spec: str) -> int:
    if not text.isdecimal() or not 0 < int(text) < 65536:
        raise ProbeUsageError(f"'{spec}': '{text}' is not a port number")
    return int(text)


def ssl_context(cacert: str | None, insecure: bool) -> ssl.SSLContext:
    """The context for every TLS connection: system CAs (plus --cacert), or none with --insecure."""
    if insecure:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.create_default_context(cafile=cacert) if cacert else _default_context()
    return ctx


def _default_context() -> ssl.SSLContext:
    # httpx ships with certifi; prefer it, as httpx itself would, so results match curl/browsers
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


def make_client(addresses: AddressMap, ctx: ssl.SSLContext, timeout: float = CONNECT_TIMEOUT):
    """An httpx.Client whose connections go where `addresses` says, SNI and Host unchanged."""
    import httpcore
    import httpx

    class MappedBackend(httpcore.SyncBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            addr, real_port = addresses.lookup(host, port)
            return super().connect_tcp(addr, real_port, timeout, local_address, socket_options)

    transport = httpx.HTTPTransport(verify=ctx)
    # httpx has no public hook for the network backend; the pool is rebuilt with the
    # same settings plus ours (httpcore's documented `network_backend` argument).
    transport._pool = httpcore.ConnectionPool(ssl_context=ctx, network_backend=MappedBackend(), http1=True, http2=False)
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False, trust_env=not addresses)


@dataclass
class TlsResult:
    """What a TLS handshake showed: whether it worked, the certificate, or why not."""

    ok: bool
    detail: str
    unreachable: bool = False  # no TCP connection at all: not a certificate problem
    subject: str = ""
    issuer: str = ""
    not_after: str = ""
    names: list[str] = field(default_factory=list)


def check_tls(host: str, port: int, addresses: AddressMap, cacert: str | None,
              timeout: float = CONNECT_TIMEOUT) -> TlsResult:
    """Handshake with certificate and host name verification, as a browser would."""
    addr, real_port = addresses.lookup(host, port)
    ctx = ssl_context(cacert, insecure=False)
    try:
        with socket.create_connection((addr, real_port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as tls:
                cert = tls.getpeercert() or {}
                version = tls.version() or ""
    except ssl.SSLCertVerificationError as exc:
        return TlsResult(False, f"certificate not valid for {host}: {exc.verify_message or exc.reason}")
    except ssl.SSLError as exc:
        return TlsResult(False, f"TLS handshake with {host}:{port} failed: {exc.reason or exc}")
    except OSError as exc:
        return TlsResult(False, f"cannot connect to {host}:{port}: {describe_os_error(exc)}", unreachable=True)
    return TlsResult(True, f"{version}, certificate valid for {host}", subject=_dn(cert.get("subject")),
                     issuer=_dn(cert.get("issuer")), not_after=cert.get("notAfter", ""),
                     names=[v for k, v in cert.get("subjectAltName", ()) if k == "DNS"])


def _dn(rdns) -> str:
    if not rdns:
        return ""
    return ", ".join(f"{k}={v}" for rdn in rdns for k, v in rdn)


def describe_os_error(exc: BaseException) -> str:
    """Short words for connection errors (the exception chain of httpx is long)."""
    seen = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "name does not resolve (DNS)"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused (nothing listens on that port)"
        if isinstance(seen, (socket.timeout, TimeoutError)):
            return "timed out"
        if isinstance(seen, ssl.SSLCertVerificationError):
            return f"TLS certificate not valid: {seen.verify_message or seen.reason}"
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {seen.reason or seen}"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    for marker, words in (("Name or service not known", "name does not resolve (DNS)"),
                          ("Temporary failure in name resolution", "name does not resolve (DNS)"),
                          ("Connection refused", "connection refused (nothing listens on that port)"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS certificate not valid"),
                          ("timed out", "timed out")):
        if marker in text:
            return words if marker != "CERTIFICATE_VERIFY_FAILED" else f"{words}: {text}"
    return text or type(exc).__name__
