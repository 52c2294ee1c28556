"""An lk-jwt-service variable holds a value the service cannot use.

## What it does
Reports, on each JWT service:
- `LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS` that is not a non-negative integer;
- a `LIVEKIT_CS_API_URL_OVERRIDES` entry that is not `server_name=url` (both parts
  non-empty; entries are separated by `,`, so a trailing comma is an empty entry);
- the file named by `LIVEKIT_KEY_FILE`, when rtclint has read it (a YAML
  `key: secret` file mounted into the service), not holding exactly one `:`;
- `LIVEKIT_SECRET_FILE`, which no version reads.

A value rtclint cannot read (from the shell, a Secret, an unresolved `${VAR}`) is
left alone.

## Why
The first three stop the service at start-up ("must be a non-negative integer",
"expected server_name=url", "invalid key secret file format!"), so calls have no
JWT service. `LIVEKIT_SECRET_FILE` looks like the file variant of `LIVEKIT_SECRET`
but is not one (that is `LIVEKIT_SECRET_FROM_FILE`): the secret stays empty and the
service does not start, or uses another secret than you meant.

## Example
```
LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS=30s
LIVEKIT_CS_API_URL_OVERRIDES=example.com https://matrix.example.com
LIVEKIT_SECRET_FILE=/run/secrets/livekit_secret
```

## Fix
Manual: a whole number of seconds (`30`); `server_name=url` entries joined by `,`;
`key:secret` in the key file; `LIVEKIT_SECRET_FROM_FILE` instead of
`LIVEKIT_SECRET_FILE`.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Severity
from rtclint.model.stacks import jwt_services

CODE = "RTC308"
NAME = "jwt-env-invalid"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "env", "k8s")

# Rust's i64::from_str: an optional sign and ASCII digits (negative values are refused after
# parsing). Compiled by re's cache at the first interval set: most trees set none.
_INTEGER = r"[+-]?[0-9]+"


def check(ctx):
    for svc in jwt_services(ctx.deployment):
        yield from _sanity_interval(ctx, svc)
        yield from _cs_api_overrides(ctx, svc)
        yield from _key_file(ctx, svc)
        var = svc.env.get("LIVEKIT_SECRET_FILE")
        if var is not None:
            yield ctx.report(var.name_span or var.span, "LIVEKIT_SECRET_FILE is not a variable lk-jwt-service reads: "
                             "the secret stays empty; use LIVEKIT_SECRET_FROM_FILE")


def _readable(var) -> str | None:
    """The value as the service sees it, or None when the tree does not say."""
    if var is None or var.value is None or var.from_secret or "$" in var.value:
        return None
    return var.value


def _anchor(var):
    return var.value_span or var.span


def _sanity_interval(ctx, svc):
    var = svc.env.get("LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS")
    raw = _readable(var)
    if not raw:  # empty: the check is off
        return
    if not re.fullmatch(_INTEGER, raw) or int(raw) < 0:
        yield ctx.report(_anchor(var), f"LIVEKIT_SANITY_CHECK_INTERVAL_SECONDS must be a non-negative whole number "
                         f"of seconds, not {raw!r}: lk-jwt-service refuses to start")


def _cs_api_overrides(ctx, svc):
    var = svc.env.get("LIVEKIT_CS_API_URL_OVERRIDES")
    raw = _readable(var)
    if not raw:
        return
    for entry in raw.split(","):
        server, sep, url = entry.partition("=")
        if not sep or not server.strip() or not url.strip():
            yield ctx.report(_anchor(var), f"LIVEKIT_CS_API_URL_OVERRIDES entry {entry!r} is not server_name=url "
                             "(entries are separated by ','): lk-jwt-service refuses to start")
            return


def _key_file(ctx, svc):
    var = svc.env.get("LIVEKIT_KEY_FILE")
    path = _readable(var)
    if not path:
        return
    doc = _mounted_document(ctx, svc, path.strip())
    if doc is None:
        return
    colons = doc.text.count(":")
    if colons != 1:
        yield ctx.report(_anchor(var), f"LIVEKIT_KEY_FILE names {doc.path}, which holds {colons} ':' where "
                         "lk-jwt-service wants exactly one (key:secret): it refuses to start "
                         "(\"invalid key secret file format!\")")


def _mounted_document(ctx, svc, container_path: str):
    """The tree's file mounted at `container_path`, when rtclint has read it."""
    for mount in svc.mounts:
        if mount.resolved and mount.target == container_path:
            return ctx.deployment.documents.get(mount.resolved)
    return None
