"""Nix string literals: escapes in "…" and ''…'' strings and the indentation Nix strips
from ''…'' strings, each character kept with the source offset it came from."""

from __future__ import annotations

INTERPOLATED = 2  # a character a `${…}` put into a string (see strip_indentation)
# `\n`, `\t`, `\r` in "…" strings; any other escaped character stands for itself
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def unescape(raw: str, indented: bool) -> str:
    if indented:  # ''$ → $, ''' → '', ''\n → newline, ''\x → x
        if raw == "'''":
            return "''"
        body = raw[2:]
        if body.startswith("\\") and len(body) > 1:
            return _DQ_ESCAPES.get(body[1], body[1])
        return body
    if raw.startswith("\\") and len(raw) > 1:
        return _DQ_ESCAPES.get(raw[1], raw[1])
    return raw


def strip_indentation(chars: list[tuple[str, int, bool]]) -> list[tuple[str, int, bool]]:
    """Nix's rule for indented strings (its parser's stripIndentation): the opening
    quotes take the spaces and line break after them; the smallest count of leading
    spaces over the lines with other text is removed from every line; a last line of
    only spaces goes. An escape ends a line's indentation when it is measured, but when
    stripping it is text like any other: an escaped line break starts a new line. What
    a `${…}` gives is never stripped and ends a line's indentation."""
    first = 0
    while first < len(chars) and chars[first][0] == " " and not chars[first][2]:
        first += 1
    if first < len(chars) and chars[first][0] == "\n" and not chars[first][2]:
        chars = chars[first + 1:]
    at_start, indent, smallest = True, 0, 1_000_000
    for ch, _, escaped in chars:
        if at_start and (escaped or ch not in " \n"):
            at_start, smallest = False, min(smallest, indent)
        elif at_start and ch == " ":
            indent += 1
        elif ch == "\n" and not escaped:
            at_start, indent = True, 0
    out: list[tuple[str, int, bool]] = []
    at_start, dropped = True, 0
    for item in chars:
        ch = item[0]
        if item[2] == INTERPOLATED:  # never stripped; what follows is not a line start
            out.append(item)
            at_start, dropped = False, 0
            continue
        if at_start and ch == " ":
            if dropped >= smallest:
                out.append(item)
            dropped += 1
            continue
        out.append(item)
        if ch == "\n":
            at_start, dropped = True, 0
        elif at_start:
            at_start, dropped = False, 0
    last_escape = max((i for i, item in enumerate(out) if item[2]), default=-1)
    breaks = [i for i, item in enumerate(out) if item[0] == "\n" and i > last_escape]
    if breaks and all(item[0] == " " for item in out[breaks[-1] + 1:]):
        out = out[:breaks[-1] + 1]
    return out
