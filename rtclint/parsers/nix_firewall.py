"""`networking.firewall` (and the ports services open with `openFirewall`) → a host Firewall.

The NixOS firewall is on unless `networking.firewall.enable = false`, and refuses new
inbound connections except to `allowedTCPPorts`, `allowedUDPPorts`,
`allowedTCPPortRanges` and `allowedUDPPortRanges` ({ from, to }), globally or under
`interfaces.<name>` (which only that interface gets: a conditional rule). `services.livekit.
openFirewall = true` adds `settings.port`/tcp and the rtc port range/udp; `services.caddy.
openFirewall` adds httpPort and httpsPort/tcp and httpsPort/udp (a null port is not
opened) [nixpkgs livekit.nix, caddy/default.nix].

Every .nix file of a tree adds to one firewall (group 'nixos'): NixOS merges these
options from all modules. A list Nix has to compute can hold any port, so it makes
every port of its protocol unknown.
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.firewall import ACCEPT, DROP, UNKNOWN, Firewall, FirewallRule
from rtclint.parsers.nix_syntax import NixValue

OPTIONS = (("allowedTCPPorts", "tcp", False), ("allowedUDPPorts", "udp", False),
           ("allowedTCPPortRanges", "tcp", True), ("allowedUDPPortRanges", "udp", True))


def read(doc: Document, root: NixValue, facts: FileFacts) -> None:
    firewall = root.get("networking", "firewall")
    rules: list[FirewallRule] = []
    if firewall is not None:
        enable = firewall.get("enable")
        if enable is not None and not (enable.kind == "bool" and enable.value is True):
            return  # off, or decided elsewhere: nothing to say about it
        if firewall.kind != "attrs" or firewall.partial:
            rules += [FirewallRule(UNKNOWN, firewall.span, proto) for proto in ("tcp", "udp")]
        else:
            rules += _allowed(firewall, conditional=False)
            interfaces = firewall.get("interfaces")
            if interfaces is not None and interfaces.kind == "attrs":
                for iface in interfaces.value.values():
                    rules += _allowed(iface, conditional=True)
            elif interfaces is not None:
                rules += [FirewallRule(UNKNOWN, interfaces.span, proto) for proto in ("tcp", "udp")]
    rules += _opened_by_services(root)
    if firewall is None and not rules:
        return
    anchor = firewall.key_span if firewall is not None and firewall.key_span else (
        rules[0].span if rules else doc.span(0, 0))
    # accepts before the unknowns: a port written out is certainly open
    rules.sort(key=lambda r: r.verdict != ACCEPT)
    facts.firewalls.append(Firewall("nixos", "networking.firewall", anchor, DROP, rules, group="nixos",
                                    order=1 if firewall is not None else 2))


def _allowed(attrs: NixValue, conditional: bool) -> list[FirewallRule]:
    if attrs.kind != "attrs" or attrs.partial:
        return [FirewallRule(UNKNOWN, attrs.span, proto) for proto in ("tcp", "udp")]
    rules = []
    for option, proto, ranges in OPTIONS:
        value = attrs.get(option)
        if value is None:
            continue
        if value.kind != "list":
            rules.append(FirewallRule(UNKNOWN, value.span, proto))
            continue
        for entry in value.value:
            bounds = _range(entry) if ranges else ((entry.value, entry.value) if entry.kind == "int" else None)
            if bounds is None:
                rules.append(FirewallRule(UNKNOWN, entry.span, proto))
            else:
                rules.append(FirewallRule(ACCEPT, entry.span, proto, (bounds,), conditional=conditional))
    return rules


def _range(entry: NixValue) -> tuple[int, int] | None:
    low, high = entry.get("from"), entry.get("to")
    if low is None or high is None or low.kind != "int" or high.kind != "int":
        return None
    return low.value, high.value


def _opened_by_services(root: NixValue) -> list[FirewallRule]:
    rules: list[FirewallRule] = []
    livekit = root.get("services", "livekit")
    opened = livekit.get("openFirewall") if livekit is not None else None
    if opened is not None:
        if opened.kind != "bool":
            rules += [FirewallRule(UNKNOWN, opened.span, proto) for proto in ("tcp", "udp")]
        elif opened.value:
            port = _int(livekit.get("settings", "port"), 7880)
            low = _int(livekit.get("settings", "rtc", "port_range_start"), 50000)
            high = _int(livekit.get("settings", "rtc", "port_range_end"), 51000)
            for proto, bounds in (("tcp", port), ("udp", (low, high) if low and high else None)):
                if bounds is None or (proto == "tcp" and port is None):
                    rules.append(FirewallRule(UNKNOWN, opened.span, proto))
                else:
                    rules.append(FirewallRule(ACCEPT, opened.span, proto,
                                              ((port, port),) if proto == "tcp" else (bounds,)))
    caddy = root.get("services", "caddy")
    opened = caddy.get("openFirewall") if caddy is not None else None
    if opened is not None and not (opened.kind == "bool" and opened.value is False):
        http, https = caddy.get("httpPort"), caddy.get("httpsPort")
        ports = [_int(p, d) for p, d in ((http, 80), (https, 443)) if p is None or p.kind != "null"]
        if opened.kind != "bool" or None in ports:
            rules += [FirewallRule(UNKNOWN, opened.span, proto) for proto in ("tcp", "udp")]
        else:
            rules.append(FirewallRule(ACCEPT, opened.span, "tcp", tuple((p, p) for p in ports)))
            if https is None or https.kind != "null":  # HTTP/3 on the HTTPS port
                port = _int(https, 443)
                rules.append(FirewallRule(ACCEPT, opened.span, "udp", ((port, port),)))
    return rules


def _int(value: NixValue | None, default: int) -> int | None:
    """The port written, the module's default when absent, None when computed."""
    if value is None:
        return default
    return value.value if value.kind == "int" else None
