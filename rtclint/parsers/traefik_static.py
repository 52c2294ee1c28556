"""Traefik's static configuration: its entry points (name → port, TLS), from a
`traefik.yml`/`traefik.toml` or from the `--entrypoints.<name>.address=` flags of a
Traefik container's command. Kept as a `traefik` Service's fact; the model gives the
ports to the Traefik sites of the same deployment (`model.traefik_link`)."""

from __future__ import annotations

import re

from rtclint.document import Document, Span
from rtclint.model import FileFacts, Service
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_items, node_span, scalar

_FLAG = re.compile(r"^--entry[pP]oints\.([^.=]+)\.(address|http\.tls)(?:=(.*))?$", re.I)
_EXPOSED = re.compile(r"^--providers\.docker\.exposedbydefault(?:=(.*))?$", re.I)


def port_of(address: str) -> int | None:
    """`:443`, `0.0.0.0:8443`, `[::]:443/tcp` → the port; None for UDP or nonsense."""
    address = address.strip().strip('"')
    if address.lower().endswith("/udp"):
        return None
    port = address.split("/", 1)[0].rsplit(":", 1)[-1]
    return int(port) if port.isdecimal() else None


def read(doc: Document, nodes: list[yaml.Node], tree, facts: FileFacts) -> None:
    for node in nodes:
        eps = {}
        for name, key, opts in mapping_items(_get(node, "entrypoints")):
            address = _get(opts, "address")
            port = port_of(str(scalar(address))) if address is not None else None
            if port is not None:
                tls = _get(_get(opts, "http"), "tls") is not None
                eps[name] = (port, tls, node_span(doc, address))
        if eps:
            facts.services.append(_service(doc.span(0, 0), eps, doc.path))


def entrypoints_from_flags(flags: list[tuple[str, Span]]) -> dict[str, tuple[int, bool, Span]]:
    eps: dict[str, tuple[int, bool, Span]] = {}
    tls: set[str] = set()
    for text, span in flags:
        m = _FLAG.match(text.strip())
        if m is None:
            continue
        if m.group(2).lower() == "address":
            port = port_of(m.group(3) or "")
            if port is not None:
                eps[m.group(1)] = (port, False, span)
        else:
            tls.add(m.group(1))
    return {name: (port, name in tls, span) for name, (port, _, span) in eps.items()}


def exposed_by_default(flags: list[str]) -> bool | None:
    """The `--providers.docker.exposedByDefault` flag of a Traefik command (a bare flag is
    true), or None when the command does not set it (Traefik's default: true)."""
    for text in flags:
        m = _EXPOSED.match(text.strip())
        if m is not None:
            return (m.group(1) or "true").strip().strip('"').lower() == "true"
    return None


def _service(span: Span, eps: dict, group: str) -> Service:
    return Service(name="traefik", role="traefik", source="file", span=span, group=group,
                   facts={"traefik_entrypoints": eps})


def _get(node, key: str):
    for name, _, value in mapping_items(node):
        if name.lower() == key:
            return value
    return None
