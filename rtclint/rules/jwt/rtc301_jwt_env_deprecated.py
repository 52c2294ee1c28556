"""lk-jwt-service reads a variable under a name it ignores, removed or deprecated.

## What it does
Flags, for the lk-jwt-service version in use (image tag, else the target):
`LK_JWT_PORT` (ignored since v0.2.0: the service listens on 8080 whatever it says),
`LIVEKIT_LOCAL_HOMESERVERS` (deprecated in v0.3.0, removed in v0.5.0),
`LIVEKIT_JWT_PORT` together with `LIVEKIT_JWT_BIND` (the service refuses to start)
and `LIVEKIT_JWT_PORT` alone (deprecated since v0.4.0, a warning).

## Why
A popular guide's Compose file sets `LK_JWT_PORT=8080` and
`LIVEKIT_LOCAL_HOMESERVERS=…`: the first does nothing, the second stops the service
from starting on v0.5.0 and later (no full-access homeservers).

## Example
```yaml
environment:
  - LK_JWT_PORT=8080
  - LIVEKIT_LOCAL_HOMESERVERS=example.com
```

## Fix
`--fix` renames in place: `LK_JWT_PORT=N` and `LIVEKIT_JWT_PORT=N` become
`LIVEKIT_JWT_BIND=:N` (v0.4.0+; `LIVEKIT_JWT_PORT=N` before), and
`LIVEKIT_LOCAL_HOMESERVERS` becomes `LIVEKIT_FULL_ACCESS_HOMESERVERS`. When both
`LIVEKIT_JWT_PORT` and `LIVEKIT_JWT_BIND` are set, delete one by hand.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Fix, Related, Severity
from rtclint.model.stacks import at_least, jwt_services, service_target
from rtclint.rules.common.services import rename_edits
from rtclint.rules.jwt.service_env import JWT, has_env

CODE = "RTC301"
NAME = "jwt-env-deprecated"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("compose", "env", "k8s")


def check(ctx):
    dep = ctx.deployment
    for svc in jwt_services(dep):
        version = service_target(dep, JWT, svc)
        yield from _old_port(ctx, svc, version)
        yield from _jwt_port(ctx, svc, version)
        yield from _local_homeservers(ctx, svc, version)


def _bind_fix(ctx, var, port: str, version) -> Fix | None:
    if not port.strip().isdecimal():
        return None
    if at_least(version, (0, 4)):
        edits = rename_edits(ctx.deployment, var, "LIVEKIT_JWT_BIND", f":{port.strip()}")
        text = f"LIVEKIT_JWT_BIND=:{port.strip()}"
    else:
        edits = rename_edits(ctx.deployment, var, "LIVEKIT_JWT_PORT")
        text = f"LIVEKIT_JWT_PORT={port.strip()}"
    return Fix(Applicability.SAFE, f"replace with {text}", edits) if edits else None


def _old_port(ctx, svc, version):
    var = svc.env.get("LK_JWT_PORT")
    if var is None or not at_least(version, (0, 2)):
        return
    if has_env(svc, "LIVEKIT_JWT_BIND", "LIVEKIT_JWT_PORT"):
        fix = None
    else:
        fix = _bind_fix(ctx, var, var.value or "", version)
    yield ctx.report(var.name_span or var.span,
                     "LK_JWT_PORT is ignored since lk-jwt-service v0.2.0: the service listens on "
                     + ("LIVEKIT_JWT_BIND/LIVEKIT_JWT_PORT" if fix is None else "8080")
                     + " whatever it says; use " + (f"LIVEKIT_JWT_BIND=:{(var.value or 'PORT').strip()}"
                                                    if at_least(version, (0, 4)) else "LIVEKIT_JWT_PORT"), fix=fix)


def _jwt_port(ctx, svc, version):
    var = svc.env.get("LIVEKIT_JWT_PORT")
    if var is None or not at_least(version, (0, 4)):
        return
    bind = svc.env.get("LIVEKIT_JWT_BIND")
    if bind is not None:
        yield ctx.report(var.name_span or var.span,
                         "LIVEKIT_JWT_PORT and LIVEKIT_JWT_BIND are both set: lk-jwt-service refuses to start "
                         "(\"must not be set together\"); keep only LIVEKIT_JWT_BIND",
                         related=[Related(bind.span, "LIVEKIT_JWT_BIND is set here")])
        return
    yield ctx.report(var.name_span or var.span,
                     "LIVEKIT_JWT_PORT is deprecated since lk-jwt-service v0.4.0; use LIVEKIT_JWT_BIND=:"
                     + (var.value or "PORT").strip(),
                     fix=_bind_fix(ctx, var, var.value or "", version), severity=Severity.WARNING)


def _local_homeservers(ctx, svc, version):
    var = svc.env.get("LIVEKIT_LOCAL_HOMESERVERS")
    if var is None or not at_least(version, (0, 3)):
        return
    full = svc.env.get("LIVEKIT_FULL_ACCESS_HOMESERVERS")
    edits = None if full is not None else rename_edits(ctx.deployment, var, "LIVEKIT_FULL_ACCESS_HOMESERVERS")
    fix = Fix(Applicability.SAFE, "rename to LIVEKIT_FULL_ACCESS_HOMESERVERS", edits) if edits else None
    if at_least(version, (0, 5)):
        message = ("LIVEKIT_LOCAL_HOMESERVERS was removed in lk-jwt-service v0.5.0"
                   + ("" if full is not None else ": without LIVEKIT_FULL_ACCESS_HOMESERVERS the service does not start")
                   + "; rename it to LIVEKIT_FULL_ACCESS_HOMESERVERS")
        yield ctx.report(var.name_span or var.span, message, fix=fix)
    else:
        yield ctx.report(var.name_span or var.span, "LIVEKIT_LOCAL_HOMESERVERS is deprecated since lk-jwt-service "
                         "v0.3.0 and removed in v0.5.0; rename it to LIVEKIT_FULL_ACCESS_HOMESERVERS", fix=fix,
                         severity=Severity.WARNING)
