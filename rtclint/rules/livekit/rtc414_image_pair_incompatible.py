"""Pinned image tags that are known not to work together.

## What it does
Reads the versions pinned in the tree (image tags; for the ESS chart, the `ess-chart`
target) and reports the pairs known to break calls:

- Element Call ≥ 0.19.2 with lk-jwt-service ≤ 0.4.2, or Element Call ≤ 0.19.1 with
  lk-jwt-service ≥ 0.4.3;
- Element Web ≥ 1.12.18 with an ESS chart older than 26.4.1 (which ships lk-jwt < 0.4.3).

An unpinned image (`latest`, no tag, a digest) is not a version: no finding. Every other
pair: no finding.

## Why
lk-jwt-service 0.4.3 changed how it derives the LiveKit participant identity
(lk-jwt #172, "Adapt LiveKit Identity hash calculation to latest MSC4195 update"), and
Element Call 0.19.2 moved to the same MSC4195 revision. With one side older than the
other, the identity in the token does not match the one the client expects: members
do not see each other's media (notes quoted in lk-jwt#122). Element Web 1.12.18
bundles the new Element Call (element-web#33482); ESS charts before 26.4.1 ship the old
lk-jwt (ess CHANGELOG 26.4.1).

## Example
```yaml
services:
  element-call:
    image: ghcr.io/element-hq/element-call:v0.19.2
  lk-jwt-service:
    image: ghcr.io/element-hq/lk-jwt-service:0.4.2
```

## Fix
Manual: upgrade lk-jwt-service to 0.4.3 or newer (or the ESS chart to 26.4.1 or
newer), or pin Element Call/Element Web to a release of the same generation.
"""

from __future__ import annotations

import re

from rtclint.config import version_tuple
from rtclint.diagnostics import Related, Severity

CODE = "RTC414"
NAME = "image-pair-incompatible"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("compose", "k8s")

IDENTITY_HASH_EC = (0, 19, 2)  # Element Call with the MSC4195 identity update
IDENTITY_HASH_JWT = (0, 4, 3)  # lk-jwt-service with the same update (#172)
ELEMENT_WEB_NEW_EC = (1, 12, 18)
ESS_NEW_JWT = (26, 4, 1)
_ELEMENT_WEB = r"(^|/)element-web$"  # asked only with an older ESS chart (re's cache compiles it)


def check(ctx):
    dep = ctx.deployment
    calls = _pinned(dep, lambda svc, name: svc.role == "element-call")
    jwts = _pinned(dep, lambda svc, name: svc.role == "jwt")
    for ec_svc, ec in calls:
        for jwt_svc, jwt in jwts:
            new_ec, new_jwt = ec >= IDENTITY_HASH_EC, jwt >= IDENTITY_HASH_JWT
            if new_ec == new_jwt:
                continue
            needs = "0.4.3 or newer" if new_ec else "0.4.2 or older"
            yield ctx.report(jwt_svc.image.span, f"lk-jwt-service {_text(jwt)} does not work with Element Call "
                             f"{_text(ec)}: lk-jwt 0.4.3 changed the LiveKit identity hash (MSC4195) that Element "
                             f"Call {'0.19.2 and newer expect' if new_ec else 'up to 0.19.1 does not know'}; use "
                             f"lk-jwt-service {needs}, or an Element Call of the same generation",
                             related=[Related(ec_svc.image.span, f"Element Call {_text(ec)}")])
    ess = version_tuple(dep.targets.get("ess-chart") or "")
    if not ess or ess >= ESS_NEW_JWT:
        return
    for web_svc, web in _pinned(dep, lambda svc, name: bool(re.search(_ELEMENT_WEB, name))):
        if web >= ELEMENT_WEB_NEW_EC:
            yield ctx.report(web_svc.image.span, f"Element Web {_text(web)} bundles an Element Call that needs "
                             f"lk-jwt-service 0.4.3 or newer, but ESS chart {_text(ess)} ships an older one: "
                             "upgrade the chart to 26.4.1 or newer")


def _pinned(dep, wanted):
    """(service, version) for each service whose image is pinned to a version tag."""
    out = []
    for svc in dep.services:
        if svc.image is None or not isinstance(svc.image.value, str):
            continue
        tag = svc.image_tag
        name = svc.image.value.split("@", 1)[0].rsplit(":", 1)[0] if tag else svc.image.value
        if not wanted(svc, name.lower()):  # asked first: most services are not the one wanted
            continue
        version = version_tuple(tag or "")
        if len(version) >= 3:
            out.append((svc, version))
    return out


def _text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)
