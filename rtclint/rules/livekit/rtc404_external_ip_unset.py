"""LiveKit runs on a container network and advertises the container's address.

## What it does
For a LiveKit container on a Compose bridge network, checks that its config sets
`rtc.use_external_ip: true` or `rtc.node_ip` (or `--node-ip` / `NODE_IP`).

## Why
LiveKit tells clients the address to send media to. Without either setting it
picks the container's own address (172.x), which no client can reach; calls connect
and stay silent. Element Call's dev Compose file notes the symptom ("the SFU works
far more reliably on the host network").

## Example
```yaml
rtc:
  use_external_ip: false
```

## Fix
Set `rtc.use_external_ip: true` (STUN finds the public address) or
`rtc.node_ip: <public IP>`, or run LiveKit with `network_mode: host`.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import command_option
from rtclint.rules.livekit.ports import compose_livekits

CODE = "RTC404"
NAME = "external-ip-unset"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("livekit", "compose")


def check(ctx):
    for inst in compose_livekits(ctx.deployment):
        svc = inst.service
        cfg = inst.config
        rtc = cfg.rtc if cfg is not None else {}
        if rtc.get("use_external_ip") is not None and rtc["use_external_ip"].value is True:
            continue
        if rtc.get("node_ip") is not None and rtc["node_ip"].value:
            continue
        if command_option(svc.command, "node-ip") or "NODE_IP" in svc.env:
            continue
        if cfg is not None:
            flag = rtc.get("use_external_ip")
            span = flag.span if flag is not None and flag.span else (cfg.facts.get("rtc_span") or cfg.span)
            related = [Related(svc.span, f"Compose service `{svc.name}` runs on a bridge network")]
        else:
            span, related = svc.span, []
        yield ctx.report(span, f"LiveKit `{inst.name}` runs on a Compose bridge network with neither "
                         "rtc.use_external_ip: true nor rtc.node_ip: it advertises the container's address, "
                         "which clients cannot reach", related=related)
