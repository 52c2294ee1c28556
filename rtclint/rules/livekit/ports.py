"""The ports LiveKit listens on (from livekit.yaml and its defaults) and whether a
Compose service publishes them. Also read by RTC602 (ESS NodePorts).
"""

from __future__ import annotations

import re

from rtclint.model.services import not_published_as_is
from rtclint.model.stacks import command_option, livekit_instances

DEFAULT_TCP_PORT = 7881
DEFAULT_UDP_RANGE = (50000, 60000)
DEV_UDP_PORT = 7882


def as_int(located) -> int | None:
    if located is None:
        return None
    value = located.value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdecimal() else None


def port_range(text) -> tuple[int, int] | None:
    m = re.match(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$", str(text))
    if not m:
        return None
    lo = int(m.group(1))
    return lo, int(m.group(2) or lo)


def rtc_ports(inst) -> list[tuple[int, int, str, str]]:
    """(first, last, protocol, what) for every port clients must reach directly."""
    cfg = inst.config
    rtc = cfg.rtc if cfg is not None else {}
    out = []
    tcp = as_int(rtc.get("tcp_port"))
    tcp = DEFAULT_TCP_PORT if tcp is None and "tcp_port" not in rtc else tcp
    if tcp:
        out.append((tcp, tcp, "tcp", "rtc.tcp_port"))
    start, end = as_int(rtc.get("port_range_start")), as_int(rtc.get("port_range_end"))
    udp_option = None
    if inst.service is not None:
        udp_option = command_option(inst.service.command, "udp-port")
        env = inst.service.env.get("UDP_PORT")
        udp_option = udp_option or (env.value if env is not None else None)
    udp = port_range(udp_option) if udp_option else (port_range(rtc["udp_port"].value) if rtc.get("udp_port") else None)
    if start and end:
        out.append((start, end, "udp", "rtc.port_range_start-port_range_end"))
    elif udp:
        out.append((udp[0], udp[1], "udp", "rtc.udp_port"))
    elif inst.dev:
        out.append((DEV_UDP_PORT, DEV_UDP_PORT, "udp", "the --dev UDP port"))
    else:
        out.append((*DEFAULT_UDP_RANGE, "udp", "the default UDP range"))
    return out


def unpublished(service, first: int, last: int, proto: str) -> tuple[list[tuple[int, int]], list]:
    """(the parts of the range no entry publishes on the same host port, the entries that
    publish part of it on another host port)."""
    moved = [m for m in service.ports if m.kind == "publish" and m.protocol == proto
             and m.host_port != m.container_port
             and m.container_port <= last and (m.container_port_end or m.container_port) >= first]
    return not_published_as_is(service, proto, first, last), moved


def port_text(first: int, last: int, proto: str) -> str:
    ports = f"{first}" if first == last else f"{first}-{last}"
    return f"{ports}:{ports}" + ("/udp" if proto == "udp" else "")


def compose_livekits(dep):
    for inst in livekit_instances(dep):
        if (inst.service is not None and inst.service.source == "compose" and not inst.host_network
                and not inst.config_unknown):
            yield inst
