"""The delegation probe gets a non-404 answer from the proxy itself.

## What it does
Asks the answer model what the proxy answers to the two requests Element Call 0.26.1
sends before joining — `POST <livekit_service_url>/delegate_delayed_leave` and
`POST <homeserver>/_matrix/client/unstable/io.element.msc4195/rtc/livekit/delegate_delayed_leave`,
both without auth — and reports one the proxy answers itself (a catch-all `return 200`,
an SPA fallback, an auth wall) with a status other than 404 and with
`Access-Control-Allow-Origin` (without it the browser hides the answer and Element Call
assumes no delegation). A request the proxy passes on (to lk-jwt-service, Synapse or
anything else) is that program's to answer: no finding; nor where the answer is unknown.

## Why
Element Call 0.26.1 decides whether lk-jwt-service can delegate the delayed leave
event by that probe alone: any answer but 404 means "supported" (`LocalMember.ts`
`checkDelegationSupport`). It then schedules a one-hour delayed leave instead of 18 s
and relies on lk-jwt-service (0.6 or newer, told by LiveKit's webhooks) to send it when
a member drops. With the proxy answering instead, nobody sends it: a member whose app
crashed stays in the call for an hour.

## Example
```nginx
server {
    server_name rtc.example.com;
    location /livekit/jwt/ { proxy_pass http://lk-jwt-service:8080/; }
    location / {
        add_header Access-Control-Allow-Origin *;
        return 200 'ok';
    }
}
```
with `livekit_service_url: https://rtc.example.com` and lk-jwt-service 0.5.

## Fix
Manual: let the catch-all answer 404 for unknown paths, or route
`<livekit_service_url>/delegate_delayed_leave` to lk-jwt-service 0.6 or newer.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.answer import Request, answer
from rtclint.model.answer_requests import ORIGIN
from rtclint.rules.common.roles import PublicUrl
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.discovery.well_known_json import livekit_entries, parsed

CODE = "RTC113"
NAME = "delegation-probe-false-positive"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik")
HS_PROBE = "/_matrix/client/unstable/io.element.msc4195/rtc/livekit/delegate_delayed_leave"


def check(ctx):
    seen = set()
    for url, span in service_urls(ctx):
        yield from _probe(ctx, url, url.path + "/delegate_delayed_leave", span, "livekit_service_url", seen)
    for hs in homeservers(ctx):
        located, _ = hs.get("public_baseurl")
        url = PublicUrl.parse(str(located.value)) if located is not None and located.value else None
        if url is not None and url.scheme == "https":
            yield from _probe(ctx, url, url.path + HS_PROBE, located.span, "the homeserver", seen)


def service_urls(ctx):
    """Every https `livekit_service_url` the tree publishes (well-knowns, Synapse transports)."""
    for wk in ctx.deployment.well_knowns("client"):
        value, _root = parsed(ctx, wk)
        if isinstance(value, dict):
            for _i, entry, _node in livekit_entries(value, _root):
                url = PublicUrl.parse(str(entry.get("livekit_service_url") or ""))
                if url is not None and url.scheme == "https":
                    yield url, wk.span
    for cfg in ctx.deployment.synapse:
        for transport in cfg.transports:
            if isinstance(transport.value, dict):
                url = PublicUrl.parse(str(transport.value.get("livekit_service_url") or ""))
                if url is not None and url.scheme == "https":
                    yield url, transport.span or cfg.span


def _probe(ctx, url: PublicUrl, path: str, span, whose: str, seen: set):
    key = (url.host, url.port, path)
    if key in seen:
        return
    seen.add(key)
    # what the browser sends: fetch(url, {method: "POST"}) from Element Call's origin
    reply = answer(ctx.deployment, Request("https", url.host, url.port, "POST", path, {"origin": ORIGIN}))
    if reply.kind != "respond" or reply.status in (None, 404) or reply.route is None:
        return
    if not reply.header_values("Access-Control-Allow-Origin"):
        return  # the browser cannot read it: Element Call assumes no delegation
    yield ctx.report(reply.route.span, f"POST {url.host}{path} is answered {reply.status} by the proxy itself "
                     f"({reply.route.name or 'this route'}): Element Call 0.26 takes any answer but 404 as "
                     "delayed-leave delegation support, sets a one-hour delayed leave, and nobody sends it; a "
                     "member whose app crashes stays in the call for an hour; answer 404 here or route it to "
                     "lk-jwt-service 0.6 or newer", related=[Related(span, f"{whose} {url.text()}")])
