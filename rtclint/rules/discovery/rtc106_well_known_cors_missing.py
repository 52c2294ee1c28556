"""The client well-known is served without `Access-Control-Allow-Origin: *`.

## What it does
For a well-known body the proxy serves itself, reads the response headers of the
answer model's answer to the browser's `GET` with an `Origin` (Caddy `header`, nginx
`add_header` with its inheritance rule and `always`, HAProxy `hdr` on
`http-request return`) and reports a missing or non-`*` `Access-Control-Allow-Origin`
(one echoing the request's `Origin` is accepted). A redirect on the way is checked
the same way, hop by hop, as the browser follows it from the server_name's well-known:
a redirect response without the header stops the browser there.
That a redirect is there at all is RTC111's.

## Why
Element Web and Element Call run in the browser on another origin: without the CORS
header the browser hides the response and the client acts as if there were no
well-known. nginx trap: one `add_header` inside the `location` drops every
`add_header` of the `server` block, including a CORS header set there.

## Example
```nginx
server {
    add_header Access-Control-Allow-Origin *;
    location = /.well-known/matrix/client {
        add_header Content-Type application/json;   # drops the CORS header above
        return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
    }
}
```

## Fix
Safe: adds the header on the well-known route (nginx: `add_header
Access-Control-Allow-Origin * always;` plus copies of the server-level headers it
would otherwise drop; Caddy: `header Access-Control-Allow-Origin "*"`; HAProxy:
`hdr Access-Control-Allow-Origin "*"` on the `return`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.model import CLIENT_PATH
from rtclint.model.answer_requests import ORIGIN
from rtclint.rules.common.wkedit import insert_directive, where
from rtclint.rules.discovery.proxy_headers import (
    PROXY_KINDS,
    edit_after_body,
    effective_headers,
    find_header,
    own_items,
    proxy_served,
)

CODE = "RTC106"
NAME = "well-known-cors-missing"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy")


def check(ctx) -> Iterator:
    for site, route, wk, label in _served_by_proxy(ctx):
        found = wk.facts.get("answer") if wk is not None else None
        # the headers of the proxy's answer (nginx: `add_header` inheritance, `always`)
        headers = list(found.headers) if found is not None else effective_headers(site, route)
        cors = find_header(headers, "Access-Control-Allow-Origin")
        if cors is not None and cors.value.strip("'\"") in ("*", ORIGIN):
            continue
        if cors is not None:
            yield ctx.report(cors.span or route.span, f"{label} sends Access-Control-Allow-Origin "
                             f"{cors.value!r}; browsers on other origins (Element Web, Element Call) need '*'")
            continue
        dropped = site.kind == "nginx" and own_items(route, route.headers) and \
            find_header(site.headers, "Access-Control-Allow-Origin")
        why = (" (the add_header in this location drops the server-level one)" if dropped else "")
        yield ctx.report(route.span, f"{label} has no Access-Control-Allow-Origin header{why}: browser "
                         f"clients cannot read it and find no call backend",
                         fix=_cors_fix(ctx, site, route, wk))
    yield from _redirect_hops(ctx)


def _redirect_hops(ctx) -> Iterator:
    """A redirect the browser meets on the way to the well-known, without CORS."""
    from rtclint.rules.discovery.redirect_hops import redirect_hops

    for hop in redirect_hops(ctx):
        found = hop.answer
        values = [v.strip("'\"") for v in found.header_values("Access-Control-Allow-Origin")]
        if any(v in ("*", ORIGIN) for v in values):
            continue
        route = found.route
        what = f"sends Access-Control-Allow-Origin {values[0]!r}" if values else "has no Access-Control-Allow-Origin header"
        span = route.redirect.span if route.redirect is not None and route.redirect.span else route.span
        yield ctx.report(span, f"the redirect answering {hop.url} ({found.status} to {found.location}) {what}: the "
                         f"browser stops at this hop and browser clients find no call backend")


def _served_by_proxy(ctx):
    """(site, route, well-known or None, description) for every client well-known the
    proxy answers itself: a body in the config, or a file it serves (nginx
    `alias`/`root`, HAProxy `file`) whose content may live outside the tree."""
    seen = set()
    for wk in proxy_served(ctx):
        seen.add(id(wk.route))
        yield wk.site, wk.route, wk, where(wk)
    from rtclint.rules.discovery.answered import site_answer

    for site in ctx.deployment.sites:
        if site.kind not in PROXY_KINDS or not any(r.respond is not None and r.respond.from_file for r in site.routes):
            continue  # the answer can only name a file one of the site's routes serves: none does
        found = site_answer(ctx, site, "well-known-client")
        # the model reaches the route that serves a file, whose content it cannot read
        route = found.route if found.kind in ("respond", "unknown") else None
        respond = route.respond if route is not None else None
        if respond is None or id(route) in seen or respond.status != 200 or not respond.from_file:
            continue
        hosts = ", ".join(h for h in site.hosts if h not in ("*", "", "_")) or "this site"
        yield site, route, None, f"the client well-known file {respond.from_file} served on {hosts}"


def _cors_fix(ctx, site, route, wk) -> Fix | None:
    dep = ctx.deployment
    edits: list[Edit] = []
    if site.kind == "nginx":
        lines = ["add_header Access-Control-Allow-Origin * always;"]
        if not own_items(route, route.headers):  # one add_header here drops the inherited ones: copy them
            lines += [_nginx_header_text(dep, h) for h in route.headers
                      if h.name.lower() != "access-control-allow-origin"]
        for line in lines:
            edit = insert_directive(dep, route, line)
            if edit is None:
                return None
            edits.append(edit)
        # Several inserts at one point would overlap: join them into one edit.
        first = edits[0]
        content = "".join(e.content for e in edits)
        return Fix(Applicability.SAFE, "add `add_header Access-Control-Allow-Origin * always;` to the location",
                   (Edit(first.span, content),))
    if site.kind == "caddy":
        # Scoped to the well-known path, so Synapse's or the JWT service's own CORS
        # headers on the same site are not doubled; inside handle_path the path is
        # already stripped, and the block is the well-known's alone.
        scoped = route.facts.get("wrapper") != "handle_path"
        directive = f'header {CLIENT_PATH} Access-Control-Allow-Origin "*"' if scoped else \
            'header Access-Control-Allow-Origin "*"'
        edit = insert_directive(dep, route, directive) or insert_directive(dep, site, directive)
        return Fix(Applicability.SAFE, "add the CORS header for the well-known", (edit,)) if edit else None
    if site.kind == "haproxy" and wk is not None:
        edit = edit_after_body(dep, wk, ' hdr Access-Control-Allow-Origin "*"')
        return Fix(Applicability.SAFE, "add `hdr Access-Control-Allow-Origin \"*\"` to the return", (edit,)) \
            if edit else None
    return None


def _nginx_header_text(dep, header) -> str:
    doc = dep.documents.get(header.span.path) if header.span else None
    if doc is not None:
        text = doc.text[header.span.start:header.span.end]
        if text.startswith("add_header"):
            return text if text.rstrip().endswith(";") else text + ";"
    value = header.value if re.fullmatch(r"[^\s;'\"{}$]+", header.value or "") else "'" + header.value + "'"
    return f"add_header {header.name} {value}{' always' if header.always else ''};"
