"""HAProxy's line tokenizer: HAProxy 2.x `parse_line` (src/tools.c) as `cfgparse.c` calls
it (ENV | DQUOTE | SQUOTE | BKSLASH | SHARP | WORD_EXPAND); see rtclint/parsers/haproxy.py
for the rules it follows."""

from __future__ import annotations

from dataclasses import dataclass, field

_HEX = set("0123456789abcdefABCDEF")


@dataclass
class HWord:
    value: str
    start: int  # source span of the whole word, quotes included
    end: int
    where: list[int] = field(default_factory=list, repr=False)  # source offset of each value char
    templated: bool = False  # holds an environment variable reference


@dataclass
class Line:
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
    offset: int
    message: str


def tokenize_line(text: str, start: int, end: int) -> tuple[list[HWord], LineError | None]:
    """Words of text[start:end] (one physical line, no line break) as parse_line splits it."""
    words: list[HWord] = []
    i = start
    while i < end and text[i] in " \t\f\v":
        i += 1
    cur: HWord | None = None
    squote = dquote = False
    quote_at = -1
    out: list[str] = []
    where: list[int] = []

    def emit(ch: str, at: int) -> None:
        nonlocal cur
        if cur is None:
            cur = HWord("", at, at)
        out.append(ch)
        where.append(at)

    def close(at: int) -> None:
        nonlocal cur, out, where
        if cur is not None:
            cur.value, cur.where, cur.end = "".join(out), where, at
            words.append(cur)
        cur, out, where = None, [], []

    while i < end:
        ch = text[i]
        if ch == "\r":
            break
        if ch == "#" and not squote and not dquote:
            break
        if ch == '"' and not squote:
            if cur is None:
                cur = HWord("", i, i)
            dquote, quote_at = not dquote, i
            i += 1
            continue
        if ch == "'" and not dquote:
            if cur is None:
                cur = HWord("", i, i)
            squote, quote_at = not squote, i
            i += 1
            continue
        if ch == "\\" and not squote:
            step, value, err = _escape(text, i, end, dquote)
            if err:
                return words, LineError(i, "truncated or invalid hexadecimal sequence")
            emit(value, i)
            i += step
            continue
        if ch in " \t\f\v" and not squote and not dquote:
            close(i)
            while i < end and text[i] in " \t\f\v":
                i += 1
            continue
        if ch == "$" and dquote:
            step, err_at, message = _variable(text, i, end)
            if message:
                return words, LineError(err_at, message)
            if cur is None:
                cur = HWord("", i, i)
            cur.templated = True
            for k in range(i, i + step):
                emit(text[k], k)
            i += step
            continue
        emit(ch, i)
        i += 1
    if squote or dquote:
        return words, LineError(quote_at, "unmatched quote")
    close(i)
    return words, None


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
