"""A Service or firewall object uses the ESS RTC NodePorts from before chart 26.3.0.

## What it does
For ESS chart 26.3.0 and later (the `ess-chart` target), flags the old Matrix RTC
NodePorts — 30881 (RTC TCP), 30882 (RTC UDP), 31443 (TURN TLS), 31748 (TURN) — in
Kubernetes Service objects (`nodePort`, else `targetPort`/`port`), and in host
firewall rules (nftables, ufw, iptables-save, firewalld zones) that accept an old port
without accepting the one that replaced it, unless the ESS
values in the tree pin that port under `matrixRTC.sfu.exposedServices.*.port` (the
chart's documented way to keep the old ports).

## Why
Chart 26.3.0 moved the SFU to 30001 (TCP), 30002 (UDP), 30003 (TURN TLS) and 30004
(TURN). A firewall or Service written for the old numbers leaves the media ports
closed: calls connect and then carry no audio or video. Troubleshooting guides
written earlier still say 30881/30882.

## Example
```yaml
kind: Service
spec:
  type: NodePort
  ports:
    - {name: rtc-tcp, port: 30881, nodePort: 30881, protocol: TCP}
```

## Fix
Open and forward the new ports, or pin the old ones in the values
(`matrixRTC.sfu.exposedServices.rtcTcp.port: 30881`, `rtcMuxedUdp.port: 30882`).
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.ess_yaml import ess_exposed_ports
from rtclint.model.stacks import at_least, service_target

CODE = "RTC602"
NAME = "ess-nodeports-stale"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("k8s", "ess")

# ess-helm CHANGELOG, 26.3.0: "Matrix RTC: Change the default ports" (old → new).
OLD_NODEPORTS = {30881: ("TCP", 30001), 30882: ("UDP", 30002), 31443: ("TCP", 30003), 31748: ("UDP", 30004)}


def check(ctx):
    dep = ctx.deployment
    if not at_least(service_target(dep, "ess-chart"), (26, 3)):
        return
    pinned = {port for ess in dep.ess for port in ess_exposed_ports(dep, ess)}
    stale = {p: v for p, v in OLD_NODEPORTS.items() if p not in pinned}
    for ks in dep.kube_services:
        for port in ks.ports:
            for located in (port.node_port, port.target_port):
                value = located.value if located is not None else None
                if isinstance(value, int) and value in stale and located.span is not None:
                    yield ctx.report(located.span, _stale_message(value, f"Service `{ks.name}`"))
                    break
            else:
                if port.port in stale and port.port_span is not None:
                    yield ctx.report(port.port_span, _stale_message(port.port, f"Service `{ks.name}`"))
    if dep.ess or dep.kube_services:  # a firewall alone says nothing of ESS
        yield from _stale_firewall_ports(ctx, stale)


def _stale_firewall_ports(ctx, stale: dict):
    """A host firewall that accepts an old NodePort but not the port that replaced it (for
    RTC UDP, 30002 or the `rtcUdp` range 31000-32000)."""
    if not ctx.deployment.firewalls:
        return
    from rtclint.model.firewall import merged  # only a deployment with a host firewall

    for fw in merged(ctx.deployment.firewalls):  # ufw's files as one filter
        for rule, proto, (lo, hi) in fw.accepted():
            old = lo if lo == hi else None  # a range (31000-32000 is the new rtcUdp range) names no port
            if old in stale and proto in (None, stale[old][0].lower()):
                wanted, new = stale[old][0].lower(), stale[old][1]
                if fw.admits(wanted, new) is not True and not (old == 30882 and fw.admits("udp", 31000)):
                    where = f"{fw.kind} {'zone' if fw.kind == 'firewalld' else 'chain'} `{fw.name.split()[-1]}`"
                    yield ctx.report(rule.span, _stale_message(old, where).replace(" uses ", " opens ", 1))


def _stale_message(value: int, where: str) -> str:
    proto, new = OLD_NODEPORTS[value]
    return (f"{where} uses {value}/{proto}, the Matrix RTC NodePort of ESS charts before 26.3.0; the chart now "
            f"exposes it on {new}/{proto} (unless the values pin {value}), so this port reaches nothing")
