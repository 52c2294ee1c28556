"""No proxy route takes `LIVEKIT_URL` to LiveKit.

## What it does
For each JWT service's `LIVEKIT_URL` whose host is served by a proxy site in the
tree, asks the answer model what the proxy does with livekit-client's websocket
requests (`<path>/rtc/v1`, then `<path>/rtc`) and reports when neither reaches LiveKit's HTTP port (`port`, default 7880). Unidentified
upstreams are given the benefit of the doubt.

## Why
The JWT service hands `LIVEKIT_URL` to the browser, which opens a websocket there;
if the proxy does not pass it to LiveKit the call never connects.

## Example
```caddy
matrixrtc.example.com {
    reverse_proxy lk-jwt-service:8080
}
```
with `LIVEKIT_URL=wss://matrixrtc.example.com`.

## Fix
Manual: route the host (and path) of `LIVEKIT_URL` to LiveKit's port 7880.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.rules.common.roles import PublicUrl
from rtclint.rules.routing.answers import ask, describe, reaches
from rtclint.rules.routing.routes import ess_hosts

CODE = "RTC204"
NAME = "sfu-route-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes")
KINDS = ("rtc-v1-ws", "rtc-ws")  # livekit-client opens /rtc/v1, then falls back to /rtc


def check(ctx) -> Iterator:
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    for url, span in _sfu_urls(dep):
        if url.host in skip_hosts:
            continue
        answers = [ask(ctx, url, kind) for kind in KINDS]
        if answers[-1].site is None or any(reaches(ctx, a, "livekit") is not False for a in answers):
            continue  # not our proxy, reaches LiveKit, or rtclint cannot tell
        found = answers[-1]
        site = found.site
        request = url.path + "/rtc"
        yield ctx.report(span, f"LIVEKIT_URL {url.text()}: {url.host}{request} does not reach LiveKit on "
                         f"{site.name or site.kind} in {site.span.path} ({describe(ctx, found)}); "
                         f"route it to LiveKit's port 7880",
                         related=[Related(found.route.span if found.route else site.span,
                                          "the websocket request ends here")])


def _sfu_urls(dep) -> list[tuple[PublicUrl, Span]]:
    found = []
    for svc in dep.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        url = PublicUrl.parse(var.value) if var is not None and var.value else None
        if url is not None and url.scheme in ("wss", "https"):
            found.append((url, var.value_span or var.span))
    return found
