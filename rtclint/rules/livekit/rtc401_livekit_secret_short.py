"""A LiveKit API secret is shorter than 32 characters.

## What it does
Checks every secret in LiveKit's `keys` (config file, ConfigMap, `LIVEKIT_CONFIG`,
`LIVEKIT_KEYS`). The secret is never printed, only its length.

## Why
The secret signs every access token; LiveKit logs "secret is too short, should be at
least 32 characters for security" (outside `--dev`). Guides that ask for "20+
characters" are too short.

## Example
```yaml
keys:
  callkey: secret
```

## Fix
Generate a long random secret (`openssl rand -hex 32`) and use it on both LiveKit
and the JWT service.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.services import interpolated, mask

CODE = "RTC401"
NAME = "livekit-secret-short"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("livekit", "compose", "k8s", "env")
MIN_SECRET = 32


def check(ctx):
    for cfg in ctx.deployment.livekit:
        for key, located in cfg.keys.items():
            value = "" if located.value is None else str(located.value)
            if not value or interpolated(value) or len(value) >= MIN_SECRET or located.span is None:
                continue
            yield ctx.report(located.span, f"LiveKit secret for key `{key}` = {mask(value)} is shorter than {MIN_SECRET}: "
                             "LiveKit logs \"secret is too short\"; use a long random secret on both LiveKit and the JWT service")
