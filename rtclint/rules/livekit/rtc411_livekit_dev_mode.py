"""LiveKit runs in development mode (`--dev`).

## What it does
Reports a LiveKit container whose command or arguments (Compose `command`,
Kubernetes `command`/`args`) hold `--dev` (also `-dev`, `--dev=true`).

## Why
`--dev` is for trying LiveKit on one machine: when no keys are configured it uses
the well-known `devkey: secret` pair, which anyone can use to mint tokens for your
SFU, and unless `bind_addresses` is set it listens on 127.0.0.1 and ::1 only, so
clients on other machines cannot connect (livekit v1.13.5 `cmd/server/main.go`). It
also turns on debug logging.

## Example
```yaml
livekit:
  image: livekit/livekit-server:v1.13.5
  command: --dev --config /etc/livekit.yaml
```

## Fix
Manual: remove `--dev` and give LiveKit its own keys (`keys:` or `key_file:`).
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Severity
from rtclint.document import Span
from rtclint.model.stacks import livekit_instances

CODE = "RTC411"
NAME = "livekit-dev-mode"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("compose", "k8s")

_DEV_ARGS = ("--dev", "-dev", "--dev=true", "-dev=true")
# `--dev` as an argument in a service's text (re.compile's cache compiles it at the first
# LiveKit that runs with it: most trees have none)
_DEV_IN_TEXT = r"(?<![\w-])--?dev(?:=true)?(?![\w=-])"


def check(ctx):
    for inst in livekit_instances(ctx.deployment):
        svc = inst.service
        if svc is None or not any(arg in _DEV_ARGS for arg in svc.command):
            continue
        yield ctx.report(_dev_span(ctx, svc), f"LiveKit `{svc.name}` runs with --dev: without keys it accepts the "
                         "public devkey/secret pair, and without bind_addresses it listens on 127.0.0.1 and ::1 "
                         "only, out of reach of clients; remove --dev for a real deployment")


def _dev_span(ctx, svc) -> Span:
    """The `--dev` as written in the service's definition, else its command, else the service."""
    doc = ctx.deployment.documents.get(svc.span.path)
    if doc is not None:
        # A Kubernetes workload's span may end before its container args: look on to the
        # end of its YAML document, never into the next one.
        end = doc.text.find("\n---", svc.span.end)
        found = re.compile(_DEV_IN_TEXT).search(doc.text, svc.span.start, len(doc.text) if end < 0 else end)
        if found:
            return Span(doc.path, found.start(), found.end())
    return svc.facts.get("command_span") or svc.span
