"""The proxy takes `/rtc` to LiveKit but not `/rtc/v1`.

## What it does
For each `LIVEKIT_URL` of a JWT service, asks the answer model what the proxy answers
to the websocket requests livekit-client sends there. When `<LIVEKIT_URL>/rtc` reaches
LiveKit and `<LIVEKIT_URL>/rtc/v1` does not, reports the route that stops at `/rtc`.
An error when `<LIVEKIT_URL>/rtc/v1/validate` is answered with anything but 404 (the
client then never falls back), a warning otherwise. Answers rtclint cannot evaluate:
no finding.

## Why
livekit-client 2.22 (bundled by Element Call 0.26.1) opens `<url>/rtc/v1` first. When
that fails it fetches `<url>/rtc/v1/validate`, and only a 404 makes it retry the old
`<url>/rtc` (`ServiceNotFound`, "v1 RTC path not found"); any other answer (a catch-all
`return 200`, an SPA, a 401 from an auth wall) ends the join with an error. Even with
the fallback every join costs a failed attempt first. LiveKit v1.13.5 serves both
`/rtc` and `/rtc/v1` (`pkg/service/rtcservice.go`). Routes written for older clients
match `/rtc` exactly (`location = /rtc`, a regex `^/rtc$`).

## Example
```nginx
location = /rtc {
    proxy_pass http://livekit:7880;
    proxy_http_version 1.1;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
}
```

## Fix
Safe for an nginx exact location: `location = /rtc` becomes the prefix location
`location /rtc`, which also takes `/rtc/v1` and the validate paths. Otherwise widen the
matcher by hand to `/rtc` and everything below it.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.routing.sfu_answers import sfu_urls, validate, websocket

CODE = "RTC209"
NAME = "sfu-rtc-v1-unrouted"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")


def check(ctx):
    reported = set()
    for sfu in sfu_urls(ctx.deployment):
        old, new = websocket(ctx, sfu.url, "/rtc"), websocket(ctx, sfu.url, "/rtc/v1")
        if not old.to_livekit or not new.known or new.to_livekit:
            continue
        route = old.answer.route
        if route is None or id(route) in reported:
            continue
        reported.add(id(route))
        check_reply = validate(ctx, sfu.url, "/rtc/v1/validate")
        status = _status(check_reply)
        base = sfu.url.path
        if status is not None and status != 404:
            severity, outcome = Severity.ERROR, (f"the proxy answers {base}/rtc/v1/validate with {status}, not 404, "
                                                 "so the client never falls back to /rtc and the join fails")
        elif status == 404:
            severity, outcome = Severity.WARNING, (f"the proxy answers {base}/rtc/v1/validate with 404, so the "
                                                   "client falls back to /rtc, after a failed attempt")
        else:
            severity, outcome = Severity.WARNING, ("the client falls back to /rtc only if "
                                                   f"{base}/rtc/v1/validate answers 404")
        yield ctx.report(route.matcher.span or route.span,
                         f"{route.name or 'this route'} takes {base}/rtc to LiveKit but not {base}/rtc/v1, which "
                         f"livekit-client 2.22 (Element Call 0.26) opens first; {outcome}; route "
                         f"{base}/rtc and everything below it to LiveKit",
                         fix=_fix(ctx, old.answer), severity=severity,
                         related=[Related(sfu.span, f"LIVEKIT_URL {sfu.text}")])


def _status(reply) -> int | None:
    """The status the client sees for the validate request, where the proxy itself answers it;
    LiveKit answers it 401 without a valid token, never 404 (rtcservice.go)."""
    if reply.answer.kind in ("respond", "redirect"):
        return reply.answer.status
    if reply.to_livekit:
        return 401
    return None  # proxied elsewhere, or unknown: that program's answer is not modelled


def _fix(ctx, answered) -> Fix | None:
    """nginx `location = /rtc` → `location /rtc`."""
    route = answered.route
    span = route.matcher.span if route is not None else None
    if answered.server != "nginx" or span is None or route.matcher.kind != "exact":
        return None
    doc = ctx.deployment.documents.get(span.path)
    text = doc.text[span.start:span.end] if doc is not None else ""
    if not text.startswith("=") or not text[1:].strip().startswith("/"):
        return None
    return Fix(Applicability.SAFE, f"make `location {text}` a prefix location",
               (Edit(Span(span.path, span.start, span.end), text[1:].strip()),))
