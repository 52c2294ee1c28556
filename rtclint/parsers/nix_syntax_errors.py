"""Where a .nix file's first syntax error is, said as Nix's own parser says it: at the
token it did not expect (after a construct tree-sitter had to skip, at the token that
follows it; just inside an unterminated string; at the end for a missing closer).
tests/test_nix_oracles.py holds this against `nix-instantiate --parse`."""

from __future__ import annotations

import re
from typing import Callable


def first_error(root, text: str, at: Callable[[int], int]) -> list[tuple[int, int, str]]:
    """[(start, end, message)] for the tree-sitter tree `root` of `text`; `at` turns a
    byte offset into a character offset."""
    offset, unterminated = min((_error_at(node, text, at) for node in _problems(root)), default=(0, False))
    if unterminated:
        return [(offset, offset, "Nix: this string is not closed before the end of the file")]
    if offset >= len(text.rstrip()):
        return [(len(text), len(text), "Nix: syntax error, unexpected end of file")]
    token = re.match(r"\$\{|''|\w[\w.-]*|\S", text[offset:])
    shown = token.group(0) if token else text[offset]
    return [(offset, offset + len(shown), f"Nix: syntax error, unexpected `{shown}`")]


def _problems(root):
    """MISSING nodes and the innermost ERROR nodes, in document order."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            yield node
        elif node.type == "ERROR" and not any(c.has_error for c in node.children):
            yield node
        elif node.has_error or node.is_missing:
            stack.extend(reversed(node.children))


def _next_token(byte: int, text: str, at: Callable[[int], int]) -> int:
    offset = at(byte)
    rest = text[offset:]
    return offset + len(rest) - len(rest.lstrip())


def _error_at(node, text: str, at: Callable[[int], int]) -> tuple[int, bool]:
    """(offset, whether it is an unterminated string)."""
    if node.is_missing:
        return _next_token(node.start_byte, text, at), False
    for child in node.children:
        if child.type in ('"', "''") and child.child_count == 0:
            offset = at(child.end_byte)
            if child.type == "''":  # Nix's opening token takes the spaces and line break after it
                blank = re.match(r" *\n", text[offset:])
                offset += blank.end() if blank else 0
            return offset, True
    first = node.children[0] if node.children else None
    if first is not None and first.is_named and not first.has_error:
        return _next_token(node.end_byte, text, at), False  # a complete construct where none may stand
    return at(node.start_byte), False
