"""A host firewall in the tree drops LiveKit's media ports.

## What it does
For each host firewall in the tree — an nftables ruleset (`nftables.conf`, `*.nft`),
ufw's `before.rules`/`user.rules`/`after.rules` with the default policy of
`/etc/default/ufw`, an `iptables-save` file (`rules.v4`, `rules.v6`) or the default
firewalld zone — whose inbound policy drops, checks that it accepts LiveKit's
`rtc.tcp_port` (default 7881), its UDP port or range (`rtc.port_range_start`–
`port_range_end`, else `rtc.udp_port`, else 50000–60000) and, with `turn.enabled`,
`turn.udp_port` and `turn.tls_port`. The finding names each port and the chain or
zone that drops it.

Stays quiet when the firewall's answer depends on what rtclint cannot evaluate
(source addresses, interfaces, jumps to other chains, named sets, services defined
outside the tree, an unknown default policy), and for a LiveKit container on a
Compose bridge network or a Kubernetes/ESS pod network: Docker's published ports and
kube-proxy's NodePorts are forwarded to the container, never delivered to the host's
input chain (`network_mode: host` and `hostNetwork: true` are checked).

## Why
Media does not go through the reverse proxy: clients send it straight to these
ports. A firewall that drops them lets calls connect and then shows "Waiting for
media" — no audio, no video.

## Example
```
table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    tcp dport { 22, 443 } accept
  }
}
```
with a LiveKit using the defaults (7881/tcp, 50000–60000/udp).

## Fix
Accept the ports: `tcp dport 7881 accept` and `udp dport 50000-60000 accept`
(nftables), `ufw allow 7881/tcp` and `ufw allow 50000:60000/udp`,
`-A INPUT -p udp --dport 50000:60000 -j ACCEPT`, or `<port protocol="udp"
port="50000-60000"/>` in the zone.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import livekit_instances
from rtclint.rules.livekit.ports import as_int, rtc_ports

CODE = "RTC415"
NAME = "media-ports-firewalled"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("nftables", "ufw", "iptables", "firewalld", "livekit")


def check(ctx):
    dep = ctx.deployment
    if not dep.firewalls:
        return
    wanted = {}  # (first, last, protocol) -> (what, the LiveKit config or None)
    for inst in livekit_instances(dep):
        if inst.config_unknown or _forwarded_to_a_container(inst):
            continue
        for first, last, proto, what in media_ports(inst):
            wanted.setdefault((first, last, proto), (what, inst.config))
    if not wanted:
        return
    from rtclint.model.firewall import merged  # only a deployment with a host firewall

    for fw in merged(dep.firewalls):
        dropped, configs, anchors = [], [], []
        for (first, last, proto), (what, cfg) in sorted(wanted.items()):
            port, _unknown = fw.first_dropped(proto, first, last)
            if port is not None:
                of_range = f" {first}-{last}" if first != last else ""
                dropped.append(f"{port}/{proto} ({what}{of_range})")
                configs.append(cfg)
                anchors.append(fw.decided_by(proto, port))
        if not dropped:
            continue
        cfg = next((c for c in configs if c is not None), None)
        related = [Related(cfg.facts.get("rtc_span") or cfg.span, "LiveKit's media ports")] if cfg else []
        rule = anchors[0]  # a rule that drops the first port, else the policy
        if rule is not None:
            related.append(Related(fw.span, "the policy"))
        yield ctx.report(rule.span if rule is not None else fw.span, f"{_firewall_name(fw)} drops LiveKit's media port{'s' * (len(dropped) > 1)} "
                         + ", ".join(dropped) + ": clients cannot reach the SFU and calls stay silent "
                         "(\"Waiting for media\")", related=related)


def media_ports(inst) -> list[tuple[int, int, str, str]]:
    """rtc_ports, plus the TURN ports when LiveKit's TURN server is on."""
    out = list(rtc_ports(inst))
    cfg = inst.config
    if cfg is not None and cfg.turn.get("enabled") is not None and cfg.turn["enabled"].value is True:
        for name, proto in (("udp_port", "udp"), ("tls_port", "tcp")):
            port = as_int(cfg.turn.get(name))
            if port:
                out.append((port, port, proto, f"turn.{name}"))
    return out


def _forwarded_to_a_container(inst) -> bool:
    """Its ports are DNATed to a container network: the forward chain sees them, not input."""
    svc = inst.service
    return svc is not None and svc.source in ("compose", "k8s", "ess") and not inst.host_network


def _firewall_name(fw) -> str:
    if fw.kind == "firewalld":
        return f"firewalld {fw.name}"
    return f"{fw.kind} chain `{fw.name}` (policy {fw.policy})"
