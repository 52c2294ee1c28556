"""Caddy's Caddyfile lexer, ported rune for rune from caddyconfig/caddyfile/lexer.go.

Why a port and not a regex: Caddy's rules are quirky and the grammar tests compare
rtclint with the real `caddy adapt`, so every quirk counts:

- a token ends at any Unicode space; `{` and `}` are structure only as whole tokens;
- `"…"` keeps every backslash except the one in `\\"`; backticks keep everything;
- `<<MARKER` + newline opens a heredoc that ends at the first occurrence of MARKER (even
  inside a word), and the closing line's indentation is stripped from every line;
- `#` starts a comment only at the start of a token; `\\`+newline joins lines (the next
  line keeps the same *logical* line number, which decides where a directive ends);
- a CR is dropped everywhere outside quotes (it never ends a token).

Environment placeholders `{$NAME}` / `{$NAME:default}` are replaced by Caddy on the raw
bytes before lexing; rtclint cannot know the value, so it keeps each one opaque: the
characters belong to the surrounding token whatever they are (a space in the default
does not split it).

Every token keeps its exact source span, and for quoted tokens whose value differs
from the source slice (heredoc indentation, a dropped CR, an escaped quote) the source
offset of each value character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEREDOC_MARKER = re.compile(r"^[A-Za-z0-9_-]+$")
# Go's unicode.IsSpace, plus the backslash: what ends (or complicates) a plain bare word
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PLAIN_WORD = re.compile(f"[^{_GO_SPACE}\\\\]+")
_WORD_START_SLOW = set('"`\\#<')
_ENV = re.compile(r"\{\$[^{}\s:]+(?::[^{}\n]*)?\}")


class LexError(Exception):
    """A heredoc problem: the only errors Caddy's lexer reports."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(slots=True)  # one per token: slots keep them small
class CToken:
    """A Caddyfile token: its value as Caddy reads it, its quoting, span and line."""

    text: str  # the value as Caddy sees it (quotes removed, escapes applied)
    quote: str  # '' bare word, '"', '`', or '<' (heredoc)
    start: int  # source span of the whole token, quotes/markers included
    end: int
    line: int  # Caddy's logical line number (continuation lines keep the first one)
    value_map: list[int] | None = None  # source offset of each char of `text`, when not contiguous
    value_start: int = 0  # source offset of text[0] when value_map is None
    path: str = ""  # display path of the file the token came from (set by the reader)
    unterminated: bool = False  # a quote still open at the end of the file (Caddy keeps it as a word)

    @property
    def bare(self) -> bool:
        return self.quote == ""

    def line_breaks(self) -> int:
        """Caddy's Token.NumLineBreaks: newlines inside the value (+2 for a heredoc)."""
        return self.text.count("\n") + (2 if self.quote == "<" else 0)

    def offset_of(self, index: int) -> int:
        """The source offset of `text[index]` (index may equal len(text): just past it)."""
        if self.value_map is None:
            return self.value_start + index
        if not self.value_map:
            return self.value_start
        if index >= len(self.value_map):
            return self.value_map[-1] + 1
        return self.value_map[index]


def _is_space(ch: str) -> bool:
    """Go's unicode.IsSpace."""
    if ord(ch) < 256:
        return ch in "\t\n\v\f\r \x85\xa0"
    return ch.isspace()


def env_spans(text: str) -> dict[int, int]:
    """Start → end of each `{$NAME}` / `{$NAME:default}` (no whitespace or braces inside,
    which is the only shape whose replacement rtclint can keep opaque safely)."""
    return {m.start(): m.end() for m in _ENV.finditer(text)}


def tokenize(text: str) -> list[CToken]:
    """All tokens of `text`, or LexError (Caddy's heredoc errors) with its offset."""
    return _Lexer(text).run()


class _Pending:
    """The token _Lexer._next is reading (the locals of Caddy's lexer.next)."""

    __slots__ = ("val", "offs", "comment", "quoted", "bt", "in_heredoc", "heredoc_escaped", "escaped", "marker",
                 "start", "line", "esc_at")

    def __init__(self) -> None:
        self.val: list[str] = []
        self.offs: list[int] = []  # the source offset of each character of val
        self.comment = self.quoted = self.bt = self.in_heredoc = self.heredoc_escaped = self.escaped = False
        self.marker = ""
        self.start = self.line = self.esc_at = -1

    def add(self, ch: str, at: int) -> None:
        self.val.append(ch)
        self.offs.append(at)

    def opens_heredoc(self) -> bool:
        """The token so far is `<<` + marker characters, outside quotes."""
        return (not self.quoted and not self.bt and not self.in_heredoc and not self.heredoc_escaped
                and len(self.val) > 1 and self.val[0] == "<" and self.val[1] == "<")


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.skipped = 0
        self.env = env_spans(text) if "{$" in text else {}

    def run(self) -> list[CToken]:
        tokens = []
        while True:
            tok = self.next()
            if tok is None:
                return tokens
            tokens.append(tok)

    def next(self) -> CToken | None:
        fast = self._fast_token()
        return fast if fast is not None else self._next()

    def _fast_token(self) -> CToken | None:
        """Shortcuts for the common tokens (a plain word; a backtick string), taken only
        where they give exactly what the rune-by-rune port gives."""
        text, n = self.text, len(self.text)
        i = self.pos
        while i < n and text[i] in " \t\n\r":
            if text[i] == "\n":
                self.line += 1 + self.skipped
                self.skipped = 0
            i += 1
        self.pos = i  # whitespace between tokens changes nothing but the line count
        if i >= n:
            return None
        ch = text[i]
        if ch == "`":
            close = text.find("`", i + 1)
            if close < 0 or any(i < e < close for e in self.env):
                return None
            value = text[i + 1 : close]
            line = self.line
            newlines = value.count("\n")
            if newlines:
                self.line += newlines + self.skipped
                self.skipped = 0
            self.pos = close + 1
            return CToken(value, "`", i, close + 1, line, None, i + 1)
        if ch in _WORD_START_SLOW or ch in "\n\r\v\f\x85\xa0":
            return None
        m = _PLAIN_WORD.match(text, i)
        if m is None:
            return None
        end = m.end()
        if (end < n and text[end] in "\\\r") or "{$" in m.group():
            return None
        self.pos = end
        return CToken(m.group(), "", i, end, self.line, None, i)

    def _next(self) -> CToken | None:
        """Caddy's lexer.next (caddyconfig/caddyfile/lexer.go), one rune at a time; each
        kind of rune is handled as the Go function's branch of the same name would."""
        st = _Pending()
        text, n = self.text, len(self.text)
        while True:
            if self.pos >= n:
                return self._at_end(st, n)
            i = self.pos
            ch = text[i]
            self.pos += 1
            if not st.comment and not st.in_heredoc and i in self.env and not (
                    st.val[:2] == ["<", "<"] and not st.quoted and not st.bt):
                self._env_placeholder(st, i)  # an opaque {$ENV}: its characters join the token
                continue
            if st.opens_heredoc():
                tok = self._heredoc_opening(st, ch, i)
            elif st.in_heredoc:
                tok = self._heredoc_body(st, ch, i)
            elif not st.escaped and not st.bt and ch == "\\":
                st.escaped, st.esc_at = True, i
                continue
            elif st.quoted or st.bt:
                tok = self._quoted(st, ch, i)
            elif _is_space(ch):
                tok = self._space(st, ch, i)
            else:
                self._plain(st, ch, i)
                continue
            if tok is not None:
                return tok

    def _make(self, st: "_Pending", quote: str, end: int) -> CToken:
        return self._token(st.val, st.offs, quote, st.start, end, st.line)

    def _at_end(self, st: "_Pending", n: int) -> CToken | None:
        if not st.val:
            return None
        if st.in_heredoc:
            raise LexError(f"incomplete heredoc <<{st.marker} on line #{self.line + self.skipped}, "
                           f"expected ending marker {st.marker}", st.start)
        tok = self._make(st, "", n)
        tok.unterminated = st.quoted or st.bt
        return tok

    def _env_placeholder(self, st: "_Pending", i: int) -> None:
        if not st.val and not st.quoted and not st.bt:
            st.start, st.line = (st.esc_at if st.escaped else i), self.line
        if st.escaped and not st.quoted:
            st.add("\\", st.esc_at)
        st.escaped = False
        end = self.env[i]
        st.val.extend(self.text[i:end])
        st.offs.extend(range(i, end))
        self.pos = end

    def _heredoc_opening(self, st: "_Pending", ch: str, i: int) -> CToken | None:
        """After `<<`: the marker runs to the end of the line (a space ends a plain word)."""
        if ch == " ":
            return self._make(st, "", i)
        if ch == "\r":
            return None
        if ch != "\n":
            st.add(ch, i)
            return None
        st.marker = self._heredoc_marker(st)
        st.in_heredoc = True
        self.skipped += 1
        st.val, st.offs = [], []
        return None

    def _heredoc_marker(self, st: "_Pending") -> str:
        if len(st.val) == 2:
            raise LexError(f"missing opening heredoc marker on line #{self.line}; must contain only alphanumeric "
                           "characters, dashes and underscores; got empty string", st.start)
        if st.val[2] == "<":
            raise LexError(f"too many '<' for heredoc on line #{self.line}; only use two, for example <<END",
                           st.start)
        marker = "".join(st.val[2:])
        if not _HEREDOC_MARKER.match(marker):
            raise LexError(f"heredoc marker on line #{self.line} must contain only alphanumeric characters, "
                           f"dashes and underscores; got '{marker}'", st.start)
        return marker

    def _heredoc_body(self, st: "_Pending", ch: str, i: int) -> CToken | None:
        st.add(ch, i)
        if ch == "\n":
            self.skipped += 1
        marker = st.marker
        if len(st.val) >= len(marker) and "".join(st.val[len(st.val) - len(marker):]) == marker:
            st.val, st.offs = self._finalize_heredoc(st.val, st.offs, marker)
            self.line += self.skipped
            self.skipped = 0
            return self._make(st, "<", self.pos)
        return None

    def _quoted(self, st: "_Pending", ch: str, i: int) -> CToken | None:
        if st.quoted and st.escaped:
            if ch != '"':
                st.add("\\", st.esc_at)
            st.escaped = False
        elif (st.quoted and ch == '"') or (st.bt and ch == "`"):
            return self._make(st, ch, self.pos)
        if ch == "\n":
            self.line += 1 + self.skipped
            self.skipped = 0
        st.add(ch, i)
        return None

    def _space(self, st: "_Pending", ch: str, i: int) -> CToken | None:
        if ch == "\r":
            return None
        if ch == "\n":
            if st.escaped:
                self.skipped += 1
                st.escaped = False
            else:
                self.line += 1 + self.skipped
                self.skipped = 0
            st.comment = False
        return self._make(st, "", i) if st.val else None

    def _plain(self, st: "_Pending", ch: str, i: int) -> None:
        if ch == "#" and not st.val:
            st.comment = True
        if st.comment:
            return
        if not st.val:
            st.start, st.line = (st.esc_at if st.escaped else i), self.line
            if ch == '"':
                st.quoted = True
                return
            if ch == "`":
                st.bt = True
                return
        if st.escaped:
            if ch == "<":
                st.heredoc_escaped = True
            else:
                st.add("\\", st.esc_at)
            st.escaped = False
        st.add(ch, i)

    def _token(self, val: list[str], offs: list[int], quote: str, start: int, end: int, line: int) -> CToken:
        text = "".join(val)
        if quote == "<":
            # the value starts on the line after `<<MARKER`
            contiguous = False
        else:
            contiguous = bool(offs) and offs[-1] - offs[0] == len(offs) - 1
        if not offs:
            inner = start + (1 if quote in ('"', "`") else 0)
            return CToken(text, quote, start, end, line, None, inner)
        if contiguous:
            return CToken(text, quote, start, end, line, None, offs[0])
        return CToken(text, quote, start, end, line, list(offs), offs[0])

    def _finalize_heredoc(self, val: list[str], offs: list[int], marker: str) -> tuple[list[str], list[int]]:
        """lexer.go finalizeHeredoc: strip the closing marker's indentation from each line."""
        s = "".join(val)
        last_nl = s.rfind("\n")
        padding = s[last_nl + 1 : len(s) - len(marker)]
        out: list[str] = []
        out_offs: list[int] = []
        line_start = 0
        body = s[: last_nl + 1]
        line_no = 0
        while line_start < len(body):
            nl = body.index("\n", line_start)
            line_text = body[line_start:nl]
            if line_text in ("", "\r"):
                out.append("\n")
                out_offs.append(offs[nl])
            else:
                if not line_text.startswith(padding):
                    clean = line_text.rstrip("\r\n")
                    raise LexError(
                        f"mismatched leading whitespace in heredoc <<{marker} on line #{self.line + line_no + 1} "
                        f"[{clean}], expected whitespace [{padding}] to match the closing marker",
                        offs[line_start],
                    )
                for k in range(line_start + len(padding), nl + 1):
                    if s[k] != "\r":
                        out.append(s[k])
                        out_offs.append(offs[k])
            line_start = nl + 1
            line_no += 1
        if out and out[-1] == "\n":
            out.pop()
            out_offs.pop()
        return out, out_offs
