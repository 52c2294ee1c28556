"""NixOS modules (`*.nix`): `read(doc, tree) -> FileFacts`.

The file is parsed by tree-sitter-nix (`nix_syntax`), never evaluated: literal values
are read, everything Nix would compute is unknown. The options that make a call
stack are then read as their NixOS modules turn them into configuration files:

- `services.matrix-synapse`, `services.matrix-continuwuity`, `services.matrix-tuwunel`,
  `services.livekit`, `services.lk-jwt-service` → `nix_services`;
- `services.nginx` → the nginx text NixOS renders, read by the nginx parser (`nix_nginx`);
- `services.caddy` → the Caddyfile NixOS writes, read by the Caddy parser (`nix_caddy`);
  with `services.caddy.settings` NixOS writes Caddy JSON instead: not modelled, the file
  is marked for RTC004 to name, and its Caddy routes stay unknown (quiet);
- `networking.firewall` and `openFirewall` options → a host firewall (`nix_firewall`).

The options are read after the module system's merging (`nix_modules`: mkIf, mkMerge,
mkDefault/mkForce/mkOverride) over the file's module tree (`nix_imports`: `imports`),
or, for a flake, over each `nixosSystem`'s module list (`nix_flake`). Every finding
points into the .nix file that set the option. A file that does not parse is RTC001 at
the first error tree-sitter finds.
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree, parse_error
from rtclint.parsers.unmodelled import SUBKIND as UNMODELLED

READERS = (("matrix-synapse", "synapse"), ("matrix-continuwuity", "continuwuity"),
           ("conduwuit", "continuwuity"), ("matrix-tuwunel", "tuwunel"),
           ("livekit", "livekit"), ("lk-jwt-service", "jwt"))


def read(doc: Document, tree: Tree) -> FileFacts:
    from rtclint.parsers import nix_imports

    facts = FileFacts(doc.path)
    parsed = nix_imports.parsed(doc)
    for start, end, message in parsed.errors:
        facts.diagnostics.append(parse_error(doc, start, message, end))
    if parsed.errors:
        return facts
    read_files: set[str] = set()
    facts.includes = nix_imports.depends_on(doc, tree, read_files)
    if nix_imports.imported_elsewhere(doc, tree) and not (parsed.hosts or parsed.exported):
        facts.subkind = UNMODELLED if _writes_caddy_json(parsed.root) else "nixos"
        return facts  # read, merged with the rest, through the file that imports it
    for root in systems(doc, parsed, tree, read_files):
        _system(doc, root, tree, facts)
    facts.includes = nix_imports.depends_on(doc, tree, read_files)
    if facts.sites or facts.services or facts.synapse or facts.toml_homeservers or facts.livekit or facts.firewalls:
        facts.subkind = "nixos"  # else a .nix file of another kind (a package, a flake, a shell)
    if _writes_caddy_json(parsed.root):
        facts.subkind = UNMODELLED  # RTC004 names it: its Caddy routes are not read
    return facts


def _writes_caddy_json(config) -> bool:
    """The module sets `services.caddy.settings`: NixOS then writes Caddy's JSON config
    (the Caddyfile options are ignored), which rtclint does not model."""
    from rtclint.parsers.nix_modules import ModuleTree
    from rtclint.parsers.nix_services import enabled

    own = ModuleTree([config]).config() if config is not None else None
    caddy = own.get("services", "caddy") if own is not None and own.kind == "attrs" else None
    if caddy is None or caddy.kind != "attrs" or not enabled(caddy):
        return False
    settings = caddy.get("settings")
    return settings is not None and not (settings.kind == "attrs" and not settings.value)


def systems(doc: Document, parsed, tree: Tree, read_files: set[str] | None = None) -> list:
    """The merged config of each NixOS system `doc` is the top of: its own module tree,
    or for a flake each host's (each exported module when it names no host)."""
    from rtclint.parsers import nix_imports
    from rtclint.parsers.nix_modules import ModuleTree

    if parsed.hosts or parsed.exported:
        hosts = parsed.hosts or [[module] for module in parsed.exported.values()]
        trees = [nix_imports.collect(doc, host, tree, read_files) for host in hosts]
    else:
        trees = [nix_imports.module_tree(doc, parsed, tree, read_files)]
    merged = [ModuleTree(configs).config() for configs in trees]
    return [root for root in merged if root is not None and root.kind == "attrs"]


def _system(doc: Document, root, tree: Tree, facts: FileFacts) -> None:
    """The facts of one NixOS system (its config merged as the module system does)."""
    from rtclint.parsers import nix_firewall, nix_services

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
