"""The client well-known body the proxy serves is not valid JSON.

## What it does
Parses every `/.well-known/matrix/client` body written in the tree — Caddy `respond`,
nginx `return 200 '…'`, HAProxy `http-request return … string`, static files — after
the proxy's own unescaping (nginx turns `\\"` into `"`, Caddy double quotes keep
backslashes, HAProxy double quotes expand `${VAR}`), and points at the exact
character inside the body where the JSON breaks.

## Why
A client that gets invalid JSON treats it as "no well-known": it finds no homeserver
settings and no `rtc_foci`, so calls fail with `MISSING_MATRIX_RTC_FOCUS` /
`MISSING_MATRIX_RTC_TRANSPORT`. Caddy also serves an invalid body as `text/plain`.
Bodies proxied to another server are not checked (their content is not in the tree).

## Example
```caddy
respond /.well-known/matrix/client `{"m.homeserver":{"base_url":"https://matrix.example.com"},"org.matrix.msc4143.rtc_foci":[{"type":"livekit","livekit_service_url":"https://jwt.example.com"}]`
```
The outer object is never closed: one `}` is missing at the end.

## Fix
Safe when only closing brackets, braces or a quote are missing at the end: they are
appended inside the body, before the closing backtick or quote. Otherwise manual:
correct the JSON at the reported position.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.wkedit import body_edit, body_span, where
from rtclint.rules.discovery.well_known_json import client_well_knowns

CODE = "RTC100"
NAME = "well-known-invalid-json"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    for wk in client_well_knowns(ctx):
        if wk.value is not None:
            continue
        _, err = wk.parse()
        if err is None or (wk.respond is not None and wk.respond.templated):
            continue
        yield _invalid_json(ctx, wk, err)


def _invalid_json(ctx, wk, err):
    body = wk.body
    pos = min(err.body_offset, len(body.rstrip()))  # an error at the end: just after the last character
    span = body_span(wk, pos, pos)
    doc = ctx.deployment.documents.get(span.path)
    if doc is not None and span.end < len(doc.text):
        span = Span(span.path, span.start, span.start + 1)  # one character, for the caret
    from rtclint.rules.common.jsonedit import closing_suffix, unclosed  # only for a broken body

    suffix = closing_suffix(body)
    detail = f"{err.message} at body character {pos + 1}"
    fix = None
    if suffix is not None and body.rstrip() and pos >= len(body.rstrip()) - 1:
        state = unclosed(body.rstrip())
        missing = " ".join(f"`{c}`" for c in suffix.replace("\n", "").replace(" ", "").replace("\t", ""))
        opener = state.openers[0] if state.openers else None
        detail = f"the body ends before it is closed: {missing} missing at the end"
        if opener is not None and doc is not None:
            line, col = doc.line_col(body_span(wk, opener, opener).start)
            detail += f" (the `{body[opener]}` opened at {line}:{col} is never closed)"
        end = len(body.rstrip())
        edit = body_edit(ctx.deployment, wk, end, end, suffix)
        if edit is not None:
            fix = Fix(Applicability.SAFE, f"append {missing} to the end of the well-known JSON", (edit,))
    caddy = " Caddy serves it as text/plain." if wk.site is not None and wk.site.kind == "caddy" else ""
    return ctx.report(
        span,
        f"{where(wk)} is not valid JSON: {detail}; clients treat it as no well-known and find no "
        f"call backend.{caddy}",
        fix=fix,
    )
