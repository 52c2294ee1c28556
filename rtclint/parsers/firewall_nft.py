"""nftables rulesets (`nftables.conf`, `*.nft`), as `nft -f` reads them: tables and
chains in block form or as `add` commands, `define`, `include`. Every base chain with
`hook input` in an ip, ip6 or inet table becomes a Firewall (a packet must pass each).

Lexing follows nft's scanner for what matters here: `#` comments, quoted strings,
`{ }` blocks, `;` and newlines ending statements (not inside `{ }` sets), `\\` line
continuations. Unbalanced braces, an unterminated string and an unknown command are
RTC001 (nft refuses them too); an include that matches nothing is RTC003.
"""

from __future__ import annotations

import os
import re

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.firewall import Firewall
from rtclint.parsers.base import Tree, include_not_found, parse_error
from rtclint.parsers.firewall_nft_rules import define_value, rule_from_tokens

_TOKEN = re.compile(r'"[^"\n]*"|[{};,\n]|[^\s{};,#"]+|#[^\n]*|\\\n|[ \t\r]+|"')
_COMMANDS = {"table", "add", "create", "insert", "replace", "delete", "destroy", "flush", "list", "reset",
             "define", "redefine", "undefine", "include", "chain", "rule", "set", "map", "element", "describe"}
_FAMILIES = {"ip", "ip6", "inet", "arp", "bridge", "netdev"}


def tokens(doc: Document, problems: list) -> list[tuple[str, int]]:
    """(text, offset) of every token; comments and blanks dropped, newlines kept."""
    out = []
    for m in _TOKEN.finditer(doc.text):
        text = m.group()
        if text == '"':
            problems.append(parse_error(doc, m.start(), "unterminated string"))
        elif text[0] not in " \t\r#\\":
            out.append((text, m.start()))
    return out


class Reader:
    def __init__(self, doc: Document, tree: Tree, facts: FileFacts, defines: dict, depth: int = 0) -> None:
        self.doc, self.tree, self.facts, self.defines, self.depth = doc, tree, facts, defines, depth
        self.problems = facts.diagnostics if depth == 0 else []
        self.incomplete = False  # an include rtclint cannot read: the ruleset is not all here

    def run(self) -> None:
        toks = self.toks = tokens(self.doc, self.problems)
        for stmt in self.statements(toks, 0, len(toks)):
            self.top(stmt)

    def statements(self, toks, start: int, end: int):
        """Statements between start and end: lists of tokens, a `{ ... }` body kept as a
        ('{', inner start, inner end) item so callers can descend."""
        stmt, i = [], start
        while i < end:
            text, at = toks[i]
            if text in (";", "\n"):
                if stmt:
                    yield stmt
                stmt, i = [], i + 1
                continue
            if text == "}":
                self.problems.append(parse_error(self.doc, at, "unexpected `}`"))
                i += 1
                continue
            if text == "{":
                close = self.matching(toks, i, end)
                if close is None:
                    self.problems.append(parse_error(self.doc, at, "`{` is never closed"))
                    return
                stmt.append(("{", i + 1, close, at))
                i = close + 1
                continue
            stmt.append((text, at))
            i += 1
        if stmt:
            yield stmt

    @staticmethod
    def matching(toks, i: int, end: int) -> int | None:
        depth = 0
        for j in range(i, end):
            if toks[j][0] == "{":
                depth += 1
            elif toks[j][0] == "}":
                depth -= 1
                if depth == 0:
                    return j
        return None

    def top(self, stmt) -> None:
        words = [t[0] if len(t) == 2 else "{" for t in stmt]
        head, at = words[0], stmt[0][1] if len(stmt[0]) == 2 else stmt[0][3]
        if head not in _COMMANDS:
            self.problems.append(parse_error(self.doc, at, f"unknown command `{head}`", end=at + len(head)))
            return
        if head == "include" and len(words) > 1:
            self.include(stmt[1][0].strip('"'), self.doc.span(at, stmt[1][1] + len(stmt[1][0])))
        elif head in ("define", "redefine") and len(words) > 3 and words[2] == "=":
            self.defines[words[1]] = define_value(stmt[3:], self.toks, self.defines)
        elif head == "table" and stmt[-1][0] == "{":
            family = words[1] if len(words) > 3 and words[1] in _FAMILIES else "ip"
            self.table(family, stmt[-1])
        elif head in ("add", "create") and len(words) > 1 and words[1] == "chain" and stmt[-1][0] == "{":
            family = words[2] if words[2] in _FAMILIES else "ip"
            self.chain(family, words[-2], stmt[-1], stmt[0][1])
        elif head in ("add", "insert") and len(words) > 4 and words[1] == "rule":
            self.command_rule(stmt, words)

    def include(self, pattern: str, span) -> None:
        base = os.path.dirname(self.doc.abspath)
        found = [p for p in self.tree.glob(pattern, base) if self.tree.inside(p)] if self.depth < 8 else []
        if not found:
            # /etc/nftables.d/*.nft names the host's files, which a repository may not hold
            if not pattern.startswith("/etc/"):
                self.facts.diagnostics.append(include_not_found(self.doc, span, pattern))
            self.incomplete = True
            return
        for path in found:
            other = self.tree.load(path)
            if other is not None:
                self.facts.includes.append(other.path)
                child = Reader(other, self.tree, self.facts, self.defines, self.depth + 1)
                child.run()
                self.incomplete = self.incomplete or child.incomplete or bool(child.problems)

    def table(self, family: str, body) -> None:
        for stmt in self.statements(self.toks, body[1], body[2]):
            if stmt[0][0] == "chain" and len(stmt) >= 3 and stmt[-1][0] == "{":
                self.chain(family, stmt[1][0], stmt[-1], stmt[0][1])

    def chain(self, family: str, name: str, body, at: int) -> None:
        toks = self.toks
        hook, policy, policy_span, rules = None, "accept", None, []
        for stmt in self.statements(toks, body[1], body[2]):
            words = [t[0] for t in stmt if len(t) == 2]
            if words[:2] == ["type", "filter"] and "hook" in words:  # nat/route chains do not filter
                hook = words[words.index("hook") + 1] if words.index("hook") + 1 < len(words) else None
            elif words[:1] == ["policy"] and len(stmt) > 1:
                policy, policy_span = ("drop" if words[1] == "drop" else "accept"), self._span(stmt)
            elif words[:1] not in (["comment"], ["devices"], ["priority"]):
                rule = rule_from_tokens(stmt, self.defines, self.doc, toks)
                if rule is not None:
                    rules.append(rule)
        if hook == "input" and family in ("ip", "ip6", "inet"):
            span = policy_span or self.doc.span(at, at + len("chain"))
            self.facts.firewalls.append(Firewall("nftables", name, span, policy, rules))

    def command_rule(self, stmt, words) -> None:
        family = words[2] if words[2] in _FAMILIES else "ip"
        chain = words[4] if family == words[2] else words[3]
        rest = stmt[5:] if family == words[2] else stmt[4:]
        rule = rule_from_tokens(rest, self.defines, self.doc, self.toks)
        for fw in self.facts.firewalls:
            if isinstance(fw, Firewall) and fw.name == chain and rule is not None:
                fw.rules.append(rule)

    def _span(self, stmt):
        first, last = stmt[0], stmt[-1]
        return self.doc.span(first[1], last[1] + len(last[0]))


def read(doc: Document, tree: Tree) -> FileFacts:
    facts = FileFacts(doc.path, subkind="nftables")
    reader = Reader(doc, tree, facts, {})
    reader.run()
    if reader.incomplete or any(d.code == "RTC001" for d in facts.diagnostics):
        facts.firewalls = []  # nft would load nothing, or rtclint cannot see all of it
    return facts
