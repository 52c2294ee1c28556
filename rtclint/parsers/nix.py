"""NixOS modules (`*.nix`): `read(doc, tree) -> FileFacts`.

The file is parsed by tree-sitter-nix (`nix_syntax`), never evaluated: literal values
are read, everything Nix would compute is unknown. The options that make a call
stack are then read as their NixOS modules turn them into configuration files:

- `services.matrix-synapse`, `services.matrix-continuwuity`, `services.matrix-tuwunel`,
  `services.livekit`, `services.lk-jwt-service` → `nix_services`;
- `services.nginx` → the nginx text NixOS renders, read by the nginx parser (`nix_nginx`);
- `services.caddy` → the Caddyfile NixOS writes, read by the Caddy parser (`nix_caddy`);
- `networking.firewall` and `openFirewall` options → a host firewall (`nix_firewall`).

Every finding points into the .nix file. A file that does not parse is RTC001 at the
first error tree-sitter finds.
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree, parse_error

READERS = (("matrix-synapse", "synapse"), ("matrix-continuwuity", "continuwuity"),
           ("conduwuit", "continuwuity"), ("matrix-tuwunel", "tuwunel"),
           ("livekit", "livekit"), ("lk-jwt-service", "jwt"))


def read(doc: Document, tree: Tree) -> FileFacts:
    from rtclint.parsers import nix_firewall, nix_services, nix_syntax

    facts = FileFacts(doc.path)
    parsed = nix_syntax.parse(doc)
    for start, end, message in parsed.errors:
        facts.diagnostics.append(parse_error(doc, start, message, end))
    root = parsed.root
    if root is None or root.kind != "attrs":
        return facts
    services = root.get("services")
    for option, what in READERS if services is not None and services.kind == "attrs" else ():
        service = services.value.get(option)
        if service is None or service.kind != "attrs" or not nix_services.enabled(service):
            continue
        if what == "synapse":
            nix_services.synapse(doc, service, facts)
        elif what in ("continuwuity", "tuwunel"):
            nix_services.toml_homeserver(doc, service, what, facts)
        elif what == "livekit":
            nix_services.livekit(doc, service, facts)
        else:
            nix_services.jwt_service(doc, service, facts)
    _web(doc, root, tree, facts)
    nix_firewall.read(doc, root, facts)
    if facts.sites or facts.services or facts.synapse or facts.toml_homeservers or facts.livekit or facts.firewalls:
        facts.subkind = "nixos"  # else a .nix file of another kind (a package, a flake, a shell)
    return facts


def _web(doc: Document, root, tree: Tree, facts: FileFacts) -> None:
    from rtclint.parsers.nix_services import enabled

    nginx = root.get("services", "nginx")
    if nginx is not None and nginx.kind == "attrs" and enabled(nginx):
        from rtclint.parsers import nix_nginx

        ipv6 = root.get("networking", "enableIPv6")
        nix_nginx.read(doc, nginx, tree, facts, ipv6.value if ipv6 is not None and ipv6.kind == "bool" else None)
    caddy = root.get("services", "caddy")
    if caddy is not None and caddy.kind == "attrs" and enabled(caddy):
        from rtclint.parsers import nix_caddy

        nix_caddy.read(doc, caddy, tree, facts)
