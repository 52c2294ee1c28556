"""A LiveKit secret is written in plain text in a committed file.

## What it does
Flags a LiveKit API secret written literally in a Compose `environment:`
(`LIVEKIT_SECRET`, `LIVEKIT_KEYS`, `LIVEKIT_CONFIG`), a Kubernetes container's env
`value:`, a ConfigMap, or Helm values (ESS `matrixRTC.livekitAuth.secret.value`).
Env files, Secrets, `*_FILE` variables and `${VAR}` interpolation are the right
places and are not flagged. The secret is never printed: `****` and its length.

## Why
Whoever reads the repository (or the ConfigMap) can mint tokens for your SFU.

## Example
```yaml
environment:
  - LIVEKIT_SECRET=0123456789abcdef0123456789abcdef
```

## Fix
Move it to an env file kept out of the repository (`env_file:`), a Docker/Kubernetes
Secret (`LIVEKIT_SECRET_FROM_FILE`, `secretKeyRef`), or the chart's existing-secret
option (`matrixRTC.livekitAuth.secret.secret`/`secretKey` in ESS).
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Severity
from rtclint.rules.common.services import interpolated, mask
from rtclint.rules.secrets.credentials import credentials

CODE = "RTC900"
NAME = "plaintext-secret"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("compose", "k8s", "ess")
PLAINTEXT_PLACES = {"compose": "the Compose environment", "k8s-env": "a Kubernetes container env `value`",
                    "configmap": "a ConfigMap", "helm-values": "Helm values",
                    "livekit-env": "the Compose/Kubernetes environment"}


def check(ctx):
    for cred in credentials(ctx):
        if cred.what != "secret" or cred.place not in PLAINTEXT_PLACES or not cred.value:
            continue
        if cred.place in ("compose", "livekit-env") and interpolated(cred.value):
            continue
        if cred.place == "k8s-env" and re.fullmatch(r"\$\([A-Za-z_][A-Za-z0-9_]*\)", cred.value):
            continue  # a reference to another variable of the container
        yield ctx.report(cred.span, f"LiveKit secret {cred.label} = {mask(cred.value)} is written in plain text in "
                         f"{PLAINTEXT_PLACES[cred.place]}; keep it in an env file or a Secret instead")
