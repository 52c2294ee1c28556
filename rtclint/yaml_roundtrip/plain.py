"""ruamel.yaml's dump of a plain YAML file after one `set_value`, predicted without ruamel.

Loading and dumping with ruamel's round trip costs ~5 ms a file (and 55 ms to import),
and RTC408's fix is in every JSON report. Most config files it edits are plain: block
mappings of `key: value` lines, one space after each colon, one indentation step, no
comments, blank lines, sequences, quotes, anchors or document markers, and scalars whose
text ruamel writes back unchanged (identifiers, decimal integers, `true`/`false`, hex
strings). For such a file the round trip reproduces every line, so the dump after the
change is the original lines with the one line replaced or the new lines inserted.
`dump_after_set` returns those lines, or None for any file outside that shape (the caller
then asks ruamel). tests/test_yaml_plain_dump.py compares the two on generated files.

A base module: it imports nothing.
"""

from __future__ import annotations

import re

# `key: value` or `key:` (a mapping follows), nothing else on the line
_KEY = r"[A-Za-z_][A-Za-z0-9_.-]{0,99}"
_KEY_RE = re.compile(_KEY)
_LINE = re.compile(rf"( *)({_KEY}):(?: ([^ \n]{{1,1000}}))?\n")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,17}")
_DIGITS_AND_LETTERS = re.compile(r"[0-9][A-Za-z0-9]*")
_NUMBER_LOOKALIKE = re.compile(r"0[xXoObB].*|[0-9]+[eE][0-9]+")
# words a YAML 1.1 or 1.2 resolver may read as a boolean or null: never written as-is
_KEYWORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def plain_scalar(text: str) -> bool:
    """True when ruamel loads `text` (plain) and dumps it back as the same text."""
    if text in ("true", "false") or _DECIMAL.fullmatch(text):
        return True
    if _IDENTIFIER.fullmatch(text):
        return text.lower() not in _KEYWORDS
    return bool(_DIGITS_AND_LETTERS.fullmatch(text)) and not text.isdigit() and not _NUMBER_LOOKALIKE.fullmatch(text)


def _plain_key(text: str) -> bool:
    return bool(_KEY_RE.fullmatch(text)) and text.lower() not in _KEYWORDS


class _Entry:
    __slots__ = ("line", "end", "value", "children")

    def __init__(self, line: int, value: str | None):
        self.line, self.end, self.value = line, line + 1, value
        self.children: dict[str, _Entry] = {}


def _parse(text: str, step: int) -> dict[str, _Entry] | None:
    """The file's top-level entries (each with its children and line range), or None when
    the file is not plain."""
    if not text.endswith("\n") or "\r" in text:
        return None
    root: dict[str, _Entry] = {}
    stack: list[tuple[int, dict[str, _Entry], _Entry | None]] = [(0, root, None)]  # (indent, mapping, owner)
    expect_child = False
    for number, line in enumerate(text.splitlines(keepends=True)):
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        indent, key, value = len(match[1]), match[2], match[3]
        if expect_child:
            if indent != stack[-1][0]:
                return None  # a `key:` with nothing under it, or nested by another step
            expect_child = False
        else:
            while stack[-1][0] > indent:
                stack.pop()
            if stack[-1][0] != indent:
                return None  # nested under a `key: value`, or dedented to no open level
        mapping = stack[-1][1]
        # (`_LINE` matched the key's characters: only the keywords are left to refuse)
        if key in mapping or key.lower() in _KEYWORDS or (value is not None and not plain_scalar(value)):
            return None
        entry = mapping[key] = _Entry(number, value)
        for _indent, _mapping, owner in stack[1:]:
            owner.end = number + 1
        if value is None:
            stack.append((indent + step, entry.children, entry))
            expect_child = True
    return None if expect_child else root


def dump_after_set(text: str, step: int, section: str, key: str, value_text: str):
    """(dumped lines without line ends, the original lines' [first, end) the entry held or
    (0, 0), whether `section` (or `key` at the top level) is new) after `section.key` is set
    to `value_text`; "refused" when ruamel would refuse the change; None when the file or
    value is not plain."""
    if not plain_scalar(value_text) or not all(map(_plain_key, filter(None, (section, key)))):
        return None
    root = _parse(text, step)
    if root is None:
        return None
    lines = text.split("\n")[:-1]
    if not section:
        return _set_in(lines, root, "", key, value_text, 0)
    holder = root.get(section)
    if holder is None:  # a new section at the end
        return lines + [f"{section}:", " " * step + f"{key}: {value_text}"], (0, 0), True
    if holder.value is not None:
        return "refused"  # a scalar where a mapping should be
    return _set_in(lines, holder.children, section, key, value_text, step, after=holder.end)


def _set_in(lines, mapping, section, key, value_text, indent, after=None):
    entry = mapping.get(key)
    new_line = " " * indent + f"{key}: {value_text}"
    if entry is None:
        at = len(lines) if after is None else after
        return lines[:at] + [new_line] + lines[at:], (0, 0), not section
    if entry.value is None:
        return None  # a mapping replaced by a scalar: left to ruamel
    return lines[: entry.line] + [new_line] + lines[entry.line + 1:], (entry.line, entry.end), False
