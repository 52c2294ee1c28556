"""Caddyfile structure: Caddy's lexer (caddy_lexer) → Caddy's newline rules → the Lark
LALR grammar in grammars/caddyfile.lark → a small tree of entries, directives and blocks.
The grammar runs on Lark's own LALR parser (caddy_grammar), imported when a Caddyfile
is first parsed.

Errors come back as (offset, end, message) with Caddy's own wording, so RTC001 says what
`caddy adapt` would say, at the token Caddy would name.
"""

from __future__ import annotations

import re

from rtclint.parsers.caddy_checks import check_address, check_entries, check_lines
from rtclint.parsers.caddy_lexer import CToken, LexError, tokenize
from rtclint.parsers.caddy_tree import Block, CaddySyntaxError, Directive, Entry, token_span

__all__ = ["Block", "CaddySyntaxError", "Directive", "Entry", "parse"]


# -- tokens → Lark terminals (Caddy's newline rules) ----------------------------------


class _Terminals:
    """Lark terminals (made by `Token`, lark's class) for the grammar; token values are
    indexes into the CToken list.

    _NL between tokens on different logical lines (parse.go isNextOnNewLine), except
    after an address that ends with ',' at the top level (parse.go addresses(): the list
    continues); IMPORT for a bare `import` starting a line; a snippet's body as RAW."""

    def __init__(self, start_rule: str, Token, site_openers: set[int] | None = None) -> None:
        self.Token = Token
        self.site_openers = site_openers
        self.top = start_rule == "start"  # at the top level, an entry's first line holds addresses
        self.depth = 0
        self.in_keys = self.top
        self.import_line = False  # the current line is an import statement
        self.keys_seen = 0  # addresses read since the last entry ended
        self.entry_keys: list[CToken] = []  # the addresses of the current top-level entry
        self.raw_depth = 0  # inside a snippet definition: its brace depth (Caddy's blockTokens)
        self.after_keys = False  # this token starts the line right after a line of addresses
        self.prev: CToken | None = None

    def of(self, tokens: list[CToken]) -> list:
        out: list = []
        for idx, tok in enumerate(tokens):
            if self.raw_depth:
                out.append(self._raw(idx, tok))
            else:
                out += self._terminals(idx, tok)
            self.prev = tok
        return out

    def _end_entry(self) -> None:
        self.depth, self.in_keys, self.keys_seen, self.entry_keys = 0, self.top, 0, []

    def _raw(self, idx: int, tok: CToken):
        """A snippet body is only collected (brace-matched), not parsed, until it is imported."""
        if tok.bare and tok.text in ("{", "}"):
            self.raw_depth += 1 if tok.text == "{" else -1
        if self.raw_depth == 0:
            self._end_entry()
            return self.Token("RBRACE", str(idx), start_pos=tok.start)
        return self.Token("RAW", str(idx), start_pos=tok.start)

    def _terminals(self, idx: int, tok: CToken) -> list:
        """The token's terminal, after a _NL when it starts a new logical line."""
        out = []
        prev = self.prev
        new_line = prev is None
        if prev is not None and prev.line + prev.line_breaks() < tok.line:
            if not (self.in_keys and self.depth == 0 and prev.text.endswith(",")):
                out.append(self.Token("_NL", "\n", start_pos=prev.end))
                if self.depth == 0 and not self.import_line and self.keys_seen and self.in_keys:
                    self.in_keys = False
                    self.after_keys = True  # a '{' opening the next line still belongs to the site
                new_line = True
        reading_keys = self.in_keys and self.depth == 0 and not self.import_line
        if reading_keys and not (tok.bare and tok.text in ("{", "}", "import")):
            check_address(tok)
        kind = self._kind(idx, tok, new_line)
        if new_line:
            self.import_line = kind == "IMPORT"
        if self.in_keys and self.depth == 0 and kind in ("WORD", "QUOTED") and not self.import_line:
            self.keys_seen += 1
            self.entry_keys.append(tok)
        out.append(self.Token(kind, str(idx), start_pos=tok.start))
        self.after_keys = False
        return out

    def _kind(self, idx: int, tok: CToken, new_line: bool) -> str:
        if tok.bare and tok.text == "{":
            return self._open(idx)
        if tok.bare and tok.text == "}":
            self.depth -= 1
            if self.depth <= 0:
                self._end_entry()
            return "RBRACE"
        if tok.bare and tok.text == "import" and new_line:
            return "IMPORT"
        return "QUOTED" if tok.quote else "WORD"

    def _open(self, idx: int) -> str:
        kind = "LBRACE"
        opens_entry = self.depth == 0 and (self.in_keys or self.after_keys)
        if opens_entry and self.site_openers is not None:
            self.site_openers.add(idx)
        if self.depth == 0:
            self.in_keys = False
            if opens_entry and len(self.entry_keys) == 1 and _SNIPPET_KEY.match(self.entry_keys[0].text):
                kind, self.raw_depth = "SNIPPET_OPEN", 1
        self.depth += 1
        return kind


_SNIPPET_KEY = re.compile(r"^&?\(.*\)$")


# -- parse ----------------------------------------------------------------------------


def parse(text: str, start_rule: str = "start", tokens: list[CToken] | None = None):
    """(tokens, tree) of `text` — entries for 'start', directive lines for 'lines' — or
    CaddySyntaxError with Caddy's message. Pass `tokens` when already lexed."""
    if tokens is None:
        try:
            tokens = tokenize(text)
        except LexError as exc:
            raise CaddySyntaxError(exc.message, exc.offset) from None
    tree = _run_lark(tokens, start_rule)
    if start_rule == "lines":
        lines = [_directive(tokens, c) for c in tree.children]
        check_lines(lines)
        return tokens, lines
    entries = _entries(tokens, tree)
    check_entries(tokens, entries)
    return tokens, entries


def _run_lark(tokens: list[CToken], start_rule: str):
    from rtclint.parsers import caddy_grammar  # imports lark: only when a Caddyfile is parsed
    from rtclint.parsers.caddy_grammar import Token, UnexpectedToken

    site_openers: set[int] = set()
    terminals = _Terminals(start_rule, Token, site_openers).of(tokens)
    try:
        return caddy_grammar.parse(terminals, start_rule)
    except UnexpectedToken as exc:
        error = _caddy_error(tokens, terminals, exc)
    if _caddy_closes_at_eof(tokens, terminals, error, site_openers):
        # parse.go quirk: when the file ends inside a site block and its last token is a '}'
        # that closed a directive's block, closeCurlyBrace() looks at that same '}' again and
        # accepts it as the site's own. `caddy adapt` accepts such a file; so do we.
        try:
            closing = [Token("_NL", "\n", start_pos=tokens[-1].end),
                       Token("RBRACE", terminals[-1].value, start_pos=tokens[-1].start)]
            return caddy_grammar.parse(terminals + closing, start_rule)
        except UnexpectedToken:
            pass
    raise error


def _caddy_closes_at_eof(tokens: list[CToken], terminals: list, error: "CaddySyntaxError", site_openers: set[int]) -> bool:
    if not getattr(error, "at_eof", False) or not tokens or not terminals:
        return False
    last = tokens[-1]
    depth, opener = 0, -1
    for i, t in enumerate(terminals):
        if t.type == "LBRACE":
            if depth == 0:
                opener = i
            depth += 1
        elif t.type == "RBRACE":
            depth -= 1
    if not (last.bare and last.text == "}" and depth == 1 and terminals[-1].type == "RBRACE"):
        return False
    # only a site's (or the global options') own '{' gets this second look (blockContents);
    # a directive's block in a site without braces, a snippet or a named route does not
    return opener >= 0 and int(terminals[opener].value) in site_openers


def _caddy_error(tokens: list[CToken], terminals: list, exc) -> CaddySyntaxError:
    """Turn Lark's 'unexpected token' into what Caddy's parser says at that point."""
    tok = getattr(exc, "token", None)
    if tok is None or tok.type == "$END":
        return _eof_error(tokens)
    position = next((i for i, t in enumerate(terminals) if t is tok), None)
    before = terminals[position - 1] if position else None
    if tok.type == "_NL":
        last = tokens[int(before.value)] if before is not None and before.type != "_NL" else tokens[-1]
        return CaddySyntaxError(f"unexpected end of line after '{last.text}'", last.start, last.end)
    ctok = tokens[int(tok.value)]
    if before is not None and before.type == "LBRACE":
        return CaddySyntaxError("Unexpected next token after '{' on same line", ctok.start, ctok.end)
    if tok.type == "RBRACE":
        return CaddySyntaxError("Unexpected '}' because no matching opening brace", ctok.start, ctok.end)
    if tok.type == "LBRACE" and (before is None or before.type == "_NL"):
        return CaddySyntaxError(
            "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?", ctok.start, ctok.end
        )
    return CaddySyntaxError(f"syntax error: unexpected token '{ctok.text}'", ctok.start, ctok.end)


def _eof_error(tokens: list[CToken]) -> CaddySyntaxError:
    """Caddy names the last token's line for 'unexpected EOF'; we also say which '{' is open."""
    stack: list[CToken] = []
    for t in tokens:
        if t.bare and t.text == "{":
            stack.append(t)
        elif t.bare and t.text == "}" and stack:
            stack.pop()
    last = tokens[-1] if tokens else None
    if last is None:
        error = CaddySyntaxError("unexpected EOF", 0, 0)
    elif last.unterminated:
        error = CaddySyntaxError(
            f"syntax error: unexpected token '{_short(last.text)}', expecting '}}': the quote opened here is never "
            "closed",
            last.start,
            last.start + 1,
        )
    elif stack:
        error = CaddySyntaxError(
            f"unexpected EOF: the '{{' on line {stack[-1].line} is never closed (expecting '}}')", last.start, last.end
        )
    else:
        error = CaddySyntaxError("unexpected EOF", last.start, last.end)
    error.at_eof = True  # type: ignore[attr-defined]
    return error


def _short(text: str) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= 40 else text[:37] + "..."


# -- Lark tree → entries ---------------------------------------------------------------


def _entries(tokens: list[CToken], tree) -> list[Entry]:
    out = []
    for child in tree.children:
        if child.data == "site":
            keys = [tokens[int(t.value)] for t in child.children[0].children]
            body = child.children[1]
            block = _snippet_block(tokens, body) if body.data == "snippet_block" else _block(tokens, body)
            out.append(Entry(_site_kind(keys), keys, block))
        elif child.data == "global_block":
            out.append(Entry("global", [], _block(tokens, child.children[0])))
        elif child.data == "import_stmt":
            d = _directive(tokens, child)
            out.append(Entry("import", [], None, directive=d))
        elif child.data in ("braceless", "braceless_closed"):
            keys = [tokens[int(t.value)] for t in child.children[0].children]
            lines = [_directive(tokens, c) for c in child.children[1:] if hasattr(c, "data")]
            closing = child.children[-1] if not hasattr(child.children[-1], "data") else None
            if _site_kind(keys) != "site" and (lines or closing is not None):
                # a snippet or named route must have its block (parse.go blockTokens)
                found = lines[0].items[0] if lines else tokens[int(closing.value)]
                raise CaddySyntaxError(f"syntax error: unexpected token '{found.text}', expecting '{{'", *token_span(found))
            out.append(Entry("braceless", keys, None, lines))
    return out


def _site_kind(keys: list[CToken]) -> str:
    if len(keys) == 1 and keys[0].text.startswith("&(") and keys[0].text.endswith(")"):
        return "named_route"
    if len(keys) == 1 and keys[0].text.startswith("(") and keys[0].text.endswith(")"):
        return "snippet"
    return "site"


def _snippet_block(tokens: list[CToken], node) -> Block:
    """A snippet's body: parsed as directive lines when it can be (Caddy checks it only
    where it is imported; a body that does not parse as lines imports nothing here)."""
    kids = node.children
    inner = [tokens[int(t.value)] for t in kids[1:-1]]
    lines: list[Directive] = []
    error = None
    if inner:
        try:
            _, lines = parse("", "lines", inner)
        except CaddySyntaxError as exc:
            error = exc
    return Block(tokens[int(kids[0].value)], tokens[int(kids[-1].value)], lines, error)


def _block(tokens: list[CToken], node) -> Block:
    kids = node.children
    open_tok = tokens[int(kids[0].value)]
    close_tok = tokens[int(kids[-1].value)]
    lines = [_directive(tokens, c) for c in kids[1:-1]]
    return Block(open_tok, close_tok, lines)


def _directive(tokens: list[CToken], node) -> Directive:
    items: list = []
    for c in node.children:
        if hasattr(c, "data"):
            items.append(_block(tokens, c))
        else:
            items.append(tokens[int(c.value)])
    return Directive(items)
