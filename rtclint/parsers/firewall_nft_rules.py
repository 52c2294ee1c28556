"""One nftables rule, as far as it decides a new inbound TCP/UDP connection to one port:
`tcp dport 7881 accept`, `udp dport { 3478, 50000-60000 } accept`, `th dport`,
`meta l4proto { tcp, udp }`, `ct state established,related accept`, `iif lo accept`,
`reject`, `jump`. Anything else it tests makes the rule `conditional` (model/firewall.py).
"""

from __future__ import annotations

import re

from rtclint.model.firewall import ACCEPT, DROP, UNKNOWN, FirewallRule

_NEVER_NEW = {"established", "related", "invalid", "untracked"}
_ICMP = {"icmp", "icmpv6", "ipv6-icmp", "igmp"}
_SERVICES = {"ssh": 22, "http": 80, "https": 443, "domain": 53, "smtp": 25}
# words that neither match nor decide: statements with their arguments
_NOOP_WITH_ARGS = {"prefix": 1, "level": 1, "packets": 1, "bytes": 1, "group": 1, "comment": 1, "flags": 1}
_NOOP = {"counter", "log", "notrack", "meta", "continue"}


def values(item, toks, defines) -> list[str] | None:
    """The words of a value: one word, a `{ a, b-c }` set, or a `$define`; None for a
    named set (`@name`) or an undefined variable."""
    if len(item) == 4:  # a `{ ... }` body: its words, commas dropped
        return [t for t, _at in toks[item[1]:item[2]] if t not in (",", "\n")]
    word = item[0]
    if word.startswith("$"):
        return defines.get(word[1:])
    if word.startswith("@"):
        return None
    return [w for w in word.split(",") if w]


def define_value(stmt, toks, defines) -> list[str] | None:
    """What `define NAME = VALUE` binds, as the words `values` returns."""
    out = []
    for item in stmt:
        got = values(item, toks, defines)
        if got is None:
            return None
        out += got
    return out


def port_ranges(words: list[str] | None) -> tuple[tuple[int, int], ...] | None:
    out = []
    for word in words or [None]:
        if word is None:
            return None
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", word)
        if m:
            out.append((int(m.group(1)), int(m.group(2) or m.group(1))))
        elif word in _SERVICES:
            out.append((_SERVICES[word], _SERVICES[word]))
        else:
            return None
    return tuple(out)


def rule_from_tokens(stmt, defines, doc, toks) -> FirewallRule | None:
    """The rule a statement makes, or None when it never decides a new connection."""
    if not stmt:
        return None
    words = [item[0] if len(item) == 2 else "{" for item in stmt]
    protocol, ports, conditional, verdict = None, None, False, None
    i = 0
    while i < len(stmt) and verdict is None:
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("tcp", "udp", "th") and nxt == "dport":
            j = i + 2 + (words[i + 2:i + 3] in (["=="], ["!="]))
            if j >= len(stmt) or words[j - 1] == "!=" or words[j] == "vmap":
                conditional = True
            else:
                ports = port_ranges(values(stmt[j], toks, defines))
                conditional |= ports is None
            protocol = None if word == "th" else word
            i = j + 1
            continue
        if word in ("ip", "ip6") and nxt in ("protocol", "nexthdr"):
            i += 1
            continue
        if word in ("l4proto", "protocol", "nexthdr") and i + 1 < len(stmt):
            protos = set(values(stmt[i + 1], toks, defines) or ["?"])
            if protos <= _ICMP:
                return None
            if protos <= {"tcp", "udp"}:
                protocol = protos.pop() if len(protos) == 1 else protocol
            else:
                conditional = True
            i += 2
            continue
        if word == "ct" and nxt == "state" and i + 2 < len(stmt):
            states = set(values(stmt[i + 2], toks, defines) or ["?"])
            if words[i + 2] == "vmap" or states <= _NEVER_NEW:
                return None
            conditional |= "new" not in states
            i += 3
            continue
        if word in ("iif", "iifname") and i + 1 < len(stmt):
            if nxt.strip('"') == "lo":
                return None
            conditional, i = True, i + 2
            continue
        if word in _ICMP and i == 0 or word in ("icmp", "icmpv6"):
            return None
        if word in ("accept", "drop", "reject", "jump", "goto", "return", "queue"):
            verdict = {"accept": ACCEPT, "drop": DROP, "reject": DROP}.get(word, UNKNOWN)
            break
        if word == "vmap":
            verdict = UNKNOWN
            break
        if word in _NOOP_WITH_ARGS:
            i += 1 + _NOOP_WITH_ARGS[word]
            continue
        if word not in _NOOP:
            conditional = True  # addresses, marks, limits, ... rtclint does not decide them
        i += 1
    if verdict is None:
        return None
    end = stmt[-1]
    last = end[1] + len(end[0]) if len(end) == 2 else toks[end[2]][1] + 1
    first = stmt[0][1] if len(stmt[0]) == 2 else stmt[0][3]
    return FirewallRule(verdict, doc.span(first, last), protocol, ports, conditional)
