"""The client well-known is not served as `application/json`.

## What it does
Reads the Content-Type of the answer model's answer to the client's `GET` of the
well-known the proxy serves itself. nginx: a `return 200 '…'` for the well-known without `default_type
application/json` (or a `types {}` block / `add_header Content-Type`) in effect.
HAProxy: `http-request return … string|lf-string` with a content type other than
`application/json` (HAProxy 2.x refuses a `string` body without any `content-type`
at startup, which is reported as RTC001 as well). Caddy sets the type itself when
the body is valid JSON (see RTC100), so it is not checked here.

## Why
nginx sends `default_type` (`text/plain` unless set, `application/octet-stream` with
the stock nginx.conf) and HAProxy sends no type; some clients and browser tooling
reject a well-known that is not JSON.

## Example
```haproxy
http-request return status 200 content-type text/plain string '{"m.homeserver":{}}' if { path /.well-known/matrix/client }
```

## Fix
Safe: nginx gets `default_type application/json;` in the location; HAProxy gets
`content-type "application/json"` on the `return`; a wrong type is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.wkedit import insert_directive, where
from rtclint.rules.discovery.proxy_headers import edit_after_body, effective_headers, find_header, proxy_served

CODE = "RTC107"
NAME = "well-known-content-type"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("nginx", "haproxy")


def check(ctx) -> Iterator:
    dep = ctx.deployment
    for wk in proxy_served(ctx):
        site, route, respond = wk.site, wk.route, wk.respond
        if site.kind not in ("nginx", "haproxy") or respond is None or respond.from_file:
            continue
        found = wk.facts.get("answer")
        # the Content-Type of the proxy's answer: its own (default_type, `types {}`, HAProxy
        # `content-type`), and for nginx an `add_header Content-Type` in effect
        served = found.content_type if found is not None else respond.content_type
        ctype = (served or "").strip("'\"").split(";")[0].strip().lower()
        headers = list(found.headers) if found is not None else effective_headers(site, route)
        header = find_header(headers, "Content-Type") if site.kind == "nginx" else None
        if ctype == "application/json" or (header is not None and "json" in header.value.lower()):
            continue
        if respond.content_type and respond.content_type_span is not None:
            edit = _content_type_edit(dep, respond.content_type_span)
            fix = Fix(Applicability.SAFE, "set the content type to application/json", (edit,)) if edit else None
            yield ctx.report(respond.content_type_span, f"{where(wk)} is served as {respond.content_type!r}; "
                             f"use application/json", fix=fix)
            continue
        if site.kind == "nginx":
            edit = insert_directive(dep, route, "default_type application/json;")
            what = "no `default_type application/json` is in effect, so nginx sends text/plain (or the http " \
                   "block's default_type)"
        else:
            edit = edit_after_body(dep, wk, ' content-type "application/json"')
            what = "the `return` has no `content-type \"application/json\"`"
        fix = Fix(Applicability.SAFE, "serve the well-known as application/json", (edit,)) if edit else None
        yield ctx.report(route.span, f"{where(wk)}: {what}", fix=fix)


def _content_type_edit(dep, span: Span) -> Edit | None:
    """Replace a wrong content type: the whole nginx directive (`default_type x;`,
    `add_header Content-Type x;`) or the bare value (HAProxy's `content-type` argument)."""
    doc = dep.documents.get(span.path)
    if doc is None:
        return None
    text = doc.text[span.start:span.end]
    if text.startswith("default_type"):
        return Edit(span, "default_type application/json;")
    if text.startswith("add_header"):
        return Edit(span, "add_header Content-Type application/json" + (" always;" if " always" in text else ";"))
    quote = text[0] if text[:1] in "\"'" and text[-1:] == text[:1] else ""
    return Edit(span, f"{quote}application/json{quote}")
