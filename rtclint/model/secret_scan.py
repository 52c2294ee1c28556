"""Secrets found by reading a text itself (no parser: the model never imports one), so the
masking holds in files no reader understood: `NAME: value` lines whose name says secret,
LiveKit `keys:` maps and `LIVEKIT_KEYS`, Kubernetes Secrets' `data`/`stringData`, PEM
private keys, tokens in proxy headers. Each finding goes into a `secrets.Secrets`
(`found.add(path, start, value)`)."""

from __future__ import annotations

import functools
import re

from rtclint.model.secret_names import (
    AUTH_WORDS,
    HEADER_WORDS,
    NAMED_WORDS,
    PROXY_KINDS,
    _may_match,
    _rx,
    _unquote,
    is_secret_name,
)


def _scan(path: str, kind: str, text: str, found) -> None:
    lowered = text.lower() if text.isascii() else None
    named = None  # the words of NAMED_WORDS the text holds, once searched
    if lowered is not None:  # exact on ASCII text: see `_scan_named_ascii`
        named = _scan_named_ascii(path, text, lowered, found)
    elif _rx().maybe_named.search(text):  # other texts: every line, as the pattern asks
        _scan_named(path, text, found)
    if "Secret" in text:  # a Kubernetes Secret says `kind: Secret`
        for section_start, section in _yaml_sections(text):
            if _rx().k8s_secret.search(section):
                _scan_k8s_secret(path, section_start, section, found)
    for m in _rx().pem.finditer(text) if "PRIVATE KEY-----" in text else ():
        offset = m.start(1)
        for line in m.group(1).split("\n"):
            if line.strip():
                found.add(path, offset + len(line) - len(line.lstrip()), line.strip())
            offset += len(line) + 1
    if kind in PROXY_KINDS:
        for regex, words in ((_rx().auth_scheme, AUTH_WORDS), (_rx().token_header, HEADER_WORDS)):
            for m in regex.finditer(text) if _may_match(lowered, words, named) else ():
                found.add(path, m.start(1), m.group(1))


def _scan_named(path: str, text: str, found) -> None:
    """`NAME: value` / `NAME=value` lines whose name (or parent's name, for ESS
    `secret: {value: …}` and LiveKit `keys:`) says secret; Kubernetes `- name: X` then
    `value: …`. Every line is read: the reference `_scan_named_ascii` must equal."""
    parents: list[tuple[int, str]] = []  # (indent, name) of the enclosing YAML keys
    pending_name: str | None = None  # a `- name: LIVEKIT_SECRET` waiting for its `value:`
    # Only the lines the pattern matches count, so one search over the text finds them (no
    # part of the pattern crosses a line break) without a Python step for every other line.
    # The text gets a leading line break so its first line is found too: offsets are one less.
    for m in _rx().lines.finditer("\n" + text):
        lead, name, raw = m.groups()
        indent = len(lead)
        if "-" in lead:  # a list item: a new entry, no name waiting for its value
            pending_name = None
        while parents and parents[-1][0] >= indent:
            parents.pop()
        raw = raw.rstrip()
        if raw:
            parent = parents[-1][1] if parents else ""
            # `_maybe_add`'s own first test, asked here so that most lines cost no call
            if raw[0] != "#" and (_may_hold_secret(name) or parent == "keys"):
                _maybe_add(path, m.start(3) - 1, name, parent, raw, pending_name, found)
            if name == "name" and _secret_list_name(raw) is not None:
                pending_name = _secret_list_name(raw)
        else:
            parents.append((indent, name))


def _scan_named_ascii(path: str, text: str, lowered: str, found) -> set[str]:
    """`_scan_named`'s secrets of an ASCII text, reading only the lines that can decide
    one. Why it is fast: a Kubernetes manifest has a hundred `name: value` lines and
    perhaps one that matters; `_scan_named` steps through each in Python (most of the
    scrubbing's time), here C's substring search finds the few holding a secret word.

    Why it is the same: a line's value is secret by its own name (a secret name,
    `LIVEKIT_KEYS`), or, for `value:` lines and the entries of `keys:`, by state that
    only such lines start: a `- name: <secret name>` (its item's `value:` lines, until
    the next list item) or a key without a value named `keys` or a secret name (its
    block's lines, whose parent is decided within that block alone). Every one of these
    lines holds a secret word in its name or, for `name:`, its value (on ASCII text the
    lower-cased name holds it: `is_secret_name` reads words of the lower-cased name), so
    the lines without any are never read. `tests/test_secret_scan_equivalence.py` holds
    it to `_scan_named` on random, real and bench texts. Returns the words of
    NAMED_WORDS the text holds."""
    buf = "\n" + text  # as `_scan_named` searches it: a line is matched from its line break
    lines = _rx().lines
    chosen: dict[int, re.Match] = {}  # line start in buf → the line, whose value is secret
    blocks, items = [], []  # keys opening a block that decides; `- name: <secret>` lines
    starts, named = _word_lines(lowered)
    for start in starts:
        m = lines.match(buf, start)
        if m is None:
            continue
        name, raw = m.group(2), m.group(3).rstrip()
        if not raw:
            if name == "keys" or is_secret_name(name):
                blocks.append(m)
            continue
        if raw[0] != "#" and (is_secret_name(name) or name.upper() == "LIVEKIT_KEYS"):
            chosen[start] = m
        if name == "name" and _secret_list_name(raw) is not None:
            items.append(m)
    walked = 0  # a block inside one already walked was decided there
    for m in blocks:
        if m.start() >= walked:
            walked = _walk_block(m, buf, chosen)
    for i, m in enumerate(items):
        # up to the next such line: from there on, that one's walk decides alike
        _walk_item(m, buf, items[i + 1].start() if i + 1 < len(items) else len(buf), chosen)
    for start in sorted(chosen):
        m = chosen[start]
        _add_value(path, m.start(3) - 1, m.group(2), m.group(3).rstrip(), found)
    return named


def _word_lines(lowered: str) -> tuple[list[int], set[str]]:
    """The starts (offsets in "\n" + text: the line break before each) of the lines
    holding a word of NAMED_WORDS, in order, and the words found; C's substring search
    does the reading."""
    starts, named = set(), set()
    for word in NAMED_WORDS:
        at = lowered.find(word)
        if at >= 0:
            named.add(word)
        if word == "pass" and at >= 0 and _only_proxy_pass(lowered):
            continue
        while at >= 0:
            starts.add(lowered.rfind("\n", 0, at) + 1)
            end = lowered.find("\n", at)  # the line is chosen: its other words add nothing
            at = lowered.find(word, end) if end >= 0 else -1
    return sorted(starts), named


def _only_proxy_pass(lowered: str) -> bool:
    """Whether every "pass" of the text is that of an nginx `proxy_pass` directive
    opening its line (after blanks): such a line is never read, since its name, if it is
    a `NAME: value` line at all, is proxy_pass (not secret: NOT_SECRET_NAMES); its other
    words, if any, choose it anyway. Why: a proxy config has a proxy_pass in every
    location, and each would cost a Python step; counting is two C searches."""
    count = lowered.count("pass")
    found = len(_rx().proxy_pass_line.findall(lowered))
    found += _rx().proxy_pass_first.match(lowered) is not None
    return found == count


def _walk_block(opening: re.Match, buf: str, chosen: dict) -> int:
    """The lines of the block a key without a value opens (until a line indented no
    deeper), with their parents as `_scan_named` keeps them: chosen when the parent is
    `keys` or, for `value:`, a secret name. Returns where the block ends."""
    floor = len(opening.group(1))
    parents = [(floor, opening.group(2))]  # never popped: the block's lines are deeper
    for m in _rx().lines.finditer(buf, opening.end()):
        lead, name, raw = m.groups()
        indent = len(lead)
        if indent <= floor:
            return m.start()
        while parents[-1][0] >= indent:
            parents.pop()
        raw = raw.rstrip()
        if not raw:
            parents.append((indent, name))
        elif raw[0] != "#":
            parent = parents[-1][1]
            if (parent == "keys" and name != "keys") or (name == "value" and is_secret_name(parent)):
                chosen[m.start()] = m
    return len(buf)


def _walk_item(item: re.Match, buf: str, end: int, chosen: dict) -> None:
    """The `value:` lines after a `- name: <secret name>` line up to the next list item
    (or `end`): chosen, as `_scan_named`'s waiting name makes them."""
    for m in _rx().lines.finditer(buf, item.end(), end):
        lead, name, raw = m.groups()
        if "-" in lead:
            return
        if name == "value":
            raw = raw.rstrip()
            if raw and raw[0] != "#":
                chosen[m.start()] = m


@functools.lru_cache(maxsize=4096)  # a tree repeats its setting names many times over
def _may_hold_secret(name: str) -> bool:
    """Whether a `name: value` line may hold a secret by its name alone (or by its parent's
    or its `- name:`'s, for `value`): `_maybe_add`'s first test, one cached call a line."""
    return is_secret_name(name) or name == "value" or name.upper() == "LIVEKIT_KEYS"


@functools.lru_cache(maxsize=4096)
def _secret_list_name(raw: str) -> str | None:
    """The name a `- name: …` line gives its list item when that name says secret (its
    `value:` follows), else None; cached: Kubernetes manifests repeat their names."""
    name = _unquote(raw)
    return name if is_secret_name(name) else None


def _maybe_add(path: str, start: int, name: str, parent: str, raw: str, pending: str | None,
               found) -> None:
    secret = is_secret_name(name) or (name == "value" and (is_secret_name(parent) or pending is not None))
    if parent == "keys" and name != "keys":  # LiveKit's `keys:` map: key name → secret
        secret = True
    if secret or name.upper() == "LIVEKIT_KEYS":  # most lines: decided by the name alone
        _add_value(path, start, name, raw, found)


def _add_value(path: str, start: int, name: str, raw: str, found) -> None:
    """The secret of a `name: raw` line whose value is secret (`raw` written at `start`)."""
    value = _unquote(raw)
    lead = raw.find(value) if value else 0
    if name.upper() == "LIVEKIT_KEYS":  # "key: secret, key2: secret2"
        pos = 0
        for part in value.split(","):
            if ":" in part:
                head, tail = part.split(":", 1)
                found.add(path, start + lead + pos + len(head) + 1 + len(tail) - len(tail.lstrip()), tail)
            pos += len(part) + 1
        return
    if value:
        found.add(path, start + max(lead, 0), value)


def _scan_all_values(path: str, text: str, found) -> None:
    """A LiveKit key file: `key: secret` lines (or bare secrets)."""
    offset = 0
    for line in text.split("\n"):
        head, sep, tail = line.partition(":")
        value = tail if sep else head
        if value.strip() and not line.lstrip().startswith("#"):
            found.add(path, offset + len(line) - len(value.lstrip()), _unquote(value))
        offset += len(line) + 1


def _yaml_sections(text: str):
    start = 0
    for m in re.finditer(r"^---.*$", text, re.M):
        yield start, text[start : m.start()]
        start = m.end()
    yield start, text[start:]


def _scan_k8s_secret(path: str, base: int, section: str, found) -> None:
    """Every value under a Kubernetes Secret's `data:` / `stringData:`."""
    inside = False
    offset = base
    for line in section.split("\n"):
        if re.match(r"^(data|stringData):[ \t]*$", line):
            inside = True
        elif line and not line[0].isspace():
            inside = False
        elif inside:
            m = _rx().line.match(line)
            if m is not None and m.group("value"):
                value = _unquote(m.group("value"))
                found.add(path, offset + m.start("value") + max(m.group("value").find(value), 0), value)
        offset += len(line) + 1
