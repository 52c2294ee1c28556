"""LiveKit creates rooms on join while lk-jwt-service restricts who may create them.

## What it does
For each lk-jwt-service whose `LIVEKIT_FULL_ACCESS_HOMESERVERS` does not hold `*`,
reports the livekit.yaml of the LiveKit it is paired with when `room.auto_create`
is not `false` (LiveKit's default is `true`). A JWT service whose variable rtclint
cannot read, or a LiveKit whose config is not in the tree, is left alone.

## Why
lk-jwt-service creates the LiveKit room only for users of the homeservers in
`LIVEKIT_FULL_ACCESS_HOMESERVERS`; everyone else gets a token that may only join an
existing room. With `auto_create` on, LiveKit creates the room as soon as anyone
joins, so users of any homeserver can start calls on your SFU and the restriction
does nothing (livekit v1.13.5 `pkg/config/config.go`, livekit#4504). The ESS chart
sets `auto_create: false` for this reason.

## Example
```yaml
port: 7880
keys:
  callkey: 4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e
```
with `LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com` on the JWT service.

## Fix
Safe: sets `room: auto_create: false` in livekit.yaml (offered when the file can be
edited in place without touching other lines).
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import jwt_services, paired_livekit

CODE = "RTC408"
NAME = "livekit-auto-create"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("livekit", "compose", "k8s")
EDITABLE_ORIGINS = ("file", "mount")


def check(ctx):
    reported = set()
    for svc in jwt_services(ctx.deployment):
        var = svc.env.get("LIVEKIT_FULL_ACCESS_HOMESERVERS")
        if var is None or var.value is None or "$" in var.value or not var.value.strip():
            continue
        if "*" in var.value.replace(",", " ").split():
            continue
        inst = paired_livekit(ctx.deployment, svc)
        cfg = inst.config if inst is not None else None
        if cfg is None or id(cfg) in reported:
            continue
        auto = cfg.facts.get("room_auto_create")
        if auto is not None and auto.value is not None and auto.value is not True:
            continue  # false, or a value rtclint cannot read (a template)
        reported.add(id(cfg))
        related = [Related(var.value_span or var.span, "LIVEKIT_FULL_ACCESS_HOMESERVERS restricts room creation")]
        written = "room.auto_create is true" if auto is not None else "room.auto_create is not set (default true)"
        yield ctx.report(_anchor(cfg, auto), f"{written} in {cfg.path}: LiveKit creates the room whenever anyone "
                         f"joins, so LIVEKIT_FULL_ACCESS_HOMESERVERS={var.value.strip()} restricts nothing; set "
                         "room.auto_create: false", fix=_fix(ctx, cfg), related=related)


def _anchor(cfg, auto) -> Span:
    if auto is not None:
        return auto.span or auto.key_span
    room = cfg.facts.get("room_span")
    return room or Span(cfg.span.path, cfg.span.start, cfg.span.start)


def _fix(ctx, cfg) -> Fix | None:
    """`room: auto_create: false`, when the config is a file of its own we can edit."""
    doc = ctx.deployment.documents.get(cfg.path)
    if doc is None or cfg.facts.get("origin") not in EDITABLE_ORIGINS or doc.text[:cfg.span.start].strip():
        return None
    from rtclint.yaml_roundtrip import set_value  # ruamel and difflib only when a fix is built

    edits = set_value(doc.text, "room", "auto_create", "false")
    if not edits:
        return None
    return Fix(Applicability.SAFE, "set room.auto_create: false",
               tuple(Edit(Span(doc.path, start, end), text) for start, end, text in edits))
