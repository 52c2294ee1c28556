"""Compose's published and exposed ports, in every short and long syntax (ranges, host
IPs, `/udp`), each with the span of the text that wrote it, as `docker compose config`
reads them (tests/test_compose_oracle.py)."""

from __future__ import annotations

from rtclint.document import Span
from rtclint.model import PortMapping, Service
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import scalar
from rtclint.resolve import compose_fields as fields
from rtclint.resolve.compose_fields import parse_port_spec, port_range
from rtclint.resolve.compose_interpolate import has_unknown
from rtclint.resolve.compose_project import ResolvedService


def span_of(node) -> Span:
    """The span of the text that wrote a node of a Compose file."""
    return node.doc.span(node.start_mark.index, node.end_mark.index)


def read_ports(rs: ResolvedService, svc: Service) -> None:
    ports_key, ports = rs.last("ports")
    if ports_key is not None:
        svc.facts["ports_span"] = span_of(ports_key)
        svc.facts["ports_node_span"] = span_of(ports)
    for item in fields.merged_ports(rs):
        if has_unknown(item):
            svc.facts["ports_unknown"] = True  # set by a variable set nowhere: not guessed
        svc.ports += _port_item(item, "publish")
    for item in fields.merged_ports(rs, "expose"):
        if isinstance(item, yaml.ScalarNode):
            parsed = parse_port_spec(str(item.value))
            if parsed is not None:
                lo, hi = parsed[2]
                svc.ports.append(PortMapping(lo, None, parsed[3], span_of(item), kind="expose",
                                             container_port_end=hi if hi != lo else None))


def _port_item(item, kind: str) -> list[PortMapping]:
    if has_unknown(item):
        return []  # a port set by a variable set nowhere: unknown
    span = span_of(item)
    if isinstance(item, yaml.ScalarNode):
        parsed = parse_port_spec(str(item.value))
        if parsed is None:
            return []
        ip, host, (lo, hi), proto = parsed
        return [_mapping(lo, hi, host, proto, span, ip, kind)]
    if isinstance(item, yaml.MappingNode):  # long syntax
        get = fields.get
        target = scalar(get(item, "target")[1])
        published = scalar(get(item, "published")[1])
        proto = str(scalar(get(item, "protocol")[1]) or "tcp").lower()
        ip = scalar(get(item, "host_ip")[1])
        container = port_range(str(target)) if target is not None else None
        if container is None:
            return []
        host = port_range(str(published)) if published not in (None, "") else None
        return [_mapping(container[0], container[1], host, proto, span, ip, kind)]
    return []


def _mapping(lo: int, hi: int, host: tuple[int, int] | None, proto: str, span: Span, ip, kind: str) -> PortMapping:
    # `HOST:CONTAINER` with a single host port for a container range: Compose publishes
    # the range from that port on; an empty host part means an ephemeral host port.
    host_lo = host[0] if host else None
    if host and host[1] != host[0]:
        host_hi = host[1]
    else:
        host_hi = host_lo + (hi - lo) if host_lo is not None and hi != lo else None
    return PortMapping(lo, host_lo, proto, span, str(ip) if ip else None, kind,
                       container_port_end=hi if hi != lo else None, host_port_end=host_hi)
