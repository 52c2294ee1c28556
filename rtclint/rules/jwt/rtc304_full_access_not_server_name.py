"""`LIVEKIT_FULL_ACCESS_HOMESERVERS` names the homeserver host, not the server_name.

## What it does
Compares each entry of `LIVEKIT_FULL_ACCESS_HOMESERVERS` (and the old
`LIVEKIT_LOCAL_HOMESERVERS`) with the server_name(s) in the tree (homeserver.yaml
`server_name`, ESS `serverName`, the configured `server-name`). Flags an entry that
is a host under a server_name (`matrix.example.com`) or Synapse's public host, and
`*` mixed with other entries.

## Why
The JWT service compares the entries with the server part of user ids
(`@alice:example.com` → `example.com`). `matrix.example.com` never matches, so local
users only get restricted tokens and cannot create calls.

## Example
```
LIVEKIT_FULL_ACCESS_HOMESERVERS=matrix.example.com
```
with `server_name: example.com`.

## Fix
List server_names: `LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com`. `*` alone grants
full access to users of every homeserver.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import jwt_services
from rtclint.rules.common.services import interpolated
from rtclint.urls import hostname

CODE = "RTC304"
NAME = "full-access-not-server-name"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("compose", "env", "k8s")


def check(ctx):
    dep = ctx.deployment
    declared = {str(n.value).lower(): n for n in dep.server_names() if n.value}
    names = set(declared)
    if ctx.config.server_name:
        names.add(ctx.config.server_name.lower())
    hs_hosts = set()
    for syn in dep.synapse:
        if syn.public_baseurl is not None and syn.public_baseurl.value:
            host = hostname(str(syn.public_baseurl.value))
            if host:
                hs_hosts.add(host.lower())
    for svc in jwt_services(dep):
        for var_name in ("LIVEKIT_FULL_ACCESS_HOMESERVERS", "LIVEKIT_LOCAL_HOMESERVERS"):
            var = svc.env.get(var_name)
            if var is None or not var.value or interpolated(var.value):
                continue
            entries = [e.lower() for e in var.value.replace(",", " ").split()]
            span = var.value_span or var.span
            if "*" in entries and len(entries) > 1:
                yield ctx.report(span, f"{var_name} mixes `*` with other entries: `*` already grants every "
                                 "homeserver full access; list server_names or use `*` alone")
                continue
            for entry in entries:
                if entry == "*" or entry in names:
                    continue
                server = _parent_server_name(entry, names)
                if server is None and entry in hs_hosts and len(names) == 1:
                    server = next(iter(names))
                if server is not None:
                    where = declared.get(server)
                    related = [Related(where.span, f"server_name {server}")] if where is not None and where.span else []
                    yield ctx.report(span, f"{var_name} lists `{entry}`, a host, not a server_name: user ids "
                                     f"are `@user:{server}`, so write `{server}`", related=related)


def _parent_server_name(entry: str, names: set[str]) -> str | None:
    """The server_name `entry` is a host under: its nearest parent domain among `names`
    (one set lookup per label, not a scan of every name for every entry)."""
    dot = entry.find(".")
    while dot != -1:
        if entry[dot + 1 :] in names:
            return entry[dot + 1 :]
        dot = entry.find(".", dot + 1)
    return None
