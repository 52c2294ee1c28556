"""The LiveKit or lk-jwt-service image has no version tag (or `latest`).

## What it does
Flags `image:` references to livekit-server or lk-jwt-service with no tag, or the
tag `latest`, and no digest.

## Why
Their configuration changes between releases (lk-jwt-service v0.5.0 made
`LIVEKIT_FULL_ACCESS_HOMESERVERS` mandatory): an unpinned image turns a `docker
compose pull` into an outage, and rtclint cannot tell which version's rules apply.

## Example
```yaml
image: ghcr.io/element-hq/lk-jwt-service:latest
```

## Fix
Pin a release: `ghcr.io/element-hq/lk-jwt-service:0.6.0`, `livekit/livekit-server:v1.13.4`.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import jwt_services

CODE = "RTC407"
NAME = "image-unpinned"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("compose", "k8s")


def check(ctx):
    dep = ctx.deployment
    services = [s for s in dep.services if s.role == "livekit"] + jwt_services(dep)
    for svc in services:
        if svc.image is None or not isinstance(svc.image.value, str) or "@" in svc.image.value:
            continue
        tag = svc.image_tag
        if tag is None or tag.lower() == "latest" or "${" in svc.image.value:
            if "${" in svc.image.value:
                continue  # the tag comes from the environment
            yield ctx.report(svc.image.span or svc.span, f"image `{svc.image.value}` is not pinned to a release"
                             + (" (`latest`)" if tag else " (no tag means `latest`)"))
