"""Traefik's file provider (dynamic configuration in YAML) → proxy Sites.

Reads `http.routers`, `http.services` (`loadBalancer.servers[].url`) and
`http.middlewares` into a `traefik.Dynamic` and lets `traefik.build_sites` model them.
Traefik's option names are case-insensitive, so keys are compared in lower case.
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.traefik import Dynamic, Middleware, Router, Value, build_sites, upstream_from_url
from rtclint.parsers.yaml import mapping_items, node_span, scalar


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    for node in nodes:
        dyn = dynamic_from_node(doc, node)
        sites, problems = build_sites(doc, dyn)
        facts.sites.extend(sites)
        facts.diagnostics.extend(problems)


def dynamic_from_node(doc: Document, root: yaml.Node) -> Dynamic:
    dyn = Dynamic()
    http = _get(root, "http")
    for name, key, node in mapping_items(_get(http, "routers")):
        dyn.routers[name] = _router(doc, name, key, node)
    for name, key, node in mapping_items(_get(http, "services")):
        servers = _get(_get(node, "loadbalancer"), "servers")
        ups = []
        for item in servers.value if isinstance(servers, yaml.SequenceNode) else ():
            url = _get(item, "url")
            up = upstream_from_url(str(scalar(url)), node_span(doc, url)) if url is not None else None
            if up is not None:
                ups.append(up)
        dyn.services[name] = ups
    for name, key, node in mapping_items(_get(http, "middlewares")):
        for kind, kkey, opts in mapping_items(node):
            dyn.middlewares[name] = Middleware(name, kind.lower(), options_of(doc, opts), node_span(doc, kkey))
            break
    return dyn


def _router(doc: Document, name: str, key: yaml.Node, node: yaml.Node) -> Router:
    router = Router(name=name, span=node_span(doc, key))
    for opt, _, value in mapping_items(node):
        low = opt.lower()
        if low in ("rule", "service", "priority"):
            setattr(router, low, Value(scalar(value), node_span(doc, value)))
        elif low in ("middlewares", "entrypoints"):
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            setattr(router, low, [Value(scalar(i), node_span(doc, i)) for i in items])
        elif low == "tls":
            router.tls = True
    return router


def options_of(doc: Document, node: yaml.Node) -> dict:
    out = {}
    for opt, _, value in mapping_items(node):
        out[opt.lower()] = value_of(doc, value)
    return out


def value_of(doc: Document, node: yaml.Node) -> Value:
    if isinstance(node, yaml.SequenceNode):
        return Value([value_of(doc, i) for i in node.value], node_span(doc, node))
    if isinstance(node, yaml.MappingNode):
        return Value({k: value_of(doc, v) for k, _, v in mapping_items(node)}, node_span(doc, node))
    return Value(scalar(node), node_span(doc, node))


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """A mapping's value for `key`, compared case-insensitively as Traefik does."""
    for name, _, value in mapping_items(node):
        if name.lower() == key:
            return value
    return None
