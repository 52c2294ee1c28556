"""A Kubernetes Service or Ingress sends JWT/LiveKit traffic to a port nothing listens on.

## What it does
For Services whose selector matches the lk-jwt-service or LiveKit pods in the tree,
checks that each `targetPort` is a port the container listens on (the JWT service:
`LIVEKIT_JWT_BIND`/`LIVEKIT_JWT_PORT`, default 8080; LiveKit: `port`, `rtc.tcp_port`,
its UDP ports, TURN ports) or the name of one of its container ports. For Ingress
backends and Traefik IngressRoute services, checks that the port is one of the Service's
`port`s (Traefik leaves such a route out; ingress-nginx answers 503).

## Why
Kubernetes forwards blindly: a wrong targetPort gives connection refused behind the
Ingress (502/503), and the client reports the call backend as missing.

## Example
`targetPort: 8080` for a JWT container started with `LIVEKIT_JWT_BIND=:6080`.

## Fix
`--fix` sets the targetPort when the container listens on exactly one port (the
JWT service), and an Ingress port when the Service has exactly one port.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.model.stacks import jwt_bind_port, link, livekit_instances
from rtclint.rules.livekit.ports import rtc_ports

CODE = "RTC603"
NAME = "service-port-mismatch"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("k8s",)


def check(ctx):
    dep = ctx.deployment
    link(dep)
    by_name = {}
    for ks in dep.kube_services:
        by_name.setdefault(ks.name, ks)
    targets: dict[str, list] = {}
    for svc in dep.services:
        if svc.source == "k8s" and svc.role in ("jwt", "livekit"):
            for ks in svc.facts.get("kube_services", []):
                targets.setdefault(ks.name, []).append(svc)
                yield from _check_target_ports(ctx, ks, svc)
    for site in dep.sites:
        if site.kind not in ("ingress", "traefik"):
            continue
        for route in site.routes:
            if site.kind == "traefik" and not route.facts.get("kube_service"):
                continue  # a Traefik route to a container or URL, not to a Kubernetes Service
            up = route.proxy.upstream if route.proxy else None
            ks = by_name.get(up.host) if up else None
            wanted = route.facts.get("service_port")
            if ks is None or ks.name not in targets or wanted is None:
                continue
            ports = [p.port for p in ks.ports if p.port is not None]
            if wanted in ports:
                continue
            fix = None
            if len(ports) == 1 and up.port_span is not None:
                fix = Fix(Applicability.SAFE, f"use port {ports[0]}", (Edit(up.port_span, str(ports[0])),))
            yield ctx.report(up.port_span or route.span, f"{route.name} sends traffic to port {wanted} of Service "
                             f"`{ks.name}`, which has only " + ", ".join(map(str, ports)),
                             fix=fix, related=[Related(ks.span, f"Service `{ks.name}`")])


def _listening(dep, svc) -> tuple[list[tuple[int, int, str]], bool]:
    """(port ranges (first, last, protocol) the container listens on, complete?) for
    lk-jwt-service and LiveKit containers."""
    if svc.role == "jwt":
        port = jwt_bind_port(svc)
        return ([(port, port, "TCP")], True) if port else ([], False)
    inst = next((i for i in livekit_instances(dep) if i.service is svc), None)
    if inst is None or inst.config is None:
        return [], False
    ports = [(inst.config.http_port, inst.config.http_port, "TCP")]
    ports += [(first, last, proto.upper()) for first, last, proto, _what in rtc_ports(inst)]
    for name in ("udp_port", "tls_port"):
        turn = inst.config.turn.get(name)
        if turn is not None and isinstance(turn.value, int):
            ports.append((turn.value, turn.value, "UDP" if name == "udp_port" else "TCP"))
    return ports, True


def _check_target_ports(ctx, ks, svc):
    listening, complete = _listening(ctx.deployment, svc)
    names = {p.name: p.container_port for p in svc.ports if p.name}
    for port in ks.ports:
        target = port.target_port.value if port.target_port is not None else port.port
        span = port.target_port.span if port.target_port is not None and port.target_port.span else port.span
        if isinstance(target, str) and not target.isdecimal():
            if target not in names:
                yield ctx.report(span, f"Service `{ks.name}` targets the port name `{target}`, which container "
                                 f"`{svc.name}` does not declare (" + (", ".join(sorted(names)) or "no named ports") + ")",
                                 related=[Related(svc.span, f"container `{svc.name}`")])
            continue
        if target is None or not complete:
            continue
        target = int(target)
        if any(first <= target <= last for first, last, _proto in listening):
            continue
        fix = None
        single = len(listening) == 1 and listening[0][0] == listening[0][1]
        if single and port.target_port is not None and port.target_port.span is not None:
            only = listening[0][0]
            fix = Fix(Applicability.SAFE, f"target port {only}", (Edit(port.target_port.span, str(only)),))
        what = "lk-jwt-service" if svc.role == "jwt" else "LiveKit"
        yield ctx.report(span, f"Service `{ks.name}` sends port {port.port} to {target} on `{svc.name}`, but "
                         f"{what} listens on " + ", ".join(f"{a}/{proto}" if a == b else f"{a}-{b}/{proto}"
                                                          for a, b, proto in listening), fix=fix,
                         related=[Related(svc.span, f"container `{svc.name}`")])
