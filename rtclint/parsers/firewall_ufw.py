"""ufw's rule files, as ufw loads them with `iptables-restore -n`: `before.rules`,
`user.rules` (the `ufw allow` rules, each under a `### tuple ###` comment) and
`after.rules`, and their IPv6 twins. The kernel runs ufw-before-input, then
ufw-user-input, then ufw-after-input, then the default policy, so the files of one
folder make one Firewall group (model/firewall.py `merged`).

The default inbound policy is `DEFAULT_INPUT_POLICY` in /etc/default/ufw: read when the
tree holds it (`../default/ufw` from the rules folder, or beside them), else unknown.
`ENABLED=no` in ufw.conf beside the rules means ufw is off: no firewall.
"""

from __future__ import annotations

import os
import re

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.firewall import ACCEPT, DROP, Firewall
from rtclint.parsers.base import Tree
from rtclint.parsers.firewall_iptables import parse

_ORDER = {"before": 0, "user": 1, "after": 2}
_POLICY = re.compile(r'^\s*DEFAULT_INPUT_POLICY\s*=\s*"?(\w+)"?', re.M)
_DISABLED = re.compile(r'^\s*ENABLED\s*=\s*"?no"?\s*$', re.M | re.I)


def read(doc: Document, tree: Tree) -> FileFacts:
    name = os.path.basename(doc.path).lower()
    m = re.fullmatch(r"(before|user|after)(6?)\.rules", name)
    if m is None:  # /etc/default/ufw itself: read by the rule files
        return FileFacts(doc.path, subkind="ufw")
    table, problems = parse(doc)
    facts = FileFacts(doc.path, diagnostics=problems, subkind="ufw")
    if problems:
        return facts
    where, six = m.group(1), m.group(2)
    chain = f"ufw{six}-{where}-input"
    settings = _settings(doc, tree, facts)
    if settings is not None and _DISABLED.search(settings[1]):
        return facts
    policy, span = None, None
    defaults = _defaults(doc, tree, facts)
    if defaults is not None:
        pm = _POLICY.search(defaults.text)
        if pm is not None:
            policy = {"ACCEPT": ACCEPT, "DROP": DROP, "REJECT": DROP}.get(pm.group(1).upper())
            span = defaults.span(pm.start(1), pm.end(1))
    if chain not in table.policies:
        return facts
    start, end = table.policies[chain][1:]
    group = f"ufw{six}:{os.path.dirname(doc.path)}"
    facts.firewalls.append(Firewall("ufw", chain, span or doc.span(start, end), policy,
                                    table.rules.get(chain, []), group, _ORDER[where]))
    return facts


def _defaults(doc: Document, tree: Tree, facts: FileFacts) -> Document | None:
    folder = os.path.dirname(doc.abspath)
    for candidate in (os.path.join(os.path.dirname(folder), "default", "ufw"), os.path.join(folder, "ufw.default")):
        if tree.isfile(candidate) and tree.inside(candidate):
            other = tree.load(candidate)
            if other is not None:
                facts.includes.append(other.path)
                return other
    return None


def _settings(doc: Document, tree: Tree, facts: FileFacts) -> tuple[str, str] | None:
    candidate = os.path.join(os.path.dirname(doc.abspath), "ufw.conf")
    if tree.isfile(candidate) and tree.inside(candidate):
        other = tree.load(candidate)
        if other is not None:
            facts.includes.append(other.path)
            return other.path, other.text
    return None
