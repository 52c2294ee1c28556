"""LiveKit is mounted under a path prefix, and the prefix is not carried all the way.

## What it does
For each `LIVEKIT_URL` of a JWT service, asks the answer model what the proxy answers to
what the browser and lk-jwt-service send there, and reports, for a LiveKit the proxy
mounts under a prefix (`/livekit/sfu/`):

- `LIVEKIT_URL` lacks the prefix: `<LIVEKIT_URL>/rtc` does not reach LiveKit, while
  `<LIVEKIT_URL><prefix>/rtc` does;
- the prefix reaches LiveKit unstripped: `<LIVEKIT_URL>/rtc` is proxied to LiveKit as
  `<prefix>/rtc`;
- `<prefix>/twirp/` is not routed to LiveKit (or arrives with the prefix):
  `POST <LIVEKIT_URL>/twirp/livekit.RoomService/CreateRoom` never reaches it.

A LiveKit at the root of its host is not this rule's case — ESS's single-host layout
(`https://H` with `/sfu/get`, `/get_token`, `/delegate_delayed_leave` → JWT, `wss://H`
`/` → SFU) is fine. Answers rtclint cannot evaluate: no finding.

## Why
LiveKit answers only `/`, `/rtc…` and `/twirp/…` (livekit v1.13.5
`pkg/service/server.go`); everything else is 404. lk-jwt-service hands `LIVEKIT_URL` to
the browser, which opens `<LIVEKIT_URL>/rtc/v1` (then `/rtc`), and itself creates the
room with `POST <LIVEKIT_URL as https>/twirp/livekit.RoomService/CreateRoom`, path prefix
kept (lk-jwt main `helper.go`, server-sdk-go v2 `roomclient.go`). A prefix missing from
the URL lands both on the proxy's `/`; a prefix that is not stripped, or a proxy that
routes only the websocket, makes room creation fail with 404 and the token request with
it (element-call#3710).

## Example
```nginx
location /livekit/sfu/ {
    proxy_pass http://livekit:7880/;
    …
}
```
with `LIVEKIT_URL=wss://matrix-rtc.example.com`.

## Fix
Safe when the proxy mounts LiveKit under exactly one prefix on that host and the URL
lacks it: the prefix is added to `LIVEKIT_URL` (`wss://matrix-rtc.example.com/livekit/sfu`).
Otherwise strip the prefix in the proxy (`proxy_pass http://livekit:7880/;` with the
trailing `/`, Caddy `handle_path`) and route `<prefix>/twirp/` to LiveKit too.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.rules.common.roles import PublicUrl, upstream_role
from rtclint.rules.routing.routes import proxy_sites
from rtclint.rules.routing.sfu_answers import create_room, sfu_urls, websocket

CODE = "RTC210"
NAME = "sfu-prefix-incomplete"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "compose", "k8s")
CREATE_ROOM = "/twirp/livekit.RoomService/CreateRoom"


def check(ctx):
    for sfu in sfu_urls(ctx.deployment):
        url = sfu.url
        here = websocket(ctx, url, "/rtc")
        if not here.known:
            continue
        if not url.path:
            if not here.to_livekit:
                yield from _prefix_missing(ctx, sfu)
            continue
        if here.to_livekit and here.upstream_path != "/rtc":
            yield ctx.report(here.answer.route.span, f"{url.path}/rtc reaches LiveKit as {here.upstream_path}: the "
                             f"prefix {url.path} is not stripped, and LiveKit answers only /, /rtc… and /twirp/… "
                             "(404 otherwise); strip the prefix in this route",
                             related=[Related(sfu.span, f"LIVEKIT_URL {sfu.text}")])
            continue
        if not here.to_livekit:
            continue  # the URL does not reach LiveKit at all: RTC204
        room = create_room(ctx, url)
        if not room.known or (room.to_livekit and room.upstream_path == CREATE_ROOM):
            continue
        where = (f"reaches LiveKit as {room.upstream_path}" if room.to_livekit else _describe(room))
        yield ctx.report(sfu.span, f"POST {url.path}{CREATE_ROOM} on {url.host} {where}: lk-jwt-service creates "
                         f"rooms there (LIVEKIT_URL with the prefix kept), so room creation gets 404 and token "
                         f"requests fail; route {url.path}/twirp/ to LiveKit with the prefix stripped",
                         related=[Related(here.answer.route.span, "the websocket route, which reaches LiveKit")])


def _prefix_missing(ctx, sfu):
    prefixes = _livekit_prefixes(ctx, sfu.url)
    if not prefixes:
        return
    shown = " or ".join(sorted(prefixes))
    fix = None
    doc = ctx.deployment.documents.get(sfu.span.path)
    written = doc.text[sfu.span.start:sfu.span.end] if doc is not None else None
    if len(prefixes) == 1 and written is not None and written.strip() == sfu.text:  # the span is the value itself
        prefix = next(iter(prefixes))
        fix = Fix(Applicability.SAFE, f"add {prefix} to LIVEKIT_URL",
                  (Edit(sfu.span, written.rstrip().rstrip("/") + prefix + written[len(written.rstrip()):]),))
    yield ctx.report(sfu.span, f"LIVEKIT_URL {sfu.text} has no path, but the proxy mounts LiveKit under {shown} on "
                     f"{sfu.url.host}: the browser's /rtc and lk-jwt-service's /twirp/ requests land on the proxy's "
                     f"/ instead; add the prefix to LIVEKIT_URL", fix=fix)


def _livekit_prefixes(ctx, url: PublicUrl) -> set[str]:
    """Prefixes under which the proxy takes `/rtc` to LiveKit's own `/rtc` on this host."""
    found = set()
    for site in proxy_sites(ctx.deployment, url.host):
        for route in site.routes:
            if route.proxy is None or route.matcher.kind not in ("prefix", "prefix_noregex") or route.matcher.negated:
                continue
            if upstream_role(ctx, route, site) != "livekit":
                continue
            for path in route.matcher.paths:
                prefix = path.rstrip("*").rstrip("/")
                if not prefix or prefix in found:
                    continue
                reply = websocket(ctx, PublicUrl(url.scheme, url.host, url.port, prefix), "/rtc")
                if reply.to_livekit and reply.upstream_path == "/rtc":
                    found.add(prefix)
    return found


def _describe(reply) -> str:
    result = reply.answer
    if result.kind == "respond":
        return f"is answered by the proxy with {result.status}"
    if result.kind == "redirect":
        return f"is redirected ({result.status})"
    return f"goes to {result.upstream.host}:{result.upstream.port}, not LiveKit"
