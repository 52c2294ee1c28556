"""nginx configuration text → statements with exact character spans.

crossplane (the structure and directive table rtclint uses for nginx) reports only line
numbers, so this module re-reads the text the way nginx's own `ngx_conf_read_token`
(src/core/ngx_conf_file.c) does and keeps the offset of every word. Where crossplane's
lexer and nginx disagree, nginx wins, because nginx is what runs the file:

- only space, tab, CR and LF separate words (crossplane: any `str.isspace`);
- an unquoted word ends at whitespace, `;` or `{` (except the `{` of `${`) — a `}` or
  `#` inside a word is part of it (crossplane ends words at `}`);
- a closing quote must be followed by whitespace, `;`, `{` or `)` (`unexpected "x"`);
- a backslash escapes the next character anywhere; the word's value is then unescaped
  like nginx: `\\"` `\\'` `\\\\` → the character, `\\t` `\\r` `\\n` → control characters,
  any other `\\x` stays as two characters.

`parse_text` never raises: syntax errors come back as `SyntaxProblem`s with offsets.
"""

from __future__ import annotations

import re
from array import array
from sys import intern as _intern
from dataclasses import dataclass, field

_SPACE = " \t\r\n"
_NONSPACE = re.compile(r"[^ \t\r\n]")
_STOPS = {"": re.compile(r"[ \t\r\n;{\\]"), '"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_PAIRS = [("\\" + k, v) for k, v in _SIMPLE_ESCAPES.items() if k != "\\"]
_ESCAPE = re.compile(r"\\([\"'\\trn])")
# an unquoted word without backslash or `{`: the common case, read in one match
_PLAIN_WORD = re.compile(r"[^ \t\r\n;{\\]*")


@dataclass(slots=True)  # one per token: slots keep them small
class Word:
    """One word of a directive. `start`/`end` cover the word in the source, quotes
    included; `raw_start`/`raw_end` cover the characters between the quotes."""

    value: str  # after nginx's unescaping
    start: int
    end: int
    quoted: str = ""  # '"', "'" or '' (unquoted)
    raw_start: int = 0
    raw_end: int = 0

    def source_map(self, text: str) -> array:
        """`map[i]` is the source offset of `value[i]` (for positions inside JSON bodies)."""
        if "\\" not in text[self.raw_start:self.raw_end]:
            return array("l", range(self.raw_start, self.raw_end))
        return unescape(text, self.raw_start, self.raw_end)[1]

    def crossplane_value(self, text: str) -> str:
        """The argument as crossplane reports it (for comparing the two parsers in tests)."""
        raw = text[self.raw_start : self.raw_end]
        return raw.replace("\\" + self.quoted, self.quoted) if self.quoted else raw


@dataclass
class Stmt:
    """A directive: its name and arguments, how it ended, and its block if it has one."""

    words: list[Word]
    terminator: str  # ';', '{' or '' (cut off by an error or the end of the file)
    term_start: int
    block: list["Stmt"] | None = None
    block_end: int | None = None  # offset of the closing '}'
    path: str = ""  # display path of the file the statement is in
    includes: list["IncludedFile"] = field(default_factory=list)

    def __post_init__(self) -> None:
        # plain attributes, not properties: the model and the checks ask for them
        # hundreds of thousands of times per run (the words of a statement never change)
        self.name: str = self.words[0].value
        self.args: list[Word] = self.words[1:]

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        if self.block_end is not None:
            return self.block_end + 1
        return self.term_start + (1 if self.terminator else 0)


@dataclass
class IncludedFile:
    """A file an `include` pulled in, with the statements read from it."""

    abspath: str
    path: str
    stmts: list[Stmt]


@dataclass
class SyntaxProblem:
    """Text nginx would refuse to load, and why."""

    start: int
    end: int
    message: str


@dataclass
class Comment:
    """The offsets of a `#` comment in an nginx file."""

    start: int
    end: int


@dataclass
class Parsed:
    """An nginx file's statements, its syntax problems, comments and documentation elisions."""

    stmts: list[Stmt]
    problems: list[SyntaxProblem]
    comments: list[Comment]
    elisions: list[Word]  # documentation `...` lines that were skipped


def _escaped(match: re.Match) -> str:
    return _SIMPLE_ESCAPES[match.group(1)]


def unescape_value(raw: str) -> str:
    """nginx's unescaping of `raw` (the value `unescape` returns, without the offsets)."""
    if "\\" not in raw:
        return raw
    if "\\\\" in raw:
        return _ESCAPE.sub(_escaped, raw)
    # no backslash is escaped, so every backslash starts its own pair and the pairs can
    # be replaced one kind at a time (JSON bodies: many `\"`, and str.replace is C)
    for pair, char in _PAIRS:
        raw = raw.replace(pair, char)
    return raw


def unescape(text: str, start: int, end: int) -> tuple[str, array]:
    """nginx's unescaping of text[start:end], and the source offset of each result char
    (an escape's result char sits at its backslash). The offsets are an array of
    machine integers: the model keeps one per character of every escaped body (JSON
    well-knowns), and as a list of ints they took 36 bytes a character, 26 MB of the
    900-file bench set."""
    raw = text[start:end]
    if "\\" not in raw:
        return raw, array("l", range(start, end))
    out: list[str] = []
    where = array("l")
    done = 0  # raw[:done] is converted
    for match in _ESCAPE.finditer(raw):
        at = match.start()
        out.append(raw[done:at])
        where.extend(range(start + done, start + at))
        out.append(_SIMPLE_ESCAPES[match.group(1)])
        where.append(start + at)
        done = match.end()
    out.append(raw[done:])
    where.extend(range(start + done, end))
    return "".join(out), where


class _Reader:
    """ngx_conf_read_token as a cursor over the whole text: each call reads one
    directive's words and says how it ended."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.comments: list[Comment] = []

    def read(self) -> tuple[list[Word], str, int, SyntaxProblem | None]:
        """(words, ending, ending offset, problem); ending is ';', '{', '}' or 'eof'."""
        text, n = self.text, len(self.text)
        words: list[Word] = []
        while True:
            m = _NONSPACE.search(text, self.pos)
            i = self.pos = m.start() if m else n
            if i >= n:
                if words:
                    return words, "eof", n, SyntaxProblem(n, n, 'unexpected end of file, expecting ";" or "}"')
                return words, "eof", n, None
            ch = text[i]
            if ch in ";{":
                self.pos = i + 1
                if not words and ch == "{":
                    # keep the block's structure so its '}' closes it, not the parent
                    return [Word("", i, i, "", i, i)], ch, i, SyntaxProblem(i, i + 1, 'unexpected "{"')
                if not words:
                    return words, ch, i, SyntaxProblem(i, i + 1, f'unexpected "{ch}"')
                return words, ch, i, None
            if ch == "}":
                self.pos = i + 1
                if words:
                    return words, "}", i, SyntaxProblem(i, i + 1, 'unexpected "}"')
                return words, "}", i, None
            if ch == "#":
                end = text.find("\n", i)
                end = n if end == -1 else end
                self.comments.append(Comment(i, end))
                self.pos = end
                continue
            if ch not in "\"'":
                at = _PLAIN_WORD.match(text, i).end()
                if at == n or text[at] in " \t\r\n;":
                    # interned: the model keeps many of these words (hosts, paths, header
                    # values) and a tree repeats them; one copy each saved 8 MB of the
                    # 900-file bench set's peak
                    words.append(Word(_intern(text[i:at]), i, at, "", i, at))
                    self.pos = at
                    continue
            word, problem = self._word(i)
            if problem is not None:
                return words, "error", problem.start, problem
            words.append(word)

    def _word(self, i: int) -> tuple[Word, SyntaxProblem | None]:
        text, n = self.text, len(self.text)
        quote = text[i] if text[i] in "\"'" else ""
        stop = _STOPS[quote]
        j = raw_start = i + 1 if quote else i
        escaped_at = -1  # offset of the last character a backslash escaped
        while True:
            m = stop.search(text, j)
            if m is None:
                break
            at = m.start()
            ch = text[at]
            if ch == "\\":
                escaped_at, j = at + 1, at + 2
                continue
            if quote:
                return self._after_quote(i, at, quote, raw_start)
            if ch == "{" and at > raw_start and text[at - 1] == "$" and escaped_at != at - 1:
                j = at + 1  # `${name}`: nginx's variable flag keeps this brace in the word
                continue
            self.pos = at
            return _make_word(text, i, at, "", raw_start, at), None
        self.pos = n
        if quote:
            # nginx reads on to the end of the file and stops there; say where the quote began.
            line = text.count("\n", 0, i) + 1
            return _make_word(text, i, n, quote, raw_start, n), SyntaxProblem(
                n, n, f'unexpected end of file, expecting ";" or "}}": the {quote} quote opened on line {line} '
                "is never closed")
        return _make_word(text, i, n, "", raw_start, n), None

    def _after_quote(self, i: int, close: int, quote: str, raw_start: int) -> tuple[Word, SyntaxProblem | None]:
        text = self.text
        word = _make_word(text, i, close + 1, quote, raw_start, close)
        self.pos = close + 1
        # nginx lets `)` follow a quote (it starts the next word: `if ($a = 'b')`)
        if close + 1 < len(text) and text[close + 1] not in _SPACE + ";{)":
            bad = text[close + 1]
            return word, SyntaxProblem(close + 1, close + 2, f'unexpected "{bad}"')
        return word, None


def _make_word(text: str, start: int, end: int, quote: str, raw_start: int, raw_end: int) -> Word:
    return Word(unescape_value(text[raw_start:raw_end]), start, end, quote, raw_start, raw_end)


def parse_text(text: str, path: str = "") -> Parsed:
    """The statements of one file (includes not followed) and its syntax problems."""
    reader = _Reader(text)
    problems: list[SyntaxProblem] = []
    elisions: list[Word] = []
    stack: list[list[Stmt]] = [[]]
    openers: list[Stmt] = []
    while True:
        words, ending, at, problem = reader.read()
        if problem is not None:
            problems.append(problem)
            if ending in ("error", "eof"):
                if words and ending == "eof":
                    stack[-1].append(Stmt(words, "", at, path=path))
                break
        words = _drop_elision(text, words, elisions)
        if ending == "}":
            if words:
                stack[-1].append(Stmt(words, "", at, path=path))
            if not openers:
                if problem is None:
                    problems.append(SyntaxProblem(at, at + 1, 'unexpected "}"'))
                continue
            openers.pop().block_end = at
            stack.pop()
            continue
        if not words:
            if ending == "eof":
                break
            continue
        stmt = Stmt(words, ending if ending in ";{" else "", at, path=path)
        stack[-1].append(stmt)
        if ending == "{":
            stmt.block = []
            stack.append(stmt.block)
            openers.append(stmt)
        if ending == "eof":
            break
    if openers and not any(p.start >= len(text) for p in problems):
        opener = openers[-1]
        line = text.count("\n", 0, opener.start) + 1
        what = f'"{opener.name}" block' if opener.name else "block"
        problems.append(SyntaxProblem(len(text), len(text), 'unexpected end of file, expecting "}": '
                                      f"the {what} opened on line {line} is not closed"))
    return Parsed(stack[0], problems, reader.comments, elisions)


def _drop_elision(text: str, words: list[Word], elisions: list[Word]) -> list[Word]:
    """A line holding only `...` is a documentation elision ("more config here"), not a
    directive. nginx would read it together with the next line as one unknown directive
    `...`; rtclint reports that (RTC001) but models the rest as the author meant it."""
    if not words or words[0].value != "..." or words[0].quoted:
        return words
    first = words[0]
    line_start = text.rfind("\n", 0, first.start) + 1
    line_end = text.find("\n", first.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start:first.start].strip(" \t") or text[first.end:line_end].strip(" \t\r"):
        return words
    elisions.append(first)
    return words[1:]
