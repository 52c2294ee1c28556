"""LiveKit's embedded TURN server is enabled but its ports are not published.

## What it does
With `turn.enabled: true` on a Compose bridge network, checks that `turn.udp_port`
(UDP) and `turn.tls_port` (TCP) are published on the same host ports. The relay range
(`relay_range_start`–`end`) is between the TURN server and the SFU inside the same
container, so it is not required on the host.

## Why
Clients behind strict firewalls reach LiveKit only through TURN; unpublished TURN
ports make exactly those users fail to connect.

## Example
```yaml
turn:
  enabled: true
  udp_port: 3478
  tls_port: 5349
```
and `ports:` without `3478:3478/udp` and `5349:5349`.

## Fix
Publish the TURN ports (or use `network_mode: host`).
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.rules.livekit.ports import as_int, compose_livekits, port_text, unpublished

CODE = "RTC406"
NAME = "turn-ports-not-published"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("livekit", "compose")


def check(ctx):
    for inst in compose_livekits(ctx.deployment):
        cfg = inst.config
        if cfg is None or cfg.turn.get("enabled") is None or cfg.turn["enabled"].value is not True:
            continue
        missing = []
        for name, proto in (("udp_port", "udp"), ("tls_port", "tcp")):
            port = as_int(cfg.turn.get(name))
            if port and unpublished(inst.service, port, port, proto)[0]:
                missing.append(f"{port_text(port, port, proto)} (turn.{name})")
        if missing:
            yield ctx.report(cfg.turn["enabled"].span, f"LiveKit's TURN server is enabled but Compose service "
                             f"`{inst.service.name}` does not publish " + ", ".join(missing),
                             related=[Related(inst.service.facts.get("ports_span") or inst.service.span,
                                              "published ports")])
