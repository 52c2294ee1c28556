"""Traefik labels on Compose services → proxy sites (the Docker provider's view).

A value that still holds a `${VAR}` Compose did not resolve here is unknown: its router is
left out rather than guessed."""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.traefik import Dynamic, Middleware, Router, Value, build_sites
from rtclint.parsers.traefik_labels import dynamic_from_labels
from rtclint.parsers.traefik_static import entrypoints_from_flags, exposed_by_default
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar


def read_labels(services: list[tuple[Document, str, yaml.Node, yaml.Node]], facts: FileFacts) -> None:
    """One Docker provider for the whole Compose project: router and middleware names are
    global across its containers, so every container's labels join one configuration
    (a name two containers define differently is dropped, as Traefik drops it).
    `services` are (document, name, key node, interpolated service node)."""
    merged = Dynamic()
    conflicts: dict[str, set] = {"routers": set(), "middlewares": set()}
    exposed = _exposed_by_default(services)
    doc = None
    for doc_of, name, key, node in services:
        doc = doc or doc_of
        _static_flags(doc_of, name, node, facts)
        labels = _labels(doc_of, node)
        if not any(k.lower().startswith("traefik.") for k, _, _ in labels):
            continue
        dyn = dynamic_from_labels(labels, name, node_span(doc_of, key), _container_ports(node), exposed)
        if dyn is None:
            continue
        _merge(merged.routers, dyn.routers, conflicts["routers"])
        _merge(merged.middlewares, dyn.middlewares, conflicts["middlewares"])
        merged.services.update(dyn.services)
    for name in conflicts["routers"]:
        del merged.routers[name]
    for name in conflicts["middlewares"]:
        del merged.middlewares[name]
    if merged.routers and doc is not None:
        sites, problems = build_sites(doc, merged)
        facts.sites.extend(sites)
        facts.diagnostics.extend(problems)


def _exposed_by_default(services) -> bool:
    """False when a Traefik container of the project runs with
    `--providers.docker.exposedByDefault=false`: then only containers labelled
    `traefik.enable=true` are routed."""
    for _, _, _, node in services:
        _, command = mapping_get(node, "command")
        if isinstance(command, yaml.SequenceNode):
            flags = [str(scalar(item)) for item in command.value]
        elif isinstance(command, yaml.ScalarNode):
            flags = str(scalar(command) or "").split()
        else:
            continue
        if exposed_by_default(flags) is False:
            return False
    return True


def _merge(into: dict, new: dict, conflicts: set) -> None:
    """Traefik merges the containers' configurations by name (pkg/provider/merge.go): a
    router or middleware two containers define differently is dropped, an identical one
    kept once."""
    for name, item in new.items():
        if name in into and _shape(into[name]) != _shape(item):
            conflicts.add(name)
        into.setdefault(name, item)


def _shape(item) -> object:
    """What a router or middleware says, without where it is written."""
    if isinstance(item, Value):
        return _shape(item.value)
    if isinstance(item, list):
        return [_shape(v) for v in item]
    if isinstance(item, dict):
        return {k: _shape(v) for k, v in item.items()}
    if isinstance(item, Router):
        return (_shape(item.rule), _shape(item.service), _shape(item.middlewares), _shape(item.entrypoints),
                _shape(item.priority), item.tls, item.facts_unknown)
    if isinstance(item, Middleware):
        return item.kind, _shape(item.options)
    return item


def _labels(doc: Document, node: yaml.Node) -> list:
    _, labels = mapping_get(node, "labels")
    out = []
    if isinstance(labels, yaml.SequenceNode):
        for item in labels.value:
            text = scalar(item)
            if isinstance(text, str) and "=" in text:
                key, value = text.split("=", 1)
                span = node_span(doc, item)
                out.append((key.strip(), value, span))
    else:
        for key, _, value in mapping_items(labels):
            text = scalar(value)
            out.append((key, "" if text is None else str(text), node_span(doc, value)))
    return [(k, v, s) for k, v, s in out if "${" not in v and "${" not in k]


def _container_ports(node: yaml.Node) -> list[int]:
    """Container ports the service shows: `expose` and the container side of `ports`."""
    found: list[int] = []
    for field in ("expose", "ports"):
        _, items = mapping_get(node, field)
        for item in items.value if isinstance(items, yaml.SequenceNode) else ():
            text = str(scalar(item) if isinstance(item, yaml.ScalarNode) else scalar(mapping_get(item, "target")[1]))
            port = text.split("/")[0].rsplit(":", 1)[-1]
            if port.isdecimal():
                found.append(int(port))
    return found


def _static_flags(doc: Document, name: str, node: yaml.Node, facts: FileFacts) -> None:
    """A Traefik container's `--entrypoints.<name>.address=` flags: its entry points."""
    _, command = mapping_get(node, "command")
    if not isinstance(command, yaml.SequenceNode):
        return
    eps = entrypoints_from_flags([(str(scalar(item)), node_span(doc, item)) for item in command.value])
    svc = next((s for s in facts.services if s.name == name and s.span.path == doc.path), None)
    if eps and svc is not None:
        svc.facts["traefik_entrypoints"] = eps
