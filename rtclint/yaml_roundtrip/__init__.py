"""YAML fixes that insert or change structure, as minimal text edits.

A fix that adds `experimental_features: {msc4143_enabled: true}` or a top-level setting
needs YAML written in the file's own style. ruamel.yaml's round-trip loader keeps
comments, key order and quoting: the file is loaded, the one node is changed, the whole
document is dumped in the file's own indentation, and the dump is compared with the
original line by line. Only the lines that differ become edits, so the fix stays a small
edit on the original bytes (line endings and a missing final newline included). When the
dump would also change lines the fix did not target (comments re-flowed, quoting or
spacing normalised, keys reordered), no edit is offered: None.

A base module: it imports nothing of rtclint, and ruamel.yaml only when a fix is built.
"""

from __future__ import annotations

import difflib
import io
import re

Edit = tuple[int, int, str]  # (start offset, end offset, new text) in the original text

# (for the round trip only, with re.M: re's cache compiles it there, the plain path never does)
_DOCUMENT_MARKER = r"^(---|\.\.\.)(\s|$)"


def set_value(text: str, section: str, key: str, value_text: str) -> list[Edit] | None:
    """Edits that make `section.key` (`key` at the top level when `section` is "") hold
    the YAML scalar `value_text`, creating the section mapping when it is missing."""
    from rtclint.yaml_roundtrip.plain import dump_after_set

    if "\t" not in text:  # a plain file: ruamel's dump predicted, the same edits without ruamel
        predicted = dump_after_set(text, _indentation(text)[0], section, key, value_text)
        if predicted == "refused":
            return None
        if predicted is not None:
            new, allowed, new_top_level = predicted
            edits = _line_edits(text, text.splitlines(keepends=True), new, allowed)
            return _blank_line_before(text, edits) if new_top_level and edits else edits
    return set_value_by_round_trip(text, section, key, value_text)


def set_value_by_round_trip(text: str, section: str, key: str, value_text: str) -> list[Edit] | None:
    """`set_value` done by ruamel's load and dump, whatever the file looks like."""
    loaded = _load(text)
    if loaded is None:
        return None
    yaml, root, lines = loaded
    value = _scalar(yaml, value_text)
    if value is _INVALID:
        return None
    allowed = _entry_lines(root, section, key, lines)
    new_top_level = (section or key) not in root
    target = _section(root, section, create=True)
    if target is None:
        return None
    if section and key not in target and len(target):  # top-level keys go after everything
        _hand_on_trailing_lines(target, key)
    target[key] = value
    edits = _edits(yaml, root, text, lines, allowed)
    return _blank_line_before(text, edits) if new_top_level and edits else edits


def _blank_line_before(text: str, edits: list[Edit]) -> list[Edit]:
    """A new top-level block is set off from the line above it by a blank line (as the
    blocks of a homeserver.yaml are), unless one is there already."""
    (start, end, body), = edits
    before = text[:start]
    newline = "\r\n" if "\r\n" in text else "\n"
    if not before or before.endswith(("\n\n", "\r\n\r\n")):
        return edits
    return [(start, end, newline + body)]


def delete_key(text: str, section: str, key: str) -> list[Edit] | None:
    """Edits that remove `section.key` (top-level `key` when `section` is ""); None when it
    is absent or the change cannot be made as an edit of its own lines."""
    loaded = _load(text)
    if loaded is None:
        return None
    yaml, root, lines = loaded
    target = _section(root, section, create=False)
    if target is None or key not in target:
        return None
    first, end = _entry_lines(root, section, key, lines)
    first = _leading_comments(lines, first)
    _delete(target, key, "".join(lines[first : target.lc.key(key)[0]]).replace("\r\n", "\n"))
    return _edits(yaml, root, text, lines, (first, end))


def _hand_on_trailing_lines(mapping, key: str) -> None:
    """Before `key` is appended: the blank lines and comments after the mapping's last
    entry (ruamel keeps them with that entry) move after the new one, so the new line
    joins the entries above them rather than the next section below."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    holder, last = mapping, list(mapping)[-1]
    while True:  # kept by its deepest last entry, through mappings and sequences alike
        child = holder[last]
        if isinstance(child, CommentedMap) and len(child):
            holder, last = child, list(child)[-1]
        elif isinstance(child, CommentedSeq) and len(child) and isinstance(child[-1], CommentedMap) and len(child[-1]):
            holder = child[-1]
            last = list(holder)[-1]
        else:
            break
    own = holder.ca.items.get(last)
    token = own[2] if own is not None and len(own) > 2 else None
    if token is None or "\n" not in token.value:
        return
    line_end, rest = token.value.split("\n", 1)
    if not rest:
        return
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    token.value = line_end + "\n"
    mapping.ca.items[key] = [None, None, CommentToken("\n" + rest, CommentMark(0), None), None]


def _delete(mapping, key: str, leading: str) -> None:
    """Remove `key`, and with it the comment lines written just above it (ruamel keeps them
    as the end of the previous entry's comment); what followed the entry (blank lines,
    comments about the next one) stays, now after the previous entry."""
    keys = list(mapping)
    own = mapping.ca.items.pop(key, None)
    del mapping[key]
    index = keys.index(key)
    if index == 0:
        return
    before = mapping.ca.items.get(keys[index - 1])
    token = before[2] if before is not None and len(before) > 2 else None
    own_token = own[2] if own is not None and len(own) > 2 else None
    after = own_token.value.split("\n", 1)[1] if own_token is not None and "\n" in own_token.value else ""
    if token is None:
        if after:  # keep the blank lines and comments that followed the deleted entry
            from ruamel.yaml.error import CommentMark
            from ruamel.yaml.tokens import CommentToken

            mapping.ca.items[keys[index - 1]] = [None, None, CommentToken("\n" + after, CommentMark(0), None), None]
        return
    if leading and token.value.endswith(leading):
        token.value = token.value[: -len(leading)]
    token.value += after


# -- loading ---------------------------------------------------------------------------

_INVALID = object()


def _load(text: str):
    """(ruamel YAML instance set to the file's style, root mapping, original lines) or None
    for a file this module does not touch: tabs, several documents, not a mapping."""
    if "\t" in text or len(re.findall(_DOCUMENT_MARKER, text, re.M)) > 1:
        return None
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-flow a long line
    mapping, sequence, offset = _indentation(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.explicit_start = bool(re.match(_DOCUMENT_MARKER, _first_content(text), re.M))
    try:
        docs = list(yaml.load_all(text.replace("\r\n", "\n")))
    except (YAMLError, RecursionError, ValueError):
        return None
    if len(docs) > 1 or (docs and docs[0] is not None and not isinstance(docs[0], CommentedMap)):
        return None
    root = docs[0] if docs and docs[0] is not None else CommentedMap()
    return yaml, root, text.splitlines(keepends=True)


def _first_content(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return ""


def _indentation(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) the file uses, as ruamel's `indent()`
    takes them: the smallest step from a `key:` line to the first line nested under it,
    and where the `-` of a block sequence sits under its key."""
    mapping, sequence, offset = None, None, None
    previous = None  # (indent, is a `key:` line with nothing after the colon)
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if previous is not None and previous[1] and indent > previous[0] - 1:
            step = indent - previous[0]
            if stripped.startswith("- "):
                offset = step if offset is None else offset
                after = len(stripped[1:]) - len(stripped[1:].lstrip(" "))
                sequence = step + 1 + after if sequence is None else sequence
            elif step > 0:
                mapping = step if mapping is None else min(mapping, step)
        previous = (indent, stripped.endswith(":") and not stripped.startswith("- "))
    mapping = mapping or 2
    return mapping, sequence or max(mapping, (offset or 0) + 2), offset or 0


def _scalar(yaml, value_text: str):
    """The value `value_text` means in YAML, keeping its quoting."""
    from ruamel.yaml.error import YAMLError

    try:
        value = yaml.load(value_text)
    except (YAMLError, ValueError):
        return _INVALID
    if isinstance(value, (dict, list)):
        return _INVALID
    return value


def _section(root, section: str, create: bool):
    """The mapping that holds the keys of `section`, or None when it cannot."""
    from ruamel.yaml.comments import CommentedMap

    if not section:
        return root
    value = root.get(section)
    if isinstance(value, CommentedMap):
        return value
    if value is None and create:
        root[section] = CommentedMap()
        return root[section]
    return None


# -- lines the change may touch -------------------------------------------------------

def _entry_lines(root, section: str, key: str, lines: list[str]) -> tuple[int, int]:
    """[first, end) original lines of the entry being changed: the key's own lines, or an
    empty range (insertion only) when the key is new. A section written as `name:` with
    nothing under it is part of the entry (it becomes a mapping)."""
    mapping = root.get(section) if section else root
    if section and section in root and not mapping:
        first = root.lc.key(section)[0]
        return first, _entry_end(lines, first)
    if not isinstance(mapping, dict) or key not in mapping:  # absent, or a scalar (no edit then)
        return (0, 0)
    first = mapping.lc.key(key)[0]
    return first, _entry_end(lines, first)


def _leading_comments(lines: list[str], first: int) -> int:
    """The first of the comment lines written directly above line `first`, at its indent."""
    indent = _indent_of(lines[first])
    while first > 0 and lines[first - 1].strip().startswith("#") and _indent_of(lines[first - 1]) == indent:
        first -= 1
    return first


def _entry_end(lines: list[str], first: int) -> int:
    """The line after the entry starting at line `first`: the next line indented no deeper
    than it, with comments and blank lines before that left out."""
    indent = _indent_of(lines[first])
    end = first + 1
    last_content = first + 1
    while end < len(lines):
        stripped = lines[end].strip()
        if stripped and not stripped.startswith("#"):
            if _indent_of(lines[end]) <= indent and not stripped.startswith("- "):
                break
            last_content = end + 1
        end += 1
    return last_content


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# -- the dump and the edits ---------------------------------------------------------------

def _edits(yaml, root, text: str, lines: list[str], allowed: tuple[int, int]) -> list[Edit] | None:
    out = io.StringIO()
    yaml.dump(root, out)
    dumped = out.getvalue()
    old = [line.rstrip("\r\n") for line in lines]
    new = dumped.split("\n")
    if new and new[-1] == "":
        new.pop()
    if yaml.explicit_start and not re.match(_DOCUMENT_MARKER, old[0] if old else "", re.M) and new[:1] == ["---"]:
        return None
    return _line_edits(text, lines, new, allowed)


def _line_edits(text: str, lines: list[str], new: list[str], allowed: tuple[int, int]) -> list[Edit] | None:
    """The edits that turn the original `lines` into the dumped lines `new` (without line
    ends), or None when they would touch a line outside `allowed`."""
    old = [line.rstrip("\r\n") for line in lines]
    opcodes = [op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not opcodes or not _only_allowed(opcodes, allowed):
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    starts = _line_offsets(lines)
    return [_edit(text, lines, starts, newline, op, new) for op in opcodes]


def _only_allowed(opcodes, allowed: tuple[int, int]) -> bool:
    first, end = allowed
    if first == end:  # a new key: one insertion, no original line touched
        return len(opcodes) == 1 and opcodes[0][0] == "insert"
    return all(first <= i1 and i2 <= end for _tag, i1, i2, _j1, _j2 in opcodes)


def _line_offsets(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _edit(text: str, lines: list[str], starts: list[int], newline: str, op, new: list[str]) -> Edit:
    _tag, i1, i2, j1, j2 = op
    start, end = starts[i1], starts[i2]
    body = "".join(line + newline for line in new[j1:j2])
    final_line_open = bool(lines) and not lines[-1].endswith(("\n", "\r"))
    if final_line_open and i2 == len(lines):  # keep the file without a final newline
        if i1 == i2:  # appending after the open last line
            return (len(text), len(text), newline + body[: -len(newline)])
        if body:
            body = body[: -len(newline)]
        elif i1 > 0:  # deleting the last lines: the newline before them goes instead
            start = starts[i1] - len(newline)
    return (start, end, body)
