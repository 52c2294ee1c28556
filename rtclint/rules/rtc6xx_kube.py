"""RTC6xx (Kubernetes objects) — RTC602 stale ESS NodePorts, RTC603 Service ports that
reach nothing. ESS Helm values rules (RTC600, RTC601) live in rtc6xx_ess.

Facts: the matrix-stack chart (element-hq/ess-helm) exposes the Matrix RTC SFU on
NodePorts 30881 (TCP) and 30882 (UDP) before 26.3.0 and on 30001 (TCP) / 30002 (UDP) from
26.3.0 on. A Kubernetes Service sends traffic to `targetPort` (a number, or the name of
a container port; absent: the same as `port`) on the pods its `selector` matches.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.model.stacks import at_least, link, livekit_instances, service_target
from rtclint.rules.registry import rule

# ess-helm CHANGELOG, 26.3.0: "Matrix RTC: Change the default ports" (old → new).
OLD_NODEPORTS = {30881: ("TCP", 30001), 30882: ("UDP", 30002), 31443: ("TCP", 30003), 31748: ("UDP", 30004)}


@rule("RTC602", "ess-nodeports-stale", Severity.WARNING, where=("k8s", "ess"))
def ess_nodeports_stale(ctx):
    """A Service or firewall object uses the ESS RTC NodePorts from before chart 26.3.0.

    ## What it does
    For ESS chart 26.3.0 and later (the `ess-chart` target), flags the old Matrix RTC
    NodePorts — 30881 (RTC TCP), 30882 (RTC UDP), 31443 (TURN TLS), 31748 (TURN) — in
    Kubernetes Service objects (`nodePort`, else `targetPort`/`port`), unless the ESS
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
    dep = ctx.deployment
    if not at_least(service_target(dep, "ess-chart"), (26, 3)):
        return
    pinned = {port for ess in dep.ess for port in _values_ports(dep, ess)}
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


def _stale_message(value: int, where: str) -> str:
    proto, new = OLD_NODEPORTS[value]
    return (f"{where} uses {value}/{proto}, the Matrix RTC NodePort of ESS charts before 26.3.0; the chart now "
            f"exposes it on {new}/{proto} (unless the values pin {value}), so this port reaches nothing")


def _values_ports(dep, ess) -> list[int]:
    """matrixRTC.sfu.exposedServices.<name>.port in ESS values (the file's own YAML)."""
    from rtclint.parsers.pyyaml import yaml

    from rtclint.model.stacks import ess_matrix_rtc_nodes
    from rtclint.parsers.yaml import mapping_get, mapping_items, scalar

    _doc, rtc_nodes = ess_matrix_rtc_nodes(dep, ess)
    out = []
    for rtc in rtc_nodes:
        _, sfu = mapping_get(rtc, "sfu")
        _, exposed = mapping_get(sfu, "exposedServices")
        for _name, _key, conf in mapping_items(exposed):
            _, port = mapping_get(conf, "port")
            if isinstance(port, yaml.ScalarNode) and isinstance(scalar(port), int):
                out.append(scalar(port))
    return out


def _listening(dep, svc) -> tuple[list[tuple[int, int, str]], bool]:
    """(port ranges (first, last, protocol) the container listens on, complete?) for
    lk-jwt-service and LiveKit containers."""
    from rtclint.model.stacks import jwt_bind_port
    from rtclint.rules.rtc4xx_livekit import rtc_ports

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


@rule("RTC603", "service-port-mismatch", Severity.ERROR, fix="safe", where=("k8s",))
def service_port_mismatch(ctx):
    """A Kubernetes Service or Ingress sends JWT/LiveKit traffic to a port nothing listens on.

    ## What it does
    For Services whose selector matches the lk-jwt-service or LiveKit pods in the tree,
    checks that each `targetPort` is a port the container listens on (the JWT service:
    `LIVEKIT_JWT_BIND`/`LIVEKIT_JWT_PORT`, default 8080; LiveKit: `port`, `rtc.tcp_port`,
    its UDP ports, TURN ports) or the name of one of its container ports. For Ingress
    backends, checks that the port is one of the Service's `port`s.

    ## Why
    Kubernetes forwards blindly: a wrong targetPort gives connection refused behind the
    Ingress (502/503), and the client reports the call backend as missing.

    ## Example
    `targetPort: 8080` for a JWT container started with `LIVEKIT_JWT_BIND=:6080`.

    ## Fix
    `--fix` sets the targetPort when the container listens on exactly one port (the
    JWT service), and an Ingress port when the Service has exactly one port.
    """
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
        if site.kind != "ingress":
            continue
        for route in site.routes:
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
