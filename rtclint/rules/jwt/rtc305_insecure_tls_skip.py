"""`LIVEKIT_INSECURE_SKIP_VERIFY_TLS` is set on the JWT service.

## What it does
Reports the variable wherever a JWT service sets it, and says whether it acts: only
the exact value `YES_I_KNOW_WHAT_I_AM_DOING` turns TLS verification off.

## Why
With it, the JWT service accepts any certificate when it verifies users through
federation (OpenID userinfo), so a forged homeserver could obtain tokens. It belongs
in local test setups with self-signed certificates only.

## Example
```
LIVEKIT_INSECURE_SKIP_VERIFY_TLS=YES_I_KNOW_WHAT_I_AM_DOING
```

## Fix
Remove it and give the homeserver a valid certificate.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import jwt_services

CODE = "RTC305"
NAME = "insecure-tls-skip"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("compose", "env", "k8s")
SKIP_TLS_ACTIVE = "YES_I_KNOW_WHAT_I_AM_DOING"


def check(ctx):
    for svc in jwt_services(ctx.deployment):
        var = svc.env.get("LIVEKIT_INSECURE_SKIP_VERIFY_TLS")
        if var is None:
            continue
        if (var.value or "").strip() == SKIP_TLS_ACTIVE:
            message = ("LIVEKIT_INSECURE_SKIP_VERIFY_TLS turns off TLS certificate checks when the JWT service "
                       "verifies users through federation; only for local testing")
        else:
            message = (f"LIVEKIT_INSECURE_SKIP_VERIFY_TLS has no effect: only the value {SKIP_TLS_ACTIVE} "
                       "acts; remove the line")
        yield ctx.report(var.name_span or var.span, message)
