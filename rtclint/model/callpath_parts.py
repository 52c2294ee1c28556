"""The small pieces the call path (callpath.py) is built from: the client's requests,
URLs as the client writes them, and ports as Compose publishes them."""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.document import Span
from rtclint.model.answer_requests import HOMESERVER, UNDER_BASE
from rtclint.model.answer_types import Request
from rtclint.model.services import not_published_as_is
from rtclint.urls import public_parts as split

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.services import Service


HOPS = ("well-known", "transports", "jwt", "sfu", "media")
TITLES = {
    "well-known": "client well-known on the server_name",
    "transports": "transports endpoint on the homeserver",
    "jwt": "JWT service (livekit_service_url)",
    "sfu": "SFU websocket (LIVEKIT_URL)",
    "media": "LiveKit media ports",
}
ROLE_NAMES = {"jwt": "the JWT service", "livekit": "LiveKit", "synapse": "the homeserver",
              "element-call": "Element Call", "proxy": "another proxy"}
WORST = {"ok": 0, "unknown": 1, "broken": 2}


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class HopRequest:
    """One request a client sends on a hop of the call path, and what the tree answers."""

    method: str
    url: str
    answer: str  # what the tree does with it, in words


@dataclass(slots=True, eq=False, repr=False)
class Hop:
    """One hop of the call path (well-known, JWT service, SFU, media): its state, why, and where it is decided."""

    hop: str  # one of HOPS
    state: str  # 'ok' | 'broken' | 'unknown'
    reason: str
    requests: list[HopRequest] = field(default_factory=list)
    # where the answer is decided: (span, what is there), the deciding place first
    decided_at: list[tuple[Span, str]] = field(default_factory=list)
    # more places that belong to this hop (a service's settings, its ports), for placing
    # findings that point there
    covers: list[Span] = field(default_factory=list)

    @property
    def title(self) -> str:
        return TITLES[self.hop]


@dataclass(slots=True, eq=False, repr=False)
class CallPath:
    """A deployment's call path: the hops a client takes from the well-known to the media."""

    deployment: str
    server_name: str | None
    hops: list[Hop]


def set_state(hop: Hop, state: str, reason: str) -> Hop:
    hop.state, hop.reason = state, reason
    return hop


def request(kind: str, scheme: str, host: str, port: int, base: str) -> Request:
    for table, prefix in ((HOMESERVER, ""), (UNDER_BASE, base.rstrip("/"))):
        for name, method, path, headers in table:
            if name == kind:
                return Request(scheme, host, port, method, prefix + path, dict(headers))
    raise KeyError(kind)


def url(request: Request, scheme: str | None = None) -> str:
    scheme = scheme or request.scheme
    default = 443 if scheme in ("https", "wss") else 80
    port = "" if request.port == default else f":{request.port}"
    return f"{scheme}://{request.host}{port}{request.path}"


def proxied(ans) -> str:
    up = ans.upstream
    return f"proxied to {up.host}:{up.port}" if up is not None else "proxied"


def host(url: str) -> str | None:
    parts = split(url)
    return parts[1] if parts else None


def true(located) -> bool:
    return located is not None and located.value is True


def port(located, default: int) -> int:
    value = located.value if located is not None else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()) else default


def service_spans(svc: "Service") -> list[Span]:
    """Where a service's settings are written: its environment and image."""
    spans = [var.span for var in svc.env.values()]
    return spans + ([svc.image.span] if svc.image is not None and svc.image.span is not None else [])


def published(svc: "Service", proto: str, low: int, high: int) -> bool:
    """Every port low..high published on the same host port (LiveKit advertises its own)."""
    return not not_published_as_is(svc, proto, low, high)
