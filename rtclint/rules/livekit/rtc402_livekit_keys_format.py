"""`LIVEKIT_KEYS` is not `key: secret`.

## What it does
Parses `LIVEKIT_KEYS` the way LiveKit does (YAML: one `key: secret` per line) and
reports a value that is not such a mapping — most often a missing space after the
colon (`key:secret`).

## Why
LiveKit exits: "Could not parse keys, it needs to be exactly, "key: secret",
including the space".

## Example
```yaml
environment:
  LIVEKIT_KEYS: "callkey:0123456789abcdef0123456789abcdef"
```

## Fix
`--fix` inserts the space after the colon when that is the only problem.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.rules.common.services import interpolated

CODE = "RTC402"
NAME = "livekit-keys-format"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("compose", "env", "k8s")


def check(ctx):
    dep = ctx.deployment
    for cfg in dep.livekit:
        if cfg.facts.get("origin") != "env-keys" or "keys_error" not in cfg.facts:
            continue
        var = cfg.facts.get("env")
        span = (var.value_span if var is not None else None) or cfg.span
        value = var.value if var is not None else ""
        fix = None
        m = re.match(r"^(\s*[^\s:]+):(?=\S)", value or "")
        if m and var is not None and var.value_span is not None and not interpolated(value):
            at = _source_offset(dep, var, m.end())
            if at is not None:
                fix = Fix(Applicability.SAFE, "insert a space after the colon", (Edit(Span(span.path, at, at), " "),))
        yield ctx.report(span, "LIVEKIT_KEYS must be `key: secret` (YAML, with a space after the colon): "
                         "LiveKit exits with \"Could not parse keys\"", fix=fix)


def _source_offset(dep, var, index: int) -> int | None:
    """The source offset of value character `index` (the char after the colon)."""
    from rtclint.embedded import align

    doc = dep.documents.get(var.value_span.path)
    if doc is None:
        return None
    emb = align(doc, var.value, var.value_span.start, var.value_span.end)
    at = emb.offset(index)
    return at if doc.text[at - 1 : at] == ":" else None
