"""`server_name` is a single DNS label such as `example`.

## What it does
Reports a homeserver `server_name` (homeserver.yaml, ESS `serverName`) that is one
label with no dot: `example`, `matrix`, `localhost`. A name rtclint cannot read
(templated, from a variable) is left alone.

## Why
Clients discover the homeserver and its call backend at
`https://<server_name>/.well-known/matrix/client`. A single-label name does not
resolve in public DNS and no public CA issues a certificate for it, so clients on
other machines find neither the homeserver nor `rtc_foci`, and other servers cannot
federate with it (element-call#3612, #3566). The server_name is part of every user
ID: it cannot be changed later without starting over.

## Example
```yaml
server_name: "example"
```

## Fix
Manual: use a fully qualified domain you control (`example.com`), before the
database holds users.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Severity

CODE = "RTC115"
NAME = "server-name-not-fqdn"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("synapse", "ess")

# One DNS label, optionally with a port; anything else (dots, templates, variables) is not ours to judge.
_SINGLE_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?::\d+)?")


def check(ctx):
    seen = set()
    for located in ctx.deployment.server_names():
        if located.span is None or not isinstance(located.value, str) or located.span in seen:
            continue
        seen.add(located.span)
        name = located.value.strip()
        label = name.split(":")[0]
        if not _SINGLE_LABEL.fullmatch(name) or label.isdigit():
            continue
        yield ctx.report(located.span, f"{_key_of(ctx, located)} \"{name}\" is a single DNS label: clients look up "
                         f"https://{label}/.well-known/matrix/client, which public DNS cannot resolve and no public "
                         "CA certifies, so they find neither the homeserver nor its call backend; use a fully "
                         "qualified domain such as example.com")


def _key_of(ctx, located) -> str:
    """The key as written (`server_name`, ESS `serverName`)."""
    doc = ctx.deployment.documents.get(located.span.path)
    if doc is None or located.key_span is None:
        return "server_name"
    return doc.text[located.key_span.start:located.key_span.end].strip("\"'") or "server_name"
