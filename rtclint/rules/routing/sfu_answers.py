"""What the proxy answers for the requests livekit-client and lk-jwt-service send to the
SFU's public URL (`LIVEKIT_URL`), read from the answer model (model/answer.py) — shared
by RTC209 and RTC210. An answer the model cannot give is `unknown`: the rules stay quiet.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtclint.model.answer_requests import ORIGIN, UPGRADE
from rtclint.rules.common.roles import PublicUrl, upstream_role

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.document import Span
    from rtclint.model.answer import Answer

# LiveKit's HTTP mux answers these paths and nothing else (livekit v1.13.5 pkg/service/server.go)
LIVEKIT_PATHS = ("/", "/rtc", "/rtc/v1", "/rtc/validate", "/rtc/v1/validate")
TWIRP_PREFIX = "/twirp/"
JSON = {"content-type": "application/json"}


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class SfuUrl:
    """A JWT service's public `LIVEKIT_URL`, as written and parsed."""

    url: PublicUrl  # scheme as written (wss)
    text: str
    span: Span


@dataclass(eq=False, repr=False)
class Reply:
    """The proxy's answer for an SFU request, and the role of the upstream it reaches."""

    answer: Answer
    role: str | None  # the upstream's role for a proxied answer ('livekit', 'jwt', …)

    @property
    def known(self) -> bool:
        return self.answer.kind != "unknown"

    @property
    def to_livekit(self) -> bool:
        return self.answer.kind == "proxy" and self.role == "livekit"

    @property
    def upstream_path(self) -> str | None:
        up = self.answer.upstream
        return up.path.split("?", 1)[0] if up is not None else None


def sfu_urls(dep) -> list[SfuUrl]:
    """Every JWT service's `LIVEKIT_URL` that names a public wss:// (or https://) URL."""
    found = []
    for svc in dep.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        value = var.value.strip() if var is not None and var.value else ""
        url = PublicUrl.parse(value) if value and "$" not in value and "{{" not in value else None
        if url is not None and url.scheme in ("wss", "https"):
            found.append(SfuUrl(url, value, var.value_span or var.span))
    return found


def ask(ctx, url: PublicUrl, path: str, method: str = "GET", headers: dict | None = None) -> Reply:
    """The proxy's answer to `method url.path+path` on the SFU's host (memoised per run)."""
    cache = ctx.memo("sfu_answers", dict)
    key = (url.host, url.port, method, url.path + path, tuple(sorted((headers or {}).items())))
    if key not in cache:
        if ctx.deployment.sites:  # the answer model is imported only when a proxy may answer
            from rtclint.model.answer import Request, answer

            request = Request("https", url.host, url.port, method, url.path + path, dict(headers or {}))
            result = answer(ctx.deployment, request)
        else:
            from rtclint.model.answer_types import no_site

            result = no_site(url.host, url.port)
        role = None
        if result.kind == "proxy" and result.route is not None:
            role = upstream_role(ctx, result.route, result.site)
        cache[key] = Reply(result, role)
    return cache[key]


def websocket(ctx, url: PublicUrl, path: str) -> Reply:
    return ask(ctx, url, path, "GET", UPGRADE)


def validate(ctx, url: PublicUrl, path: str) -> Reply:
    return ask(ctx, url, path, "GET", {"origin": ORIGIN})


def create_room(ctx, url: PublicUrl) -> Reply:
    return ask(ctx, url, "/twirp/livekit.RoomService/CreateRoom", "POST", JSON)
