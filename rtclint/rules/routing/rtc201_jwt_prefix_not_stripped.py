"""The JWT service is mounted under a path prefix that the proxy passes through.

## What it does
Where clients reach the JWT service under a prefix such as `/livekit/jwt` (each
`livekit_service_url`, and the URLs the proxies publish a JWT route at), asks the
answer model which path lk-jwt-service receives for `<prefix>/get_token` (else
`/sfu/get`, `/healthz`) and reports when it is not the endpoint itself: nginx `proxy_pass http://host:8080;` (no URI part) in a prefix
location, Caddy `handle` instead of `handle_path` (without `uri strip_prefix`),
HAProxy without `set-path`/`replace-path`.

## Why
lk-jwt-service only knows `/get_token`, `/sfu/get`, `/healthz`, `/sfu_webhook` and
`/delegate_delayed_leave` at the root: `/livekit/jwt/get_token` is a 404, and calls
fail.

## Example
```caddy
matrix-rtc.example.com {
    handle /livekit/jwt* {
        reverse_proxy localhost:8080
    }
}
```

## Fix
Safe: nginx gets the trailing `/` on `proxy_pass` (when the location ends with
`/`); Caddy `handle` becomes `handle_path` (or gains `uri strip_prefix` with a named
matcher), and a one-line `reverse_proxy /prefix/* upstream` is wrapped in
`handle_path /prefix/* { … }`; HAProxy gets `http-request set-path
%[path,regsub(^<prefix>/,/)]` in the backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.roles import JWT_ENDPOINTS
from rtclint.rules.common.wkedit import insert_directive, insert_line_before
from rtclint.rules.routing.answers import ask, jwt_urls, reaches
from rtclint.rules.routing.routes import ROUTING

CODE = "RTC201"
NAME = "jwt-prefix-not-stripped"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "traefik")
_SECTION = re.compile(r"(?m)^[ \t]*(frontend|backend|listen|defaults|global)\b")
KINDS = (("get-token", "/get_token"), ("sfu-get", "/sfu/get"), ("healthz", "/healthz"))
_REWRITE = re.compile(r"(?m)^[ \t]*http-request[ \t]+(replace-path|set-path|replace-uri|set-uri)\b(.*)$")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    seen = set()
    for url, _route in jwt_urls(ctx):
        for kind, endpoint in KINDS:
            found = ask(ctx, url, kind)
            if not reaches(ctx, found, "jwt"):
                continue
            site, route = found.site, found.route
            got = found.upstream.path.split("?")[0]
            if site.kind not in ROUTING or got == endpoint or id(route) in seen:
                break
            prefix = url.path
            if site.kind == "haproxy" and _haproxy_rewrites(dep, route.proxy, prefix):
                break
            seen.add(id(route))
            request = prefix + endpoint
            yield ctx.report(route.proxy.span or route.span,
                             f"`{route.name or 'this route'}` sends {request} to the JWT service as {got}, but "
                             f"lk-jwt-service serves {endpoint} (like "
                             f"{', '.join(e for e in JWT_ENDPOINTS[:3] if e != endpoint)}) only at the root: strip the "
                             f"{prefix} prefix",
                             fix=_strip_fix(ctx, site, route, prefix) if prefix else None)
            break


def _haproxy_rewrites(dep, px, prefix: str) -> bool:
    """Whether the backend rewrites the path with a rule that names the prefix (one the
    model did not read as a plain strip, e.g. an unanchored `replace-path`): then the
    service may well get the right path, and precision wins."""
    if px.backend_span is None:
        return False
    doc = dep.documents.get(px.backend_span.path)
    if doc is None:
        return False
    nxt = _SECTION.search(doc.text, doc.text.find("\n", px.backend_span.end) + 1)
    body = doc.text[px.backend_span.end:nxt.start() if nxt else len(doc.text)]
    return any(prefix.strip("/") in m.group(2) for m in _REWRITE.finditer(body))


def _strip_fix(ctx, site, route, prefix: str) -> Fix | None:
    dep = ctx.deployment
    doc = dep.documents.get(route.span.path)
    px = route.proxy
    if doc is None:
        return None
    if site.kind == "nginx":
        loc = route.matcher.paths[0] if route.matcher.paths else ""
        up = px.upstream
        if up.path is None and loc.endswith("/") and up.span is not None:
            end = up.span.end
            if doc.text[end - 1:end] in ("'", '"'):
                end -= 1
            return Fix(Applicability.SAFE, "add the trailing '/' to proxy_pass so nginx replaces the location prefix",
                       (Edit(Span(up.span.path, end, end), "/"),))
        return None
    if site.kind == "caddy":
        if route.facts.get("wrapper") is None:
            return _caddy_wrap_fix(doc, route)
        if route.facts.get("wrapper") != "handle":
            return None
        at = _caddy_handle_keyword(doc.text, route)
        if at is not None and not route.facts.get("matcher_name"):
            return Fix(Applicability.SAFE, "use handle_path, which strips the matched prefix",
                       (Edit(Span(route.span.path, at, at + len("handle")), "handle_path"),))
        edit = insert_directive(dep, route, f"uri strip_prefix {prefix}")
        return Fix(Applicability.SAFE, f"strip {prefix} before proxying", (edit,)) if edit else None
    if site.kind == "haproxy" and px.span is not None:
        edit = insert_line_before(dep, px.span, f"http-request set-path %[path,regsub(^{prefix}/,/)]")
        return Fix(Applicability.SAFE, f"strip {prefix} in the backend", (edit,)) if edit else None
    return None


def _caddy_wrap_fix(doc, route) -> Fix | None:
    """`reverse_proxy /prefix/* upstream` on one line → the same proxy inside
    `handle_path /prefix/* { … }`, which strips the prefix."""
    line = doc.text[route.span.start:route.span.end]
    words = line.split()
    if "\n" in line.strip() or len(words) < 3 or words[0] != "reverse_proxy" or not words[1].startswith("/"):
        return None
    indent = route.indent
    unit = "\t" if indent.startswith("\t") or not indent else "    " if len(indent) % 4 == 0 else "  "
    nl = doc.newline
    body = " ".join(["reverse_proxy", *words[2:]])
    text = f"handle_path {words[1]} {{{nl}{indent}{unit}{body}{nl}{indent}}}"
    return Fix(Applicability.SAFE, f"wrap the proxy in handle_path {words[1]}, which strips the prefix",
               (Edit(route.span, text),))


def _caddy_handle_keyword(text: str, route) -> int | None:
    """Offset of the `handle` keyword of the block that holds `route`: the nearest
    `handle <its matcher>` line before the route."""
    found = list(re.finditer(r"(?m)^[ \t]*(handle)[ \t]+(/[^{\s]*)[ \t]*\{", text[:route.span.start]))
    return found[-1].start(1) if found else None
