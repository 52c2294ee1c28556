"""A host firewall's inbound filter, whatever wrote it (nftables, ufw, iptables-save,
firewalld): a policy and the rules before it, each with where it is written.

Rules are kept only as far as rtclint can evaluate them for a new connection from the
internet to one local port. A rule that can never match such a packet (`ct state
established,related`, `iif lo`, ICMP) is left out by the parsers; a rule whose other
conditions rtclint cannot decide (source addresses, interfaces, jumps, named sets) is
`conditional`, and a question it could answer makes the answer unknown (None): rules
built on these answers stay quiet rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.document import Span

ACCEPT, DROP, UNKNOWN = "accept", "drop", "unknown"


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class FirewallRule:
    """One rule: a verdict for packets of `protocol` (None: any) to `ports` (inclusive
    ranges; None: any port)."""

    verdict: str  # ACCEPT, DROP (drop or reject) or UNKNOWN (a jump, a goto, a return)
    span: Span
    protocol: str | None = None
    ports: tuple[tuple[int, int], ...] | None = None
    conditional: bool = False  # it also tests something rtclint cannot decide

    def covers(self, protocol: str, port: int) -> bool:
        if self.protocol is not None and self.protocol != protocol:
            return False
        return self.ports is None or any(lo <= port <= hi for lo, hi in self.ports)


@dataclass(slots=True, eq=False, repr=False)
class Firewall:
    """One inbound filter chain (or zone): packets go through `rules` in order, then
    `policy` decides (None: unknown, e.g. ufw's default policy file is not in the tree)."""

    kind: str  # 'nftables', 'ufw', 'iptables', 'firewalld'
    name: str  # the chain or zone, as the message names it
    span: Span
    policy: str | None
    rules: list[FirewallRule] = field(default_factory=list)
    group: str = ""  # files that make one filter together (ufw's before/user/after rules)
    order: int = 0  # place within the group
    ordered: bool = True  # rules are tried in order (chains); False: any accept wins (firewalld zones)

    def admits(self, protocol: str, port: int) -> bool | None:
        """Whether a new inbound `protocol` connection to `port` is accepted: True, False
        or None when rtclint cannot tell."""
        if not self.ordered:
            return self._admits_unordered(protocol, port)
        for rule in self.rules:
            if not rule.covers(protocol, port):
                continue
            if rule.conditional or rule.verdict == UNKNOWN:
                return None
            return rule.verdict == ACCEPT
        return None if self.policy is None else self.policy == ACCEPT

    def _admits_unordered(self, protocol: str, port: int) -> bool | None:
        """A firewalld zone: a set of allowances, any of which lets the packet in."""
        covering = [rule for rule in self.rules if rule.covers(protocol, port)]
        if any(r.verdict == ACCEPT and not r.conditional for r in covering):
            return True
        if covering or self.policy is None:
            return None
        return self.policy == ACCEPT

    def decided_by(self, protocol: str, port: int) -> FirewallRule | None:
        """The rule that decides a connection to `port`, or None when the policy does."""
        return next((rule for rule in self.rules if rule.covers(protocol, port)), None)

    def first_dropped(self, protocol: str, first: int, last: int) -> tuple[int | None, bool]:
        """(the first port of `first`–`last` this firewall drops or None, whether some port
        of the range is unknown). Evaluates one port per stretch between rule bounds."""
        points = {first}
        for rule in self.rules:
            for lo, hi in rule.ports or ():
                points.update(p for p in (lo, hi + 1) if first < p <= last)
        unknown = False
        for port in sorted(points):
            answer = self.admits(protocol, port)
            if answer is False:
                return port, unknown
            unknown = unknown or answer is None
        return None, unknown

    def accepted(self):
        """(rule, protocol or None, (lo, hi)) for every port range a rule accepts."""
        for rule in self.rules:
            if rule.verdict == ACCEPT:
                for lo, hi in rule.ports or ():
                    yield rule, rule.protocol, (lo, hi)


def merged(firewalls: list[Firewall]) -> list[Firewall]:
    """One Firewall per group: ufw's before.rules, user.rules and after.rules are one
    chain sequence with the policy at the end (the last known policy of the group)."""
    out, groups = [], {}
    for fw in firewalls:
        if not fw.group:
            out.append(fw)
        else:
            groups.setdefault(fw.group, []).append(fw)
    for members in groups.values():
        members.sort(key=lambda f: f.order)
        main = next((f for f in members if f.order == 1), members[0])  # ufw: the `ufw allow` chain
        policy = next((f.policy for f in reversed(members) if f.policy is not None), None)
        out.append(Firewall(main.kind, main.name, main.span, policy,
                            [r for f in members for r in f.rules], main.group, main.order, main.ordered))
    return out
