"""`services.caddy` → the Caddyfile NixOS writes → Caddy sites, spans in the .nix file.

As nixpkgs `nixos/modules/services/web-servers/caddy/default.nix` builds it: a global
block (`http_port`/`https_port` when not 80/443, then `globalConfig`), `extraConfig`,
then per virtual host `<hostName> <serverAliases…> { bind …; <extraConfig> }` (hostName
defaults to the attribute name). A virtual host with a computed part is left out; with
`services.caddy.settings` set NixOS writes JSON instead, which is not read.
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.nix_mapped import Generated
from rtclint.parsers.nix_syntax import NixValue


def render(doc: Document, caddy: NixValue) -> Generated | None:
    out = Generated(doc)
    anchor = caddy.key_span or caddy.span
    settings = caddy.get("settings")
    if settings is not None and not (settings.kind == "attrs" and not settings.value):
        return None  # JSON configuration: the Caddyfile options are ignored
    global_lines = []
    for option, directive, default in (("httpPort", "http_port", 80), ("httpsPort", "https_port", 443)):
        value = caddy.get(option)
        if value is not None and value.kind == "int" and value.value != default:
            global_lines.append((f"  {directive} {value.value}\n", value.span))
    global_config = caddy.get("globalConfig")
    if global_config is not None and global_config.kind != "str":
        return None
    if global_lines or global_config is not None:
        out.emit("{\n", anchor)
        for text, at in global_lines:
            out.emit(text, at)
        if global_config is not None:
            out.value(global_config)
        out.emit("\n}\n", anchor)
    extra = caddy.get("extraConfig")
    if extra is not None:
        if extra.kind != "str":
            return None
        out.value(extra)
        out.emit("\n", extra.span.end)
    hosts = caddy.get("virtualHosts")
    for name in sorted(hosts.value) if hosts is not None and hosts.kind == "attrs" else []:
        _vhost(out, name, hosts.value[name])
    return out


def _vhost(out: Generated, name: str, vhost: NixValue) -> None:
    if not vhost.known or vhost.kind != "attrs":
        return
    at = vhost.key_span or vhost.span
    host = vhost.get("hostName")
    if host is not None and host.kind == "str":
        out.value(host)
    else:
        out.emit(name, at)
    aliases = vhost.get("serverAliases")
    for alias in aliases.value if aliases is not None and aliases.kind == "list" else []:
        out.emit(" ", alias.span)
        out.value(alias)
    out.emit(" {\n", at)
    binds = vhost.get("listenAddresses")
    if binds is not None and binds.kind == "list" and binds.value:
        out.emit("bind " + " ".join(str(b.value) for b in binds.value) + "\n", binds.span)
    extra = vhost.get("extraConfig")
    if extra is not None and extra.kind == "str":
        out.value(extra)
    out.emit("\n}\n", at)


def read(doc: Document, caddy: NixValue, tree, facts: FileFacts) -> None:
    from rtclint.parsers import caddy as caddy_parser

    generated = render(doc, caddy)
    if generated is None or not generated.text.strip():
        return
    generated.read_into("caddy", caddy_parser, tree, facts)
