"""`services.nginx.virtualHosts` → the nginx configuration NixOS renders → nginx sites.

The text follows nixpkgs `nixos/modules/services/web-servers/nginx/default.nix`: one
`server` per virtual host (a second one on port 80 answering `return 301 https://…` with
`forceSSL`), listen lines from `listen` or the defaults (0.0.0.0 and [::0], port 80 and
443 with `ssl`), `server_name` from `serverName` (else the attribute name) and
`serverAliases`, the ACME challenge location with `enableACME`, then per location, in
the module's order (priority 1000 unless set, then name): `proxy_pass`, the WebSocket
lines of `proxyWebsockets` (`proxy_http_version 1.1`, `Upgrade $http_upgrade`,
`Connection $connection_upgrade`), `root`, `alias`, `return`, `extraConfig`, and the
recommended proxy headers. The http block holds the module's `$connection_upgrade` map
and, with `recommendedProxySettings`, its proxy settings.

What cannot be known stays quiet: a virtual host with a computed server part is left
out; a location with a computed part answers with an unresolved variable (the answer
model calls that unknown).
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.nix_mapped import Generated
from rtclint.parsers.nix_syntax import NixValue

RECOMMENDED_HEADERS = (("Host", "$host"), ("X-Real-IP", "$remote_addr"),
                       ("X-Forwarded-For", "$proxy_add_x_forwarded_for"), ("X-Forwarded-Proto", "$scheme"),
                       ("X-Forwarded-Host", "$host"), ("X-Forwarded-Server", "$host"))
ACME_ROOT = "/var/lib/acme/acme-challenge"
# Server-level options whose computed value leaves the whole virtual host unknown.
SERVER_OPTIONS = ("serverName", "serverAliases", "listen", "listenAddresses", "forceSSL", "addSSL", "onlySSL",
                  "enableSSL", "enableACME", "useACMEHost", "extraConfig", "locations", "root", "globalRedirect",
                  "default", "rejectSSL", "sslCertificate", "sslCertificateKey")
UNKNOWN_ANSWER = 'return 200 "$nix_unknown";'


def render(doc: Document, nginx: NixValue, ssl_files: tuple[str, str] | None = None, ipv6: bool = True) -> Generated:
    """The http block NixOS writes for `services.nginx` (`ipv6`: networking.enableIPv6,
    which adds the [::0] listen lines). `ssl_files` replaces the certificate paths (the
    nginx -t oracle has no ACME certificates)."""
    out = Generated(doc)
    anchor = nginx.key_span or nginx.span
    out.emit("http {\n  map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n  }\n", anchor)
    recommended = _flag(nginx, "recommendedProxySettings")
    if recommended:
        at = nginx.get("recommendedProxySettings").span
        out.emit("  proxy_redirect off;\n  proxy_http_version 1.1;\n  proxy_set_header \"Connection\" \"\";\n", at)
        _recommended_headers(out, at, "  ")
    _upstreams(out, nginx.get("upstreams"))
    hosts = nginx.get("virtualHosts")
    if hosts is not None and hosts.kind == "attrs":
        for name in sorted(hosts.value):
            vhost = hosts.value[name]
            if _vhost_known(vhost):
                _server(out, name, vhost, recommended, ipv6, ssl_files)
    for option in ("commonHttpConfig", "appendHttpConfig"):
        extra = nginx.get(option)
        if extra is not None and extra.kind == "str":
            out.value(extra)
            out.emit("\n", extra.span.end)
    out.emit("}\n", anchor)
    return out


def read(doc: Document, nginx: NixValue, tree, facts: FileFacts, ipv6: bool | None) -> None:
    """Sites (and the nginx parser's own findings) of `services.nginx`, in the .nix file."""
    from rtclint.parsers import nginx as nginx_parser

    hosts = nginx.get("virtualHosts")
    if hosts is None or hosts.kind != "attrs" or not hosts.value:
        return
    generated = render(doc, nginx, ipv6=ipv6 is not False)
    generated.read_into("nginx", nginx_parser, tree, facts)


def _upstreams(out: Generated, upstreams: NixValue | None) -> None:
    """`upstreams.<name>.servers."<address>" = { <parameter> = value; }` and `extraConfig`;
    an upstream with a computed part is not written (a proxyPass to it stays unresolved)."""
    if upstreams is None or upstreams.kind != "attrs":
        return
    for name, upstream in sorted(upstreams.value.items()):
        servers = upstream.get("servers")
        if not upstream.known or servers is None or servers.kind != "attrs":
            continue
        out.emit(f"  upstream {name} {{\n", upstream.key_span or upstream.span)
        for address, params in sorted(servers.value.items()):
            at = params.key_span or params.span
            out.emit("    server ", at)
            quoted = at.end - at.start == len(address) + 2  # `"10.0.0.2:8080" = { … }`
            out.value(NixValue("str", address, at, offsets=[at.start + quoted + i for i in range(len(address))]))
            for key, value in sorted(params.value.items()) if params.kind == "attrs" else ():
                if value.kind != "bool":
                    out.emit(f" {key}={value.value}", value.span)
                elif value.value:
                    out.emit(f" {key}", value.span)
            out.emit(";\n", at)
        extra = upstream.get("extraConfig")
        if extra is not None and extra.kind == "str":
            out.value(extra)
            out.emit("\n", extra.span.end)
        out.emit("  }\n", upstream.key_span or upstream.span)


def _flag(attrs: NixValue, name: str, default: bool = False) -> bool:
    value = attrs.get(name)
    return value.value if value is not None and value.kind == "bool" else default


def _vhost_known(vhost: NixValue) -> bool:
    if vhost.kind != "attrs" or vhost.partial:
        return False
    for option in SERVER_OPTIONS:
        value = vhost.get(option)
        if value is not None and option != "locations" and not value.known:
            return False
    locations = vhost.get("locations")
    return locations is None or (locations.kind == "attrs" and not locations.partial)


def _listens(out: Generated, vhost: NixValue, ssl_on: bool, plain: bool, ipv6: bool) -> None:
    """The module's listen lines: the `listen` entries when given (all of them, or the
    TLS ones / the others when `ssl_on` / `plain` alone is asked for: forceSSL's two
    servers), else `listenAddresses` or the default addresses with 443 ssl (a TLS host)
    and 80 (unless onlySSL); `default = true` adds default_server."""
    default = " default_server" if _flag(vhost, "default") else ""
    listen = vhost.get("listen")
    if listen is not None and listen.kind == "list" and listen.value:
        for entry in listen.value:
            addr, port, ssl = entry.get("addr"), entry.get("port"), entry.get("ssl")
            is_ssl = ssl.value if ssl is not None and ssl.kind == "bool" else False  # the option's default
            if (is_ssl and not ssl_on) or (not is_ssl and not plain):
                continue
            number = port.value if port is not None and port.kind == "int" else (443 if is_ssl else 80)
            host = addr.value if addr is not None else "0.0.0.0"
            out.emit(f"    listen {host}:{number}{' ssl' if is_ssl else ''}{default};\n", entry.span)
        return
    given = vhost.get("listenAddresses")
    if given is not None and given.kind == "list" and given.value:
        addresses = [str(a.value) for a in given.value]
    else:
        addresses = ["0.0.0.0"] + (["[::0]"] if ipv6 else [])
    at = vhost.key_span or vhost.span
    for addr in addresses:
        if ssl_on:
            out.emit(f"    listen {addr}:443 ssl{default};\n", at)
        if plain:
            out.emit(f"    listen {addr}:80{default};\n", at)


def _server(out: Generated, name: str, vhost: NixValue, recommended: bool, ipv6: bool,
            ssl_files: tuple[str, str] | None) -> None:
    at = vhost.key_span or vhost.span
    force = _flag(vhost, "forceSSL")
    only = _flag(vhost, "onlySSL") or _flag(vhost, "enableSSL")
    has_ssl = only or force or _flag(vhost, "addSSL")
    acme = _flag(vhost, "enableACME") or vhost.get("useACMEHost") is not None
    server_name = vhost.get("serverName")
    names = str(server_name.value) if server_name is not None and server_name.kind == "str" else name
    aliases = vhost.get("serverAliases")
    alias_names = [str(a.value) for a in aliases.value] if aliases is not None and aliases.kind == "list" else []
    names_line = " ".join([names, *alias_names])
    if force:
        out.emit("  server {\n", vhost.get("forceSSL").span)
        _listens(out, vhost, False, True, ipv6)
        out.emit(f"    server_name {names_line};\n", at)
        if acme:
            _acme(out, vhost)
        out.emit("    location / {\n      return 301 https://$host$request_uri;\n    }\n  }\n",
                 vhost.get("forceSSL").span)
    out.emit("  server {\n", at)
    explicit = vhost.get("listen") is not None and vhost.get("listen").kind == "list" and vhost.get("listen").value
    if explicit:  # given listen lines are all used (forceSSL: the TLS ones here)
        _listens(out, vhost, True, not force, ipv6)
    else:
        _listens(out, vhost, has_ssl, not (only or force), ipv6)
    out.emit("    server_name ", at)
    if server_name is not None and server_name.kind == "str":
        out.value(server_name)
    else:
        out.emit(name, at)
    for alias in aliases.value if aliases is not None and aliases.kind == "list" else []:
        out.emit(" ", alias.span)
        out.value(alias)
    out.emit(";\n", at)
    if acme:
        _acme(out, vhost)
    _simple(out, vhost, "root", "    root ")
    redirect = vhost.get("globalRedirect")
    if redirect is not None and redirect.kind == "str":
        out.emit(f"    location / {{\n      return 301 http{'s' if has_ssl else ''}://", redirect.span)
        out.value(redirect)
        out.emit("$request_uri;\n    }\n", redirect.span)
    if has_ssl:
        cert, key = ssl_files or _certificates(vhost, names)
        out.emit(f"    ssl_certificate {cert};\n    ssl_certificate_key {key};\n", at)
    locations = vhost.get("locations")
    if locations is not None and locations.kind == "attrs":
        for path, location in sorted(locations.value.items(), key=lambda kv: (_priority(kv[1]), kv[0])):
            _location(out, path, location, recommended)
    extra = vhost.get("extraConfig")
    if extra is not None and extra.kind == "str":
        out.value(extra)
        out.emit("\n", extra.span.end)
    out.emit("  }\n", at)


def _certificates(vhost: NixValue, server_name: str) -> tuple[str, str]:
    cert, key = vhost.get("sslCertificate"), vhost.get("sslCertificateKey")
    if cert is not None and key is not None and cert.kind in ("str", "path") and key.kind in ("str", "path"):
        return str(cert.value), str(key.value)
    host = vhost.get("useACMEHost")
    base = f"/var/lib/acme/{host.value if host is not None and host.kind == 'str' else server_name}"
    return f"{base}/fullchain.pem", f"{base}/key.pem"


def _acme(out: Generated, vhost: NixValue) -> None:
    out.emit(f"    location ^~ /.well-known/acme-challenge/ {{\n      root {ACME_ROOT};\n"
             "      auth_basic off;\n    }\n",
             (vhost.get("enableACME") or vhost.get("useACMEHost")).span)


def _priority(location: NixValue) -> int:
    value = location.get("priority") if location.kind == "attrs" else None
    return value.value if value is not None and value.kind == "int" else 1000


def _simple(out: Generated, attrs: NixValue, option: str, prefix: str) -> None:
    value = attrs.get(option)
    if value is not None and value.kind in ("str", "path"):
        out.emit(prefix, value.key_span or value.span)
        if value.kind == "str":
            out.value(value)
        else:
            out.emit(str(value.value), value.span)
        out.emit(";\n", value.span.end)


def _location(out: Generated, path: str, location: NixValue, recommended: bool) -> None:
    at = location.key_span or location.span
    out.emit(f"    location {path} {{\n", at)
    if not location.known or location.kind != "attrs":
        out.emit(f"      {UNKNOWN_ANSWER}\n", location.span)
        out.emit("    }\n", at)
        return
    proxy = location.get("proxyPass")
    if proxy is not None and proxy.kind == "str":
        out.emit("      proxy_pass ", proxy.key_span or proxy.span)
        out.value(proxy)
        out.emit(";\n", proxy.span.end)
    if _flag(location, "proxyWebsockets"):
        out.emit("      proxy_http_version 1.1;\n      proxy_set_header Upgrade $http_upgrade;\n"
                 "      proxy_set_header Connection $connection_upgrade;\n", location.get("proxyWebsockets").span)
    for option in ("index", "tryFiles", "root", "alias", "return"):
        directive = {"tryFiles": "try_files"}.get(option, option)
        _simple(out, location, option, f"      {directive} ")
    extra = location.get("extraConfig")
    if extra is not None and extra.kind == "str":
        out.value(extra)
        out.emit("\n", extra.span.end)
    own = location.get("recommendedProxySettings")
    if proxy is not None and proxy.kind == "str" and (own.value if own is not None and own.kind == "bool"
                                                      else recommended):
        _recommended_headers(out, (own or proxy).span, "      ")
    out.emit("    }\n", at)


def _recommended_headers(out: Generated, at, indent: str) -> None:
    """The module's `recommendedProxyConfig` file, which it includes: written inline."""
    for name, value in RECOMMENDED_HEADERS:
        out.emit(f"{indent}proxy_set_header {name} {value};\n", at)
