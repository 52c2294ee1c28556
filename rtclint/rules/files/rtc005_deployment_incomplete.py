"""A deployment was found, but one of its parts is not in the checked tree.

## What it does
For each deployment of the tree (docs/deployments.md), looks for its three parts: a
proxy (nginx, Caddy, HAProxy, Traefik, a Kubernetes Ingress), a homeserver config
(Synapse, ESS values, a TOML homeserver) and a call backend (LiveKit or lk-jwt-service:
their config, a container or an env file). ESS values count as all three. When at
least one part is there and another is not, it names the missing parts and the folder
rtclint looked in, once per deployment, at the first file of a part it found.

## Why
Rules that compare parts (the well-known against the homeserver, the proxy's routes
against the JWT service) stay quiet when a part is absent: a clean report then covers
only what was seen. This says so, so that "no finding" is not read as "all is well".

## Example
A repository holding only `Caddyfile` and `homeserver.yaml`: the call backend
(LiveKit, lk-jwt-service) lives elsewhere, and nothing here checks it.

## Fix
Manual: check the folder that holds the missing part too (`rtclint check a b`), or
ignore this code when the part is deliberately managed elsewhere.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.document import Span

CODE = "RTC005"
NAME = "deployment-incomplete"
SEVERITY = Severity.INFO
FIX = "manual"
WHERE = ("all",)

PROXY_ROLES = ("traefik", "caddy", "nginx", "haproxy")
CALL_ROLES = ("livekit", "jwt")


def check(ctx):
    dep = ctx.deployment
    found = _parts(dep)
    missing = [part for part, where in found.items() if where is None]
    seen = [where for where in found.values() if where is not None]
    if not missing or not seen:
        return
    folder = dep.name if dep.name != "." else "the current directory"
    names = {"proxy": "no proxy config (nginx, Caddy, HAProxy, Traefik, Ingress)",
             "homeserver": "no homeserver config (Synapse homeserver.yaml, ESS values, a TOML homeserver)",
             "call backend": "no call backend (LiveKit or lk-jwt-service config, container or env file)"}
    yield ctx.report(
        Span(min(seen), 0, 0),
        f"this deployment has {'; '.join(names[m] for m in missing)} under {folder}: "
        f"the findings cover only the parts rtclint saw",
    )


def _parts(dep) -> dict[str, str | None]:
    """part -> the first file (display path) that holds it, or None."""
    if dep.ess:
        return {}  # the ESS chart deploys all three
    proxy = [s.span.path for s in dep.sites]
    proxy += [s.span.path for s in dep.services if s.role in PROXY_ROLES]
    homeserver = [c.path for c in dep.synapse + dep.toml_homeservers]
    homeserver += [s.span.path for s in dep.services if s.role == "synapse"]
    homeserver += [n.span.path for n in dep.declared_server_names if n.span is not None]
    call = [c.path for c in dep.livekit] + [s.span.path for s in dep.services if s.role in CALL_ROLES]
    return {"proxy": min(proxy, default=None), "homeserver": min(homeserver, default=None),
            "call backend": min(call, default=None)}
