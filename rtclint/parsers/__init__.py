"""Step 2 of the pipeline: one parser per format, each turning a Document into FileFacts.

A parser module exposes `read(doc: Document, tree: Tree) -> FileFacts`. It reports its
own syntax errors as RTC001 (with line and column) and missing includes as RTC003, and
never raises for bad input. This table is the parser registry."""

from __future__ import annotations

import importlib

PARSERS = {
    "caddy": "rtclint.parsers.caddy",
    "nginx": "rtclint.parsers.nginx",
    "haproxy": "rtclint.parsers.haproxy",
    "yaml": "rtclint.parsers.yaml",
    "env": "rtclint.parsers.envfile",
    "json": "rtclint.parsers.jsonfile",
    "toml": "rtclint.parsers.toml",
    "nftables": "rtclint.parsers.firewall_nft",
    "iptables": "rtclint.parsers.firewall_iptables",
    "ufw": "rtclint.parsers.firewall_ufw",
    "firewalld": "rtclint.parsers.firewall_firewalld",
    "foreign": "rtclint.parsers.unmodelled",
    "template": "rtclint.parsers.template",
    "nix": "rtclint.parsers.nix",
}


def parser_for(kind: str):
    """The parser module for a kind, or None when rtclint has no parser for it."""
    name = PARSERS.get(kind)
    if name is None:
        return None
    return importlib.import_module(name)
