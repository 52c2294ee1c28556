"""Synapse `homeserver.yaml` and `conf.d/*.yaml` fragments → SynapseConfig.

Only what calls depend on is modelled, each value with its span: server_name,
public_baseurl, experimental_features, matrix_rtc.transports, max_event_delay_duration,
the call rate limits, extra_well_known_client_content (also emitted as the client
well-known Synapse itself serves) and serve_server_wellknown. Every other setting is
kept by dotted path in `SynapseConfig.keys`, so RTC507 can compare it with what Synapse
knows. Fixes need to add lines to block mappings: `insert_at` records where.
"""

from __future__ import annotations

import json

from rtclint.document import Document
from rtclint.model import FileFacts, Located, SynapseConfig, WellKnown
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_items, node_span, scalar
from rtclint.urls import hostname

# Sections whose children are recorded by dotted path (the others: top-level key only).
NESTED_SECTIONS = ("experimental_features", "matrix_rtc", "rc_message", "rc_delayed_event_mgmt")
RATE_LIMITS = ("rc_message", "rc_delayed_event_mgmt")
MAX_DEPTH = 64  # YAML aliases can nest deeply; config values never do


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    for node in nodes:
        if isinstance(node, yaml.MappingNode):
            cfg = read_config(doc, node)
            facts.synapse.append(cfg)
            wk = synapse_well_known(cfg)
            if wk is not None:
                facts.well_knowns.append(wk)


def settle(cfg: SynapseConfig) -> None:
    """The settings the rules ask for by name, from the dotted keys read (homeserver.yaml
    here; NixOS `services.matrix-synapse.settings` in nix_services)."""
    cfg.server_name = cfg.keys.get("server_name")
    cfg.public_baseurl = cfg.keys.get("public_baseurl")
    cfg.max_event_delay_duration = cfg.keys.get("max_event_delay_duration")
    cfg.extra_well_known_client = cfg.keys.get("extra_well_known_client_content")
    cfg.serve_server_wellknown = cfg.keys.get("serve_server_wellknown")
    cfg.matrix_rtc = cfg.keys.get("matrix_rtc")
    cfg.fragment = cfg.server_name is None
    for name in RATE_LIMITS:
        if name in cfg.keys:
            cfg.rate_limits[name] = cfg.keys[name]


def read_config(doc: Document, root: yaml.MappingNode) -> SynapseConfig:
    cfg = SynapseConfig(path=doc.path, span=node_span(doc, root), raw=to_python(root))
    for key, key_node, value in mapping_items(root):
        cfg.keys[key] = _located(doc, key_node, value)
        if key in NESTED_SECTIONS and isinstance(value, yaml.MappingNode):
            _read_section(doc, cfg, key, value)
    settle(cfg)
    _read_transports(doc, cfg, root)
    return cfg


def _read_section(doc: Document, cfg: SynapseConfig, section: str, node: yaml.MappingNode) -> None:
    if section == "experimental_features":
        cfg.experimental_span = node_span(doc, node)
    for key, key_node, value in mapping_items(node):
        located = _located(doc, key_node, value)
        cfg.keys[f"{section}.{key}"] = located
        if section == "experimental_features":
            cfg.experimental[key] = located


def _read_transports(doc: Document, cfg: SynapseConfig, root: yaml.MappingNode) -> None:
    rtc = _child(root, "matrix_rtc")
    transports = _child(rtc, "transports") if rtc is not None else None
    if not isinstance(transports, yaml.SequenceNode):
        return
    for index, entry in enumerate(transports.value):
        cfg.transports.append(Located(to_python(entry), node_span(doc, entry)))
        for key, key_node, value in mapping_items(entry):
            cfg.keys[f"matrix_rtc.transports[{index}].{key}"] = _located(doc, key_node, value)


def synapse_well_known(cfg: SynapseConfig) -> WellKnown | None:
    """The client well-known Synapse serves when `extra_well_known_client_content` is
    set: `m.homeserver` from public_baseurl, then the extra keys (Synapse never lets
    them replace its own). Served only when public_baseurl is set explicitly."""
    extra = cfg.extra_well_known_client
    if extra is None or not isinstance(extra.value, dict) or extra.span is None:
        return None
    base = cfg.public_baseurl.value if cfg.public_baseurl is not None else None
    body: dict = {}
    if isinstance(base, str) and base:
        body["m.homeserver"] = {"base_url": base if base.endswith("/") else base + "/"}
    for key, value in extra.value.items():
        body.setdefault(str(key), value)
    host = hostname(base) if isinstance(base, str) else None
    return WellKnown(
        which="client",
        body=json.dumps(body, indent=2, default=str),
        span=extra.span,
        source="synapse",
        hosts=[host] if host else [],
        value=body,
        facts={"served": isinstance(base, str) and bool(base), "config": cfg.path},
    )


# -- helpers ----------------------------------------------------------------------------


def _located(doc: Document, key_node: yaml.Node, value: yaml.Node) -> Located:
    return Located(to_python(value), node_span(doc, value), node_span(doc, key_node))


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    for name, _k, value in mapping_items(node):
        if name == key:
            return value
    return None


def to_python(node: yaml.Node, depth: int = 0):
    """The plain Python value of a node (YAML 1.1 scalars, like Synapse's safe_load)."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            key = scalar(k) if isinstance(k, yaml.ScalarNode) else None
            if key is not None or isinstance(k, yaml.ScalarNode):
                out[key] = to_python(v, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [to_python(v, depth + 1) for v in node.value]
    return scalar(node)
