"""lk-jwt-service lacks a variable it needs to start.

## What it does
Checks that every lk-jwt-service (Compose service, Kubernetes container or env file)
sets `LIVEKIT_URL`, the API key (`LIVEKIT_KEY`, `LIVEKIT_KEY_FROM_FILE` or
`LIVEKIT_KEY_FILE`), the secret (`LIVEKIT_SECRET`, `LIVEKIT_SECRET_FROM_FILE` or
`LIVEKIT_KEY_FILE`) and, from v0.5.0 on, `LIVEKIT_FULL_ACCESS_HOMESERVERS`. The
version comes from the image tag, else from the configured target.

## Why
Without them the service exits at start ("LIVEKIT_KEY* / LIVEKIT_SECRET* and
LIVEKIT_URL must be set", "LIVEKIT_FULL_ACCESS_HOMESERVERS environment variable must
be set"); the client then gets no token and reports that calls are not supported.

## Example
```yaml
lk-jwt-service:
  image: ghcr.io/element-hq/lk-jwt-service:0.6.0
  environment:
    - LIVEKIT_URL=wss://sfu.example.com
    - LIVEKIT_KEY=callkey
    - LIVEKIT_SECRET_FROM_FILE=/run/secrets/livekit_secret
```
`LIVEKIT_FULL_ACCESS_HOMESERVERS` is missing.

## Fix
Add the missing variables; `LIVEKIT_FULL_ACCESS_HOMESERVERS` is your server_name
(`example.com`), comma-separated for several.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.document import Span
from rtclint.model.stacks import at_least, jwt_services, service_target
from rtclint.rules.jwt.service_env import JWT, has_env

CODE = "RTC300"
NAME = "jwt-env-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "env", "k8s")


def check(ctx):
    for svc in jwt_services(ctx.deployment):
        if _unknown_env(svc):
            continue
        version = service_target(ctx.deployment, JWT, svc)
        missing = []
        if not has_env(svc, "LIVEKIT_URL"):
            missing.append("LIVEKIT_URL")
        if not has_env(svc, "LIVEKIT_KEY", "LIVEKIT_KEY_FROM_FILE", "LIVEKIT_KEY_FILE"):
            missing.append("LIVEKIT_KEY (or LIVEKIT_KEY_FROM_FILE / LIVEKIT_KEY_FILE)")
        if not has_env(svc, "LIVEKIT_SECRET", "LIVEKIT_SECRET_FROM_FILE", "LIVEKIT_KEY_FILE"):
            missing.append("LIVEKIT_SECRET (or LIVEKIT_SECRET_FROM_FILE / LIVEKIT_KEY_FILE)")
        # LIVEKIT_LOCAL_HOMESERVERS present: RTC301 renames it, which also fixes this.
        if at_least(version, (0, 5)) and not has_env(svc, "LIVEKIT_FULL_ACCESS_HOMESERVERS", "LIVEKIT_LOCAL_HOMESERVERS"):
            missing.append("LIVEKIT_FULL_ACCESS_HOMESERVERS (mandatory since v0.5.0; set it to your server_name)")
        if missing:
            yield ctx.report(_anchor(svc), f"lk-jwt-service ({_where(svc)}) does not start without "
                             + ", ".join(missing))


def _anchor(svc) -> Span:
    return svc.facts.get("environment_span") or svc.span


def _unknown_env(svc) -> bool:
    """Variables may come from somewhere the tree does not show (envFrom, missing env_file)."""
    return bool(svc.facts.get("env_from")) or bool(svc.facts.get("env_files_missing"))


def _where(svc) -> str:
    where = {"compose": f"Compose service `{svc.name}`", "k8s": f"container `{svc.name}`",
             "env-file": f"env file {svc.span.path}"}.get(svc.source, f"`{svc.name}`")
    files = svc.facts.get("env_files") or []
    return where + (f" with env_file {', '.join(files)}" if files else "")
