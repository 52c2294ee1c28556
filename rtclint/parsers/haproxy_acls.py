"""HAProxy ACLs and `if`/`unless` conditions → path matchers and the facts the answer model
evaluates: named `acl` lines and anonymous `{ … }` ACLs, their fetch, flags (`-i`, `-m`)
and values; a condition's path matcher, host ACLs, and its OR-of-ANDs form
(model/answer_haproxy.py decides what it can of it and answers unknown for the rest)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rtclint.document import Span
from rtclint.model.proxy import PathMatch
from rtclint.parsers.haproxy_config import Section
from rtclint.parsers.haproxy_lexer import Line

HOST_FETCHES = re.compile(r"^(req\.)?hdr(_dom|_beg|_end|_reg|_sub|_str)?\((host)\)(,lower)?$", re.I)
PATH_FETCHES = {"path": "exact", "path_beg": "prefix", "path_end": "end", "path_reg": "regex", "path_sub": "sub",
                "path_dir": "prefix", "path,lower": "exact"}
_MATCH_FLAGS = {"-m": 1, "-i": 0, "-f": 1, "-M": 0, "-n": 0, "-u": 1, "--": 0}


@dataclass
class Acl:
    """A named HAProxy ACL: the fetch, the values and how they match."""

    name: str
    fetch: str
    values: list[str]
    ci: bool
    method: str  # -m value or ''
    span: Span


def section_acls(section: Section, line_span: Callable[[Line], Span]) -> dict[str, list[Acl]]:
    """The named ACLs of a section (a name may be defined on several lines: they OR)."""
    found: dict[str, list[Acl]] = {}
    for line in section.find("acl"):
        words = line.args()
        if len(words) < 2:
            continue
        found.setdefault(words[0], []).append(parse_acl(words[0], words[1:], line_span(line)))
    return found


def parse_acl(name: str, words: list[str], span: Span) -> Acl:
    fetch, rest = words[0], words[1:]
    ci, method, values = False, "", []
    i = 0
    while i < len(rest) and rest[i].startswith("-") and rest[i] in _MATCH_FLAGS:
        if rest[i] == "-i":
            ci = True
        if rest[i] == "-m" and i + 1 < len(rest):
            method = rest[i + 1]
        if rest[i] == "--":
            i += 1
            break
        i += 1 + _MATCH_FLAGS[rest[i]]
    values = rest[i:]
    return Acl(name, fetch.lower(), values, ci, method, span)


def condition(words: list[str], acls: dict[str, list[Acl]], span: Span) -> tuple[PathMatch, dict]:
    """The path matcher and facts (hosts, unknown ACLs) of an `if`/`unless` condition."""
    facts: dict = {}
    if "if" in words:
        cond, unless = words[words.index("if") + 1:], False
    elif "unless" in words:
        cond, unless = words[words.index("unless") + 1:], True
    else:
        return PathMatch("any"), facts
    facts["condition"] = " ".join(cond)
    found = terms(cond, acls, span.path)
    matcher = PathMatch("any")
    hosts: list[str] = []
    unknown = []
    for negated, group in found:
        if group is None:
            unknown.append(negated)
            continue
        for acl in group:
            if HOST_FETCHES.match(acl.fetch) or acl.fetch in ("hdr(host)", "req.hdr(host)"):
                if not negated:
                    hosts += [v.lower() for v in acl.values]
            elif acl.fetch in PATH_FETCHES or acl.fetch.startswith("path"):
                matcher = path_matcher(group, negated != unless, span)
                break
            else:
                facts.setdefault("unmodelled", []).append(acl.fetch)
    if unknown:
        facts["unknown_acls"] = unknown
    if hosts:
        facts["hosts"] = list(dict.fromkeys(hosts))
    if any(w in ("||", "or") for w in cond):
        facts["or"] = True
    facts["cond"] = (unless, or_groups(cond, acls, span.path))
    return matcher, facts

def or_groups(cond: list[str], acls: dict[str, list[Acl]], span_path: str = "") -> list[list[tuple]]:
    """The condition as HAProxy evaluates it: OR of groups, each an AND of terms
    (negated, ((fetch, values, -i, -m method), …) or None for an unknown ACL name); the
    answer model evaluates what it can (model/answer_haproxy.py)."""
    groups: list[list[tuple]] = [[]]
    start = 0
    for i, word in enumerate([*cond, "||"]):
        if word in ("||", "or"):
            for negated, group in terms(cond[start:i], acls, span_path):
                if group is None:
                    groups[-1].append((False, None))
                else:
                    groups[-1].append((negated, tuple((a.fetch, tuple(a.values), a.ci, a.method) for a in group)))
            groups.append([])
            start = i + 1
    return [g for g in groups if g]

def terms(cond: list[str], acls: dict[str, list[Acl]], span_path: str = "") -> list[tuple]:
    """(negated, [Acl] or None) per ACL in the condition; anonymous `{ … }` ACLs too."""
    out: list[tuple] = []
    i = 0
    while i < len(cond):
        word = cond[i]
        negated = word.startswith("!")
        word = word[1:] if negated else word
        if word == "" and i + 1 < len(cond):
            i += 1
            word = cond[i]
        if word == "{":
            close = cond.index("}", i) if "}" in cond[i:] else len(cond)
            inner = cond[i + 1:close]
            if inner:
                out.append((negated, [parse_acl("", inner, Span(span_path, 0, 0))]))
            i = close + 1
            continue
        if word in ("||", "or", "&&", "and"):
            i += 1
            continue
        group = acls.get(word)
        out.append((negated, group) if group is not None else (word, None))
        i += 1
    return out

def path_matcher(group: list[Acl], negated: bool, span: Span) -> PathMatch:
    acl = group[0]
    kind = PATH_FETCHES.get(acl.fetch, "exact")
    if acl.method:
        kind = {"beg": "prefix", "str": "exact", "reg": "regex", "end": "end", "sub": "sub",
                "dir": "prefix", "found": "any"}.get(acl.method, kind)
    values = [v for a in group for v in a.values]
    if kind == "end":
        kind, values = "regex", [re.escape(v) + "$" for v in values]
    elif kind == "sub":
        kind, values = "regex", [re.escape(v) for v in values]
    return PathMatch(kind, tuple(values), group[0].span, case_insensitive=any(a.ci for a in group),
                     negated=negated)
