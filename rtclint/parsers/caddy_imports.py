"""Caddy imports: the snippet arguments an `import` substitutes, and the files around a
fragment that import it (Caddy's doImport follows the same names)."""

from __future__ import annotations

import os
import re
from dataclasses import replace

from rtclint.document import Document
from rtclint.parsers.base import Tree
from rtclint.parsers.caddy_lexer import CToken
from rtclint.parsers.caddy_syntax import Block, Directive


def first_statement(tokens: list[CToken]) -> CToken | None:
    """The first token that does not belong to a top-level `import` line."""
    skip_line = None
    for tok in tokens:
        if skip_line is not None and tok.line == skip_line:
            continue
        if tok.bare and tok.text == "import":
            skip_line = tok.line
            continue
        return tok
    return None


_IMPORT_LINE = re.compile(r"^[ \t]*import[ \t]+([^\s#]+)", re.M)


def imported_by(doc: Document, tree: Tree, levels: int = 4) -> str | None:
    """A Caddy file in the fragment's folder (or up to three parents, inside the tree) whose
    `import` lines name the fragment."""
    from rtclint.discover import kind_from_name

    me = os.path.abspath(doc.abspath)
    folder = os.path.dirname(me)
    for _ in range(levels):
        if not tree.inside(folder):
            break
        names = tree.listdir(folder)
        if not names and not tree.isdir(folder):
            break
        for name in names:
            path = os.path.join(folder, name)
            if path == me or kind_from_name(path) != "caddy" or not tree.isfile(path):
                continue
            other = tree.load(path)
            if other is None or "import" not in other.text:
                continue
            for m in _IMPORT_LINE.finditer(other.text):
                if me in (os.path.abspath(p) for p in tree.glob(m.group(1), folder)):
                    return path
        folder = os.path.dirname(folder)
    return None


def set_path(tokens: list[CToken], path: str) -> None:
    for tok in tokens:
        tok.path = path


def discovered_alone(tree: Tree, path: str) -> bool:
    """Whether rtclint also checks this file on its own (so its sites are counted there)."""
    from rtclint.discover import kind_from_name

    return tree.inside(path) and kind_from_name(path) == "caddy"


_ARGS = re.compile(r"\{args(?:\[(\d+)\]|\.(\d+))\}")
_VARIADIC = re.compile(r"^\{args\[(\d*):(\d*)\]\}$")


def substitute(d: Directive, params: list[str]) -> Directive:
    """A snippet's directive with `{args[N]}` / `{args[i:j]}` replaced by the import's arguments
    (the tokens keep the snippet's spans)."""
    if not params and not any(isinstance(i, CToken) and "{args" in i.text for i in d.items):
        return d
    items: list = []
    for item in d.items:
        if isinstance(item, Block):
            items.append(Block(item.open, item.close, [substitute(x, params) for x in item.lines]))
            continue
        if "{args" not in item.text:
            items.append(item)
            continue
        m = _VARIADIC.match(item.text)
        if m:
            lo = int(m.group(1) or 0)
            hi = int(m.group(2)) if m.group(2) else len(params)
            items += [_replaced(item, p) for p in params[lo:hi]]
            continue
        text = _ARGS.sub(lambda mm: _param(params, mm), item.text)
        items.append(_replaced(item, text))
    return Directive(items)


def _replaced(tok: CToken, text: str) -> CToken:
    """A token whose value came from an import argument: every character maps to the
    placeholder's first character (the value is not in the source)."""
    return replace(tok, text=text, value_map=[tok.start] * len(text), value_start=tok.start)


def _param(params: list[str], m) -> str:
    index = int(m.group(1) or m.group(2))
    return params[index] if index < len(params) else ""
