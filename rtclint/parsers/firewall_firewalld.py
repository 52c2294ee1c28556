"""firewalld zone files (`/etc/firewalld/zones/<zone>.xml`), as firewalld reads them:
`<zone target="...">` with `<port protocol="udp" port="50000-60000"/>` and
`<service name="..."/>` elements. A zone's target `default`, `REJECT` or `DROP` refuses
what it does not accept; `ACCEPT` lets everything in.

Only the default zone counts (`DefaultZone` in firewalld.conf beside the zones folder,
else `public`): other zones hold only the interfaces and sources bound to them.
A service is known only when it is one of firewalld's few single-port definitions
below (the others live in files outside the tree); rich rules and other services make
the zone's answer unknown. Malformed XML is RTC001.
"""

from __future__ import annotations

import os
import re
import xml.parsers.expat

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.firewall import ACCEPT, DROP, UNKNOWN, Firewall, FirewallRule
from rtclint.parsers.base import Tree, parse_error

# firewalld's /usr/lib/firewalld/services/<name>.xml for a few one-port services
_SERVICES = {"ssh": ("tcp", 22), "http": ("tcp", 80), "https": ("tcp", 443), "dhcpv6-client": ("udp", 546),
             "mdns": ("udp", 5353), "cockpit": ("tcp", 9090)}


class _Zone:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.target, self.span, self.rules, self.is_zone = None, None, [], False
        self._offsets = _byte_to_char(doc.text)

    def start(self, parser, name: str, attrs: dict) -> None:
        at = self._offsets(parser.CurrentByteIndex)
        span = self.doc.span(at, self.doc.text.find(">", at) + 1 or at + 1)
        if name == "zone":
            self.is_zone, self.span = True, span
            self.target = attrs.get("target", "default")
        elif name == "port":
            self.rules.append(_port_rule(attrs, span))
        elif name == "service":
            known = _SERVICES.get(attrs.get("name", ""))
            self.rules.append(FirewallRule(ACCEPT, span, known[0], ((known[1], known[1]),)) if known
                              else FirewallRule(UNKNOWN, span))
        elif name in ("rule", "forward-port"):  # rich rules: not evaluated
            self.rules.append(FirewallRule(UNKNOWN, span))


def _port_rule(attrs: dict, span) -> FirewallRule:
    protocol = attrs.get("protocol", "").lower()
    lo, _, hi = attrs.get("port", "").partition("-")
    if not lo.isdecimal() or hi and not hi.isdecimal() or protocol not in ("tcp", "udp", "sctp", "dccp"):
        return FirewallRule(UNKNOWN, span)
    return FirewallRule(ACCEPT, span, protocol, ((int(lo), int(hi or lo)),))


def _byte_to_char(text: str):
    """expat reports byte offsets of the UTF-8 text; spans count characters."""
    if text.isascii():
        return lambda offset: offset
    data = text.encode("utf-8")
    return lambda offset: len(data[:offset].decode("utf-8", "replace"))


def read(doc: Document, tree: Tree) -> FileFacts:
    facts = FileFacts(doc.path, subkind="firewalld")
    if not doc.path.endswith(".xml"):  # firewalld.conf: read by the zone files
        return facts
    zone = _Zone(doc)
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: zone.start(parser, name, attrs)
    try:
        parser.Parse(doc.text.encode("utf-8"), True)
    except xml.parsers.expat.ExpatError as err:
        at = doc.offset(err.lineno, 1) + err.offset  # expat's column counts from 0
        facts.diagnostics.append(parse_error(doc, at, f"not well-formed XML: {xml.parsers.expat.ErrorString(err.code)}"))
        return facts
    if zone.is_zone and _zone_name(doc) == _default_zone(doc, tree, facts):
        policy = ACCEPT if zone.target == "ACCEPT" else DROP if zone.target in ("default", "%%REJECT%%", "REJECT",
                                                                                "DROP") else None
        facts.firewalls.append(Firewall("firewalld", f"zone {_zone_name(doc)}", zone.span, policy,
                                        zone.rules, ordered=False))
    return facts


def _zone_name(doc: Document) -> str:
    return os.path.basename(doc.path)[: -len(".xml")]


def _default_zone(doc: Document, tree: Tree, facts: FileFacts) -> str:
    conf = os.path.join(os.path.dirname(os.path.dirname(doc.abspath)), "firewalld.conf")
    if tree.isfile(conf) and tree.inside(conf):
        other = tree.load(conf)
        if other is not None:
            facts.includes.append(other.path)
            m = re.search(r"^\s*DefaultZone\s*=\s*(\S+)", other.text, re.M)
            if m:
                return m.group(1)
    return "public"
