"""Only some of lk-jwt-service's appservice variables are set.

## What it does
For lk-jwt-service 0.7 or newer (image tag, else the configured target, else the
newest), reports a service that sets some but not all of what appservice mode needs:
the tokens (`LIVEKIT_AS_TOKEN` and `LIVEKIT_HS_TOKEN`, or a registration file in
`LIVEKIT_AS_REGISTRATION_FILE`, which takes precedence) and `LIVEKIT_HS_SERVER_NAME`.
A service whose environment also comes from somewhere the tree does not show
(`envFrom`, a missing `env_file`) is left alone.

## Why
From 0.7 lk-jwt-service can act as a Synapse appservice (MSC4512/MSC4502). It takes
the tokens and the server name together or not at all: with only some of them it
stops at start-up ("The app service token(s) … and LIVEKIT_HS_SERVER_NAME must
either all be set or all be left empty"), and calls have no JWT service.

## Example
```yaml
environment:
  - LIVEKIT_AS_REGISTRATION_FILE=/data/lk-jwt-registration.yaml
```

## Fix
Manual: add `LIVEKIT_HS_SERVER_NAME` (your server_name) and the tokens, or remove the
appservice variables to run without appservice mode.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import at_least, jwt_services, service_target
from rtclint.rules.jwt.service_env import JWT, has_env

CODE = "RTC306"
NAME = "jwt-appservice-partial"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "env", "k8s")
APPSERVICE_SINCE = (0, 7)
APPSERVICE_ENV = ("LIVEKIT_AS_REGISTRATION_FILE", "LIVEKIT_AS_TOKEN", "LIVEKIT_HS_TOKEN", "LIVEKIT_HS_SERVER_NAME")


def check(ctx):
    for svc in jwt_services(ctx.deployment):
        present = [name for name in APPSERVICE_ENV if has_env(svc, name)]
        if not present or svc.facts.get("env_from") or svc.facts.get("env_files_missing"):
            continue
        if not at_least(service_target(ctx.deployment, JWT, svc), APPSERVICE_SINCE):
            continue
        missing = _missing(svc)
        if not missing:
            continue
        var = svc.env[present[0]]
        yield ctx.report(var.name_span or var.span, f"lk-jwt-service sets {', '.join(present)} but not "
                         f"{' and '.join(missing)}: from 0.7 it refuses to start unless the appservice tokens and "
                         "LIVEKIT_HS_SERVER_NAME are all set or all left empty")


def _missing(svc) -> list[str]:
    missing = []
    if not has_env(svc, "LIVEKIT_AS_REGISTRATION_FILE"):
        missing += [name for name in ("LIVEKIT_AS_TOKEN", "LIVEKIT_HS_TOKEN") if not has_env(svc, name)]
        if len(missing) == 2:
            missing = ["the tokens (LIVEKIT_AS_TOKEN and LIVEKIT_HS_TOKEN, or LIVEKIT_AS_REGISTRATION_FILE)"]
    if not has_env(svc, "LIVEKIT_HS_SERVER_NAME"):
        missing.append("LIVEKIT_HS_SERVER_NAME")
    return missing
