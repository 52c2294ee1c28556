"""`org.matrix.msc4143.rtc_foci` is there but clients cannot use it.

## What it does
Reports an `rtc_foci` that is not an array, a misspelled key (`…rtc_focus`, a bare
`rtc_foci`), an entry that is not an object or has no `type`, a `livekit` entry
without `livekit_service_url`, and a list with no usable `livekit` entry.

## Why
Element Call reads an array of `{"type": "livekit", "livekit_service_url": "https://…"}`
under exactly this key and ignores anything else: the deployment then looks as if it
had no call backend.

## Example
```json
{"org.matrix.msc4143.rtc_foci": {"type": "livekit", "livekit_service_url": "https://jwt.example.com"}}
```

## Fix
Safe: a lone object is wrapped in an array; a misspelled key is renamed to
`org.matrix.msc4143.rtc_foci`. Missing `type` or URL: manual.
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Fix, Severity
from rtclint.model import RTC_FOCI_KEY
from rtclint.rules.common.wkedit import body_edit, where
from rtclint.rules.discovery.well_known_json import client_well_knowns, foci_member, node_span, parsed

CODE = "RTC102"
NAME = "rtc-foci-malformed"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


def check(ctx) -> Iterator:
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        key, key_node, val_node = foci_member(value, root)
        if key is None:
            continue
        if key != RTC_FOCI_KEY:
            yield _misspelled(ctx, wk, key, key_node)
        yield from _foci_shape(ctx, wk, value[key], val_node)


def _misspelled(ctx, wk, key, key_node):
    fix = None
    if key_node is not None:
        edit = body_edit(ctx.deployment, wk, key_node.start + 1, key_node.end - 1, RTC_FOCI_KEY)
        if edit is not None:
            fix = Fix(Applicability.SAFE, f"rename \"{key}\" to \"{RTC_FOCI_KEY}\"", (edit,))
    return ctx.report(node_span(wk, key_node), f"{where(wk)} uses the key \"{key}\", which clients ignore; "
                      f"the key is \"{RTC_FOCI_KEY}\"", fix=fix)


def _foci_shape(ctx, wk, foci, node):
    if isinstance(foci, dict):
        fix = None
        if node is not None:
            edits = (body_edit(ctx.deployment, wk, node.start, node.start, "["),
                     body_edit(ctx.deployment, wk, node.end, node.end, "]"))
            if all(edits):
                fix = Fix(Applicability.SAFE, "wrap the entry in an array: [ … ]", edits)
        yield ctx.report(node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is an object; it must be an "
                         f"array of entries: [{{\"type\": \"livekit\", \"livekit_service_url\": …}}]", fix=fix)
        return
    if not isinstance(foci, list):
        yield ctx.report(node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is a {type(foci).__name__}; "
                         f"it must be an array of {{\"type\": \"livekit\", \"livekit_service_url\": \"https://…\"}}")
        return
    if not foci:
        yield ctx.report(node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is empty: add "
                         f"{{\"type\": \"livekit\", \"livekit_service_url\": \"https://<JWT service>\"}}")
        return
    usable = False
    types = []
    for i, entry in enumerate(foci):
        entry_node = node.items[i] if node is not None and i < len(node.items) else None
        span = node_span(wk, entry_node) if entry_node is not None else node_span(wk, node)
        if not isinstance(entry, dict):
            yield ctx.report(span, f"entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} is not an object")
        elif "type" not in entry:
            yield ctx.report(span, f"entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} has no \"type\"; "
                             f"add \"type\": \"livekit\"")
        elif entry["type"] == "livekit" and not entry.get("livekit_service_url"):
            yield ctx.report(span, f"the livekit entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} has no "
                             f"\"livekit_service_url\"; add the https URL of the JWT service")
        elif entry["type"] == "livekit":
            usable = True
        else:
            types.append(str(entry["type"]))
    if not usable and types:
        yield ctx.report(node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} has no \"livekit\" entry "
                         f"(only {', '.join(repr(t) for t in types)}); Element Call supports only type \"livekit\"")
