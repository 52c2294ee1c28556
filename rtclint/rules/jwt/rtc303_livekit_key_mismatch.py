"""The JWT service signs tokens with a key/secret LiveKit does not have.

## What it does
Compares the JWT service's `LIVEKIT_KEY`/`LIVEKIT_SECRET` with the `keys` of the
LiveKit it serves (livekit.yaml `keys`, `LIVEKIT_KEYS`, inline `LIVEKIT_CONFIG`). The
LiveKit is the one `LIVEKIT_URL` is routed to, else the one holding the key, else the
only one of the same Compose file or namespace; two stacks in one tree are never
compared with each other. Secrets are compared, never printed.

## Why
LiveKit rejects every token signed with an unknown key or a different secret: the
client gets a token, then fails to connect ("invalid token").

## Example
`LIVEKIT_KEY=callkey`, `LIVEKIT_SECRET=…` in Compose; `keys: {callkey: …other…}` in
livekit.yaml.

## Fix
Use the same key and secret on both sides, best from one env file or secret.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import jwt_key_secret, jwt_services, livekit_instances, paired_livekit
from rtclint.rules.common.services import interpolated, mask

CODE = "RTC303"
NAME = "livekit-key-mismatch"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "env", "k8s", "livekit")


def check(ctx):
    dep = ctx.deployment
    instances = livekit_instances(dep)
    for svc in jwt_services(dep):
        key, secret = jwt_key_secret(svc)
        if key is None or secret is None or not key.value or secret.value is None:
            continue
        if interpolated(key.value) or interpolated(secret.value):  # a Secret's value is read when the tree has it
            continue
        inst = paired_livekit(dep, svc)
        candidates = [inst] if inst is not None else instances
        known = [(i, _effective_keys(i)) for i in candidates]
        if not candidates or any(keys is None for _, keys in known):
            continue  # some LiveKit's keys are not in the tree
        holding = [(i, keys[key.value]) for i, keys in known if key.value in keys]
        if any(s.value == secret.value.strip() for _, s in holding):
            continue
        if holding:
            inst_, located = holding[0]
            related = [Related(located.span, f"LiveKit's secret for `{key.value}`: {mask(str(located.value))}")
                       ] if located.span is not None else []
            yield ctx.report(secret.value_span or secret.span,
                             f"LIVEKIT_SECRET = {mask(secret.value)} differs from the secret LiveKit "
                             f"`{inst_.name}` has for key `{key.value}` ({mask(str(located.value))}"
                             + (f", {located.span.path}" if located.span else ", its --dev default")
                             + "): every token is rejected", related=related)
            continue
        names = sorted({k for _, keys in known for k in keys})
        related = [Related(c.facts.get("keys_span") or c.span, f"LiveKit keys of {i.name}")
                   for i in candidates for c in i.configs[:1]]
        yield ctx.report(key.value_span or key.span,
                         f"LIVEKIT_KEY `{key.value}` is not one of LiveKit's API keys ("
                         + (", ".join(f"`{n}`" for n in names) or "none") + " in "
                         + ", ".join(sorted({i.name for i in candidates})) + "): every token is rejected",
                         related=related)


def _effective_keys(inst) -> dict | None:
    """key → secret text; None when a secret is not in the tree (Secret, ${VAR}, key_file)."""
    keys = inst.keys()
    cfg = inst.config
    if not keys:
        if inst.dev:
            return {"devkey": _Const("secret")}
        return None
    if cfg is not None and cfg.key_file is not None and "key_file_keys" not in cfg.facts:
        return None  # a key file the tree does not hold
    out = {}
    for name, located in keys.items():
        if located.value is None or interpolated(str(located.value)):
            return None
        out[name] = located
    return out


class _Const:
    """LiveKit's built-in dev key pair (`--dev` without keys)."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.span = None
