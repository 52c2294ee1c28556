"""HAProxy's line tokenizer: HAProxy 2.x `parse_line` (src/tools.c) as `cfgparse.c` calls
it (ENV | DQUOTE | SQUOTE | BKSLASH | SHARP | WORD_EXPAND); see rtclint/parsers/haproxy.py
for the rules it follows."""

from __future__ import annotations

from dataclasses import dataclass, field

_HEX = set("0123456789abcdefABCDEF")


@dataclass
class HWord:
    """An HAProxy word as HAProxy reads it (quotes and escapes applied), with its source offsets."""

    value: str
    start: int  # source span of the whole word, quotes included
    end: int
    where: list[int] = field(default_factory=list, repr=False)  # source offset of each value char
    templated: bool = False  # holds an environment variable reference


@dataclass
class Line:
    """One HAProxy config line and its words."""

    words: list[HWord]
    start: int  # offset of the line start
    end: int  # offset of the line end (before the line break)
    number: int

    @property
    def keyword(self) -> str:
        return self.words[0].value if self.words else ""

    def args(self, from_index: int = 1) -> list[str]:
        return [w.value for w in self.words[from_index:]]


@dataclass
class LineError:
    """A line HAProxy would reject, and why."""

    offset: int
    message: str


def tokenize_line(text: str, start: int, end: int) -> tuple[list[HWord], LineError | None]:
    """Words of text[start:end] (one physical line, no line break) as parse_line splits it."""
    return _LineReader(text, end).words_from(start)


class _LineReader:
    """parse_line's loop over one line: quotes toggle, pieces glue into one word."""

    def __init__(self, text: str, end: int) -> None:
        self.text, self.end = text, end
        self.words: list[HWord] = []
        self.cur: HWord | None = None  # the word being read
        self.out: list[str] = []  # its value so far
        self.where: list[int] = []  # the source offset of each value character
        self.squote = self.dquote = False
        self.quote_at = -1

    def words_from(self, i: int) -> tuple[list[HWord], LineError | None]:
        text, end = self.text, self.end
        i = self._skip_space(i)
        while i < end:
            ch = text[i]
            quoted = self.squote or self.dquote
            if ch == "\r" or (ch == "#" and not quoted):
                break
            if (ch == '"' and not self.squote) or (ch == "'" and not self.dquote):
                self._toggle_quote(ch, i)
                i += 1
            elif ch == "\\" and not self.squote:
                step, value, err = _escape(text, i, end, self.dquote)
                if err:
                    return self.words, LineError(i, "truncated or invalid hexadecimal sequence")
                self._emit(value, i)
                i += step
            elif ch in " \t\f\v" and not quoted:
                self._close(i)
                i = self._skip_space(i)
            elif ch == "$" and self.dquote:
                step, err_at, message = _variable(text, i, end)
                if message:
                    return self.words, LineError(err_at, message)
                self._templated(i, step)
                i += step
            else:
                self._emit(ch, i)
                i += 1
        if self.squote or self.dquote:
            return self.words, LineError(self.quote_at, "unmatched quote")
        self._close(i)
        return self.words, None

    def _skip_space(self, i: int) -> int:
        while i < self.end and self.text[i] in " \t\f\v":
            i += 1
        return i

    def _start(self, at: int) -> None:
        if self.cur is None:
            self.cur = HWord("", at, at)

    def _toggle_quote(self, ch: str, at: int) -> None:
        self._start(at)
        if ch == '"':
            self.dquote = not self.dquote
        else:
            self.squote = not self.squote
        self.quote_at = at

    def _templated(self, at: int, length: int) -> None:
        """A `$VAR` reference inside double quotes: kept verbatim, the word marked."""
        self._start(at)
        self.cur.templated = True
        for k in range(at, at + length):
            self._emit(self.text[k], k)

    def _emit(self, ch: str, at: int) -> None:
        self._start(at)
        self.out.append(ch)
        self.where.append(at)

    def _close(self, at: int) -> None:
        if self.cur is not None:
            self.cur.value, self.cur.where, self.cur.end = "".join(self.out), self.where, at
            self.words.append(self.cur)
        self.cur, self.out, self.where = None, [], []


def _escape(text: str, i: int, end: int, dquote: bool) -> tuple[int, str, bool]:
    nxt = text[i + 1] if i + 1 < end else ""
    if nxt in (" ", "\\", "#", "'", '"'):
        return 2, nxt, False
    if nxt in ("t", "n", "r"):
        return 2, {"t": "\t", "n": "\n", "r": "\r"}[nxt], False
    if nxt == "$" and dquote:
        return 2, "$", False
    if nxt == "x":
        hexa = text[i + 2:i + 4]
        if len(hexa) < 2 or i + 4 > end or not set(hexa) <= _HEX:
            return 0, "", True
        return 4, chr(int(hexa, 16)), False
    return 1, "\\", False


def _variable(text: str, i: int, end: int) -> tuple[int, int, str]:
    """Length of a `$NAME` / `${NAME[-default]}` reference at i (kept verbatim), or where
    and why HAProxy rejects it."""
    j = i + 1
    brace = j if j < end and text[j] == "{" else -1
    if brace != -1:
        j += 1
    if j >= end or not (text[j].isalpha() or text[j] in "_."):
        return 0, j, "forbidden first char in environment variable name"
    j += 1
    while j < end and (text[j].isalnum() or text[j] == "_"):
        j += 1
    if brace == -1:
        return j - i, 0, ""
    if text.startswith("[*]", j):
        j += 3
    if j < end and text[j] == "-":
        close = text.find("}", j, end)
        if close == -1:
            return 0, brace, "unmatched brace in environment variable name"
        return close + 1 - i, 0, ""
    if j >= end or text[j] != "}":
        return 0, brace, "unmatched brace in environment variable name"
    return j + 1 - i, 0, ""
