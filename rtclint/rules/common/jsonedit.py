"""JSON inside configuration files: positions of values, and edits that keep the style.

Well-known bodies are JSON embedded in a Caddyfile backtick string, an nginx `return`
string, an HAProxy `string` or a plain file. Rules need to point at one key or value
(not only at the whole body) and to write edits that look like the text around them:
compact or pretty, `": "` or `":"`, and quoted the way the host string needs.

Positions here are indexes into the *body* (the text as served); `WellKnown.source_offset`
maps them back to the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_WS = " \t\n\r"


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class JNode:
    """One JSON value with its [start, end) range in the body (strings include quotes)."""

    kind: str  # 'object', 'array', 'string', 'number', 'literal'
    start: int
    end: int
    value: Any = None
    items: list["JNode"] = field(default_factory=list)  # array elements
    members: list[tuple["JNode", "JNode"]] = field(default_factory=list)  # object (key, value)

    def member(self, key: str) -> tuple["JNode", "JNode"] | None:
        for k, v in self.members:
            if k.value == key:
                return k, v
        return None


def parse_positions(text: str) -> JNode | None:
    """A positioned tree of `text`, or None when it is not one valid JSON value."""
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return None
    try:
        node, end = _value(text, _skip(text, 0))
    except (ValueError, IndexError, RecursionError):
        return None
    return node if _skip(text, end) == len(text) else None


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _value(text: str, i: int) -> tuple[JNode, int]:
    ch = text[i]
    if ch == "{":
        return _object(text, i)
    if ch == "[":
        return _array(text, i)
    if ch == '"':
        value, end = json.decoder.scanstring(text, i + 1)
        return JNode("string", i, end, value), end
    for word, value in (("true", True), ("false", False), ("null", None)):
        if text.startswith(word, i):
            return JNode("literal", i, i + len(word), value), i + len(word)
    m = _NUMBER.match(text, i)
    if not m:
        raise ValueError(f"unexpected {ch!r} at {i}")
    return JNode("number", i, m.end(), json.loads(m.group())), m.end()


def _object(text: str, start: int) -> tuple[JNode, int]:
    node = JNode("object", start, start, {})
    i = _skip(text, start + 1)
    if text[i] == "}":
        node.end = i + 1
        return node, i + 1
    while True:
        key, i = _value(text, _skip(text, i))
        i = _skip(text, i) + 1  # ':'
        val, i = _value(text, _skip(text, i))
        node.members.append((key, val))
        node.value[key.value] = val.value
        i = _skip(text, i)
        if text[i] == "}":
            node.end = i + 1
            return node, i + 1
        i += 1  # ','


def _array(text: str, start: int) -> tuple[JNode, int]:
    node = JNode("array", start, start, [])
    i = _skip(text, start + 1)
    if text[i] == "]":
        node.end = i + 1
        return node, i + 1
    while True:
        val, i = _value(text, _skip(text, i))
        node.items.append(val)
        node.value.append(val.value)
        i = _skip(text, i)
        if text[i] == "]":
            node.end = i + 1
            return node, i + 1
        i += 1


# -- unfinished documents (RTC100) -------------------------------------------------------

@dataclass(eq=False, repr=False)
class Unclosed:
    """What is still open at the end of a truncated JSON text."""

    openers: list[int]  # body indexes of '{'/'[' still open, outermost first
    in_string: bool  # the text ends inside a string


def unclosed(text: str) -> Unclosed:
    stack: list[int] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(i)
        elif ch in "}]" and stack and text[stack[-1]] == ("{" if ch == "}" else "["):
            stack.pop()
    return Unclosed(stack, in_string)


def closing_suffix(text: str) -> str | None:
    """The characters that make `text` valid JSON when only closers are missing at the
    end (quote, `]`, `}`), laid out like the rest of the text; None otherwise."""
    body = text.rstrip(_WS)
    state = unclosed(body)
    if not state.openers and not state.in_string:
        return None
    pretty = "\n" in body.strip()
    parts = ['"'] if state.in_string else []
    for opener in reversed(state.openers):
        closer = "}" if body[opener] == "{" else "]"
        parts.append(("\n" + line_indent(body, opener) if pretty else "") + closer)
    suffix = "".join(parts)
    try:
        json.loads(body + suffix)
    except (ValueError, RecursionError):
        return None
    return suffix


def line_indent(text: str, index: int) -> str:
    """The leading whitespace of the line holding `index`."""
    start = text.rfind("\n", 0, index) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


# -- writing JSON in the body's own style --------------------------------------------------

@dataclass(eq=False, repr=False)
class Style:
    """How a JSON text is written (indentation, separators), so an edit keeps its style."""

    pretty: bool
    indent: str  # one level of indentation ('' when compact)
    colon: str  # ':' or ': '
    comma: str  # ',' or ', ' (compact only; pretty uses newlines)


def style_of(text: str, obj: JNode) -> Style:
    """How the object at `obj` is written: one line or many, spacing after ':' and ','."""
    pretty = "\n" in text[obj.start:obj.end]
    colon = ": " if re.search(r'"\s*:\s', text[obj.start:obj.end]) else ":"
    inner = text[obj.start:obj.end]
    comma = ", " if re.search(r",[ \t]", inner) else "," if "," in inner else (", " if colon == ": " else ",")
    indent = ""
    if pretty and obj.members:
        first_key = obj.members[0][0]
        indent = line_indent(text, first_key.start)[len(line_indent(text, obj.start)):] or "  "
    return Style(pretty, indent, colon, comma)


def dump(value: Any, style: Style, depth: int, base: str) -> str:
    """`value` as JSON in `style`, nested `depth` levels below a line indented `base`."""
    if not style.pretty:
        return json.dumps(value, separators=(style.comma, style.colon), ensure_ascii=False)
    inner = base + style.indent * (depth + 1)
    close = base + style.indent * depth
    if isinstance(value, dict) and value:
        rows = [f"{inner}{json.dumps(k, ensure_ascii=False)}{style.colon}{dump(v, style, depth + 1, base)}"
                for k, v in value.items()]
        return "{\n" + ",\n".join(rows) + "\n" + close + "}"
    if isinstance(value, list) and value:
        rows = [inner + dump(v, style, depth + 1, base) for v in value]
        return "[\n" + ",\n".join(rows) + "\n" + close + "]"
    return json.dumps(value, ensure_ascii=False)


def add_member_text(text: str, obj: JNode, key: str, value: Any) -> tuple[int, str]:
    """(body index, text) inserting `"key": value` as the last member of `obj`."""
    style = style_of(text, obj)
    close = obj.end - 1  # the '}'
    if not style.pretty:
        lead = style.comma if obj.members else ""
        member = json.dumps(key, ensure_ascii=False) + style.colon + dump(value, style, 0, "")
        at = obj.members[-1][1].end if obj.members else obj.start + 1
        return at, lead + member
    base = line_indent(text, obj.start)
    inner = base + style.indent
    member = inner + json.dumps(key, ensure_ascii=False) + style.colon + dump(value, style, 1, base)
    if obj.members:
        return obj.members[-1][1].end, ",\n" + member
    return close, "\n" + member + "\n" + base


# -- the host string around the body ---------------------------------------------------------

def escape_for_host(content: str, quote: str | None, kind: str) -> str:
    """`content` written inside the source string that holds the body: nginx, Caddy and
    HAProxy double quotes need `\\"` (and `\\\\`); nginx single quotes need `\\'`."""
    if quote == '"':
        return content.replace("\\", "\\\\").replace('"', '\\"')
    if quote == "'" and kind == "nginx":
        return content.replace("\\", "\\\\").replace("'", "\\'")
    return content


def host_quote(doc_text: str, body_start: int, body_end: int) -> str | None:
    """The quote that delimits the body in the source ('"', "'", '`'), '\\n' for a Caddy
    heredoc, '' for a whole file, None when the body is a bare word (no safe edit)."""
    before = doc_text[body_start - 1] if body_start > 0 else ""
    after = doc_text[body_end] if body_end < len(doc_text) else ""
    if before and before == after and before in "\"'`":
        return before
    if before == "\n" and after in ("\n", "\r"):
        return "\n"
    if body_start == 0 and doc_text[body_end:].strip() == "":
        return ""
    return None
