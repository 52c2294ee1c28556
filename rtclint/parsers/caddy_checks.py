"""What Caddy's parser (caddyconfig/caddyfile/parse.go, httpcaddyfile) checks beyond the
grammar of grammars/caddyfile.lark, with Caddy's own messages: addresses, snippets
declared twice, a global options block that is not first, a site address used as a
directive, imports without a path, `{}` at the end of a line."""

from __future__ import annotations

import re

from rtclint.parsers.caddy_lexer import CToken
from rtclint.parsers.caddy_tree import Block, CaddySyntaxError, Directive, Entry, token_span


def check_entries(tokens: list[CToken], entries: list[Entry]) -> None:
    snippets: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.kind in ("site", "braceless"):
            _check_addresses(entry)
        if entry.kind == "snippet":
            name = entry.keys[0].text[1:-1]
            if name in snippets:
                raise CaddySyntaxError(f"redeclaration of previously declared snippet {name}", *token_span(entry.keys[0]))
            snippets.add(name)
        if entry.kind == "import":
            _check_import(entry.directive)
        # httpcaddyfile: a key-less block anywhere but first is rejected (parse.go drops an
        # empty one; imports are not followed here, so a block of imports only is let through)
        if entry.kind == "global" and any(d.name != "import" for d in entry.block.lines) \
                and any(e.kind not in ("snippet", "import", "named_route") for e in entries[:index]):
            # httpcaddyfile: a key-less block anywhere but first is rejected
            raise CaddySyntaxError(
                "server block without any key is global configuration, and if used, it must be first",
                *token_span(entry.block.open),
            )
        if entry.kind in ("site", "braceless"):
            _check_site_level(entry)
        if entry.block is not None:
            check_lines(entry.block.lines)
        check_lines(entry.lines)


_ADDRESS_LIKE = re.compile(r"^(https?://|\[|:\d)|^[\w*-]+(\.[\w*-]+)+(:\d+)?,?$|^localhost(:\d+)?,?$", re.I)


def _check_site_level(entry: Entry) -> None:
    """A site address used as a directive: Caddy says 'unrecognized directive'. It happens
    when a site's '}' is missing before the next site, or sites are written without braces.
    (Other unknown directive names are not reported: plugins add their own.)"""
    lines = entry.block.lines if entry.block is not None else entry.lines
    for d in lines:
        head = d.items[0]
        if not head.bare or not _ADDRESS_LIKE.search(head.text):
            continue
        if entry.block is not None:
            why = (f"the site block opened on line {entry.block.open.line} is not closed before it "
                   "(a '}' is missing)")
        else:
            why = ("Did you mean to define a second site? If so, you must use curly braces around each site "
                   "to separate their configurations.")
        raise CaddySyntaxError(f"unrecognized directive: {head.text} - {why}", *token_span(head))


def check_address(key: CToken) -> None:
    """parse.go addresses(): what Caddy rejects in a site address as it reads it."""
    value = key.text
    if value.startswith("@"):
        raise CaddySyntaxError(
            f"request matchers may not be defined globally, they must be in a site block; found {value}",
            *token_span(key),
        )
    if key.bare and value.endswith("{"):
        raise CaddySyntaxError(
            f"Site addresses cannot end with a curly brace: '{value}' - put a space between the token and the brace",
            *token_span(key),
        )
    stripped = value[:-1] if value.endswith(",") else value
    if "," in stripped:
        raise CaddySyntaxError(
            f"Site addresses cannot contain a comma ',': '{stripped}' - put a space after the comma to separate "
            "site addresses",
            *token_span(key),
        )


def _check_addresses(entry: Entry) -> None:
    keys = entry.keys
    for key in keys:
        # a brace inside an address (not a `{$ENV}` placeholder) is a block brace that lost
        # its space: Caddy then fails to get a certificate for that "host"
        if re.search(r"[{}]", re.sub(r"\{\$[^{}]*\}", "", key.text)) and not key.text.startswith("http://"):
            raise CaddySyntaxError(
                f"subject does not qualify for certificate: '{key.text}' - a brace in a site address "
                "(put spaces around '{' and '}')",
                *token_span(key),
            )
    if keys and keys[-1].text.endswith(",") and entry.block is not None:
        raise CaddySyntaxError(
            "Expected another address but had '{' - check for extra comma", *token_span(entry.block.open)
        )
    if keys and keys[-1].text.endswith(",") and entry.block is None:
        raise CaddySyntaxError("unexpected EOF", *token_span(keys[-1]))


def check_lines(lines: list[Directive]) -> None:
    for d in lines:
        if d.name == "import" and d.items[0].bare:
            _check_import(d)
        items = d.items
        for i, item in enumerate(items):
            if isinstance(item, Block):
                check_lines(item.lines)
            elif item.bare and item.text == "{}":
                nxt = items[i + 1] if i + 1 < len(items) else None
                if nxt is None:
                    raise CaddySyntaxError("Unexpected '{}' at end of line", *token_span(item))


def _check_import(d: Directive) -> None:
    args = d.args
    if len(args) < 2:
        raise CaddySyntaxError("wrong argument count or unexpected line ending after 'import'", *token_span(args[0]))
    if args[1].text == "":
        raise CaddySyntaxError("Import requires a non-empty filepath", *token_span(args[1]))
