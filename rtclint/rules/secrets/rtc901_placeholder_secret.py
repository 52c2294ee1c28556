"""A LiveKit API key or secret is still a placeholder.

## What it does
Flags keys and secrets (JWT service `LIVEKIT_KEY`/`LIVEKIT_SECRET`, LiveKit `keys`,
`LIVEKIT_KEYS`, ESS `matrixRTC.livekitAuth`) whose value is a placeholder from a guide
or an example: `(livekit_api_secret)`, `<secret>`, `changeme`, `secret`, `devkey`, or a
`${VAR}` left unexpanded in a file whose program does not expand it (livekit.yaml,
Kubernetes manifests; Compose files and env files do expand it). Templated files are
skipped.

## Why
`devkey`/`secret` are LiveKit's public development credentials: anyone can mint
tokens for a server that uses them. A bracketed placeholder copied from a guide
works until someone else copies the same guide.

## Example
```yaml
environment:
  - LIVEKIT_KEY=(livekit_api_key)
  - LIVEKIT_SECRET=(livekit_api_secret)
```

## Fix
Generate a key name and a random secret of at least 32 characters
(`openssl rand -hex 32`) and use them on both LiveKit and the JWT service.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.services import mask, placeholder_kind
from rtclint.rules.secrets.credentials import Credential, credentials

CODE = "RTC901"
NAME = "placeholder-secret"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "env", "k8s", "livekit", "ess")


def check(ctx):
    dep = ctx.deployment
    found: dict[tuple[str, int], list[tuple[Credential, str]]] = {}
    for cred in credentials(ctx):
        facts = dep.files.get(cred.span.path)
        if facts is not None and facts.templated:
            continue
        why = placeholder_kind(cred.value, cred.place in ("compose", "env-file", "livekit-env"))
        if why is not None:
            doc = dep.documents.get(cred.span.path)
            line = doc.line_col(cred.span.start)[0] if doc is not None else cred.span.start
            found.setdefault((cred.span.path, line), []).append((cred, why))
    for entries in found.values():  # `devkey: secret` is one finding, not two
        parts = []
        for cred, why in entries:
            shown = f"= {mask(cred.value)}" if cred.what == "secret" else ""
            parts.append(f"LiveKit API {cred.what} {cred.label} {shown} is {why}".replace("  ", " "))
        yield ctx.report(entries[0][0].span, "; ".join(parts) + ": replace it with a key name of your own and a "
                         "random secret of at least 32 characters, the same on LiveKit and the JWT service")
