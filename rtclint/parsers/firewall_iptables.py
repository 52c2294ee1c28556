"""`iptables-save` files (`rules.v4`, `rules.v6`), as `iptables-restore` reads them:
`*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN match... -j TARGET`, `COMMIT`. The filter
table's INPUT chain becomes a Firewall. ufw's rule files use the same syntax
(firewall_ufw.py reads them with `chain_rules`).

A line iptables-restore refuses (no table, no COMMIT, an unknown line) is RTC001.
Matches rtclint does not evaluate make a rule `conditional`; see model/firewall.py.
"""

from __future__ import annotations

import re
import shlex

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.firewall import ACCEPT, DROP, UNKNOWN, Firewall, FirewallRule
from rtclint.parsers.base import Tree, parse_error

_VERDICTS = {"ACCEPT": ACCEPT, "DROP": DROP, "REJECT": DROP}
# Targets that do not end the chain: the packet goes on to the next rule.
_PASS_THROUGH = {"LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "AUDIT"}
# ufw's own helper chains that never stop a new unicast connection to this host:
# logging, and ufw-not-local (drops packets whose destination is not a local address).
_HARMLESS_CHAINS = re.compile(r"^ufw6?-(not-local|logging-\w+|user-logging-\w+|before-logging-\w+|"
                              r"after-logging-\w+|user-limit-accept)$")
_NEVER_NEW = {"ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"}
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "6": "tcp", "17": "udp"}


class Table:
    """What one file says: chain -> (policy or None, policy offset), and the rules by chain."""

    def __init__(self) -> None:
        self.policies: dict[str, tuple[str | None, int, int]] = {}  # policy, its start and end
        self.rules: dict[str, list[FirewallRule]] = {}


def parse(doc: Document) -> tuple[Table, list]:
    """The filter table of an iptables-save file, and RTC001 diagnostics."""
    table, problems = Table(), []
    current, start = None, 0
    pos = 0
    for raw in doc.text.splitlines(keepends=True):
        line = raw.strip()
        col = pos + len(raw) - len(raw.lstrip())
        if not line or line.startswith("#"):
            pass
        elif line.startswith("*"):
            if current is not None:
                problems.append(parse_error(doc, col, f"table `{current}` is not closed by COMMIT"))
            current, start = line[1:], col
        elif current is None:
            problems.append(parse_error(doc, col, "expected `*table` (e.g. `*filter`) before this line"))
        elif line == "COMMIT":
            current = None
        elif line.startswith(":"):
            _chain_line(doc, line, col, current, table, problems)
        elif line.startswith(("-A ", "-I ", "--append ")):
            if current == "filter":
                _rule_line(doc, line, col, len(line), table, problems)
        else:
            problems.append(parse_error(doc, col, "expected `:CHAIN POLICY`, `-A CHAIN ...` or COMMIT",
                                        end=col + len(line)))
        pos += len(raw)
    if current is not None:
        problems.append(parse_error(doc, start, f"table `{current}` is not closed by COMMIT (iptables-restore "
                                    "applies nothing)", end=start + len(current) + 1))
    return table, problems


def _chain_line(doc, line, col, current, table, problems) -> None:
    parts = line[1:].split()
    if len(parts) < 2:
        problems.append(parse_error(doc, col, "expected `:CHAIN POLICY [packets:bytes]`", end=col + len(line)))
        return
    if current == "filter":
        policy = {"ACCEPT": ACCEPT, "DROP": DROP}.get(parts[1])
        at = col + line.index(parts[1], len(parts[0]) + 1)
        table.policies[parts[0]] = (policy, at, at + len(parts[1]))


def _rule_line(doc, line, col, length, table, problems) -> None:
    try:
        words = shlex.split(line, comments=False)
    except ValueError:
        problems.append(parse_error(doc, col, "unterminated quote", end=col + length))
        return
    if len(words) < 2:
        problems.append(parse_error(doc, col, "expected a chain name after -A", end=col + length))
        return
    rule = rule_from_words(words[2:], doc.span(col, col + length))
    if rule is not None:
        table.rules.setdefault(words[1], []).append(rule)


def rule_from_words(words: list[str], span) -> FirewallRule | None:
    """One rule's matches and target; None when it never decides a new inbound connection
    (a LOG rule, loopback, established traffic)."""
    protocol, ports, conditional, target = None, None, False, None
    i, negate = 0, False
    while i < len(words):
        word, arg = words[i], words[i + 1] if i + 1 < len(words) else ""
        if word == "!":
            negate, i = True, i + 1
            continue
        if word in ("-p", "--protocol"):
            protocol = _PROTOCOLS.get(arg.lower(), arg.lower())
            conditional |= negate
        elif word in ("--dport", "--destination-port", "--dports", "--destination-ports"):
            ports = _ports(arg)
            ports = _complement(ports) if negate and ports else ports
            conditional |= ports is None
        elif word in ("-i", "--in-interface"):
            if arg == "lo" and not negate:
                return None
            conditional = True
        elif word in ("--ctstate", "--state"):
            states = set(arg.upper().split(","))
            if not negate and states <= _NEVER_NEW:
                return None
            conditional |= not ("NEW" in states and not negate)
        elif word in ("-m", "--match", "--comment", "-c", "--set-counters"):
            i += 3 if word in ("-c", "--set-counters") else 2
            negate = False
            continue
        elif word in ("-j", "--jump", "-g", "--goto"):
            target = arg
            break  # what follows are the target's options (--reject-with, --log-prefix)
        elif word.startswith("-"):
            conditional = True  # a match rtclint does not evaluate (addresses, limits, ...)
            i, negate = i + 1, False  # its arguments are skipped as stray words below
            continue
        else:
            i += 1  # an option's further argument
            continue
        i, negate = i + 2, False
    if protocol is not None and protocol not in ("tcp", "udp", "all"):
        return None  # ICMP and other protocols never carry media
    protocol = None if protocol == "all" else protocol
    if target is None or target in _PASS_THROUGH or _HARMLESS_CHAINS.match(target):
        return None
    verdict = _VERDICTS.get(target, UNKNOWN)
    return FirewallRule(verdict, span, protocol, ports, conditional)


def _complement(ranges) -> tuple[tuple[int, int], ...]:
    """The ports `! --dport` matches."""
    out, start = [], 0
    for lo, hi in sorted(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = max(start, hi + 1)
    return tuple(out + ([(start, 65535)] if start <= 65535 else []))


def _ports(text: str) -> tuple[tuple[int, int], ...] | None:
    out = []
    for part in text.split(","):
        m = re.fullmatch(r"(\d+)(?::(\d+))?", part.strip())
        if m is None:
            return None  # a service name: /etc/services is not the tree's
        out.append((int(m.group(1)), int(m.group(2) or m.group(1))))
    return tuple(out)


def read(doc: Document, tree: Tree) -> FileFacts:
    table, problems = parse(doc)
    facts = FileFacts(doc.path, diagnostics=problems, subkind="iptables")
    if "INPUT" in table.policies and not problems:
        policy, start, end = table.policies["INPUT"]
        facts.firewalls.append(Firewall("iptables", "INPUT", doc.span(start, end), policy,
                                        table.rules.get("INPUT", [])))
    return facts
