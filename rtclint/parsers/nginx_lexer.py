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
from dataclasses import dataclass, field
from sys import intern as _intern

# unescape and unescape_value are read from here too (the tests compare them with nginx)
from rtclint.parsers.nginx_escapes import EscapeMap, source_map, unescape, unescape_value  # noqa: F401

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from array import array

_SPACE = " \t\r\n"
_UNQUOTED_STOP = re.compile(r"[ \t\r\n;{\\]")
# a quoted word's characters: anything but the quote or a backslash, or a backslash and the
# character it escapes (whatever it is)
_QUOTED = {q: re.compile(rf"(?:[^{q}\\]++|\\.)*+", re.S) for q in "\"'"}


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

    def source_map(self, text: str) -> "array | EscapeMap":
        """`map[i]` is the source offset of `value[i]` (for positions inside JSON bodies):
        what `unescape` maps, kept as where the escapes are (`EscapeMap`)."""
        return source_map(self.raw_start, text[self.raw_start:self.raw_end])

    def crossplane_value(self, text: str) -> str:
        """The argument as crossplane reports it (for comparing the two parsers in tests)."""
        raw = text[self.raw_start : self.raw_end]
        return raw.replace("\\" + self.quoted, self.quoted) if self.quoted else raw


@dataclass(init=False)
class Stmt:
    """A directive: its name and arguments, how it ended, and its block if it has one."""

    words: list[Word]
    terminator: str  # ';', '{' or '' (cut off by an error or the end of the file)
    term_start: int
    block: list["Stmt"] | None = None
    block_end: int | None = None  # offset of the closing '}'
    path: str = ""  # display path of the file the statement is in
    includes: list["IncludedFile"] = field(default_factory=list)

    def __init__(self, words: list[Word], terminator: str, term_start: int, block: list["Stmt"] | None = None,
                 block_end: int | None = None, path: str = "", includes: list["IncludedFile"] | None = None
                 ) -> None:
        # written out rather than generated: one per directive of every file, and the
        # generated __init__ plus __post_init__ cost twice as much
        self.words = words
        self.terminator = terminator
        self.term_start = term_start
        self.block = block
        self.block_end = block_end
        self.path = path
        self.includes = [] if includes is None else includes
        # plain attributes, not properties: the model and the checks ask for them
        # hundreds of thousands of times per run (the words of a statement never change)
        self.name: str = words[0].value
        self.args: list[Word] = words[1:]
        self.start: int = words[0].start

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


# One token per match, the match starting where the previous one ended (every position
# matches: spaces, then one of the alternatives or the end of the text), so a file is read
# by one `finditer` instead of two searches per word. An unquoted word without backslash
# or `{` is the common case (`_WORD`); the groups:
#  1 such words separated by single spaces and ended by `;` right after the last one:
#    most directives, read in one match (`listen 443 ssl;`); 2 such words each followed
#    by one space, then `{` (`location / {`; the space keeps `$` and `{` apart);
#  3 one such word, ending at a space, `;` or the end; 4 the `{` or backslash that goes on
#    after such a word instead: then the general reader `_word` reads it from its start
#    (a lookahead for this made the pattern twice as slow);
#  5 `;`, `{` or `}`;  6 a `#` comment (a `#` inside a word is part of the word);
#  7 any other character: the start of a word `_word` reads (quoted, escaped);
#  8 the end of the text. After a `_word` the stream restarts.
_WORD = r"[^ \t\r\n;{}\"'#\\][^ \t\r\n;{\\]*+"
# At most 8 words before the last: where the run of words goes on without `;` or `{`,
# every word of it starts a new try, and an unbounded one would read to the end of the
# run each time (a line of 20,000 words took 7 s); a longer directive is read a word at
# a time up to its last 9 words.
_PLAIN = rf"((?:{_WORD} ){{0,8}}+{_WORD});|((?:{_WORD} ){{1,8}}+){{|({_WORD})([{{\\])?|"
_TOKEN_REST = r"([;{}])|(#[^\n]*+)|(.)|(\Z)"


def _token_pattern(plain: bool = True) -> re.Pattern:
    """The token pattern; without `plain` every word goes through `_word` (for tests)."""
    return re.compile(r"[ \t\r\n]*+(?:" + (_PLAIN if plain else "()()()()(?!)|") + _TOKEN_REST + ")", re.S)


_TOKEN = _token_pattern()


def _statements(text: str, comments: list[Comment]):
    """ngx_conf_read_token over the whole text: yields (words, ending, ending offset,
    problem) per directive; ending is ';', '{', '}', 'eof' or 'error' (the last two end it)."""
    n = len(text)
    words: list[Word] = []
    pos = 0
    while True:
        for m in _TOKEN.finditer(text, pos):
            kind = m.lastindex
            # interned words: the model keeps many of them (hosts, paths, header values)
            # and a tree repeats them; one copy each saved 8 MB of the 900-file set's peak
            if kind == 1 or kind == 2:
                i = m.start(kind)
                for value in (m[1] if kind == 1 else m[2][:-1]).split(" "):
                    j = i + len(value)
                    words.append(Word(_intern(value), i, j, "", i, j))
                    i = j + 1
                at = m.end(kind)  # the `;` or `{`
                yield words, text[at], at, None
                words = []
            elif kind == 3:
                i, j = m.span(3)
                words.append(Word(_intern(m[3]), i, j, "", i, j))
            elif kind == 5:
                i = m.start(5)
                yield _ended(words, text[i], i)
                words = []
            elif kind == 6:
                comments.append(Comment(*m.span(6)))
            elif kind != 8:
                word, problem, pos = _word(text, m.start(3 if kind == 4 else 7))
                if problem is not None:
                    yield words, "error", problem.start, problem
                    return
                words.append(word)
                break  # restart the token stream after the word
            else:
                problem = SyntaxProblem(n, n, 'unexpected end of file, expecting ";" or "}"') if words else None
                yield words, "eof", n, problem
                return


def _ended(words: list[Word], ch: str, i: int) -> tuple[list[Word], str, int, SyntaxProblem | None]:
    """A directive ended by `;`, `{` or `}` at offset i."""
    if ch == "}":
        return words, "}", i, SyntaxProblem(i, i + 1, 'unexpected "}"') if words else None
    if words:
        return words, ch, i, None
    if ch == "{":
        # keep the block's structure so its '}' closes it, not the parent
        return [Word("", i, i, "", i, i)], ch, i, SyntaxProblem(i, i + 1, 'unexpected "{"')
    return words, ch, i, SyntaxProblem(i, i + 1, f'unexpected "{ch}"')


def _word(text: str, i: int) -> tuple[Word, SyntaxProblem | None, int]:
    """The word starting at offset i, a problem if nginx refuses it, and where reading goes on."""
    n = len(text)
    quote = text[i] if text[i] in "\"'" else ""
    if quote:
        return _quoted_word(text, i, quote)
    stop = _UNQUOTED_STOP
    j = raw_start = i
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
        if ch == "{" and at > raw_start and text[at - 1] == "$" and escaped_at != at - 1:
            j = at + 1  # `${name}`: nginx's variable flag keeps this brace in the word
            continue
        return _make_word(text, i, at, "", raw_start, at), None, at
    return _make_word(text, i, n, "", raw_start, n), None, n


def _quoted_word(text: str, i: int, quote: str) -> tuple[Word, SyntaxProblem | None, int]:
    """The quoted word starting at offset i: up to the first quote no backslash escapes,
    found in one match (a JSON body escapes a quote every few characters)."""
    n = len(text)
    close = _QUOTED[quote].match(text, i + 1).end()
    if close < n and text[close] == quote:
        return _after_quote(text, i, close, quote, i + 1)
    # nginx reads on to the end of the file and stops there; say where the quote began.
    line = text.count("\n", 0, i) + 1
    return _make_word(text, i, n, quote, i + 1, n), SyntaxProblem(
        n, n, f'unexpected end of file, expecting ";" or "}}": the {quote} quote opened on line {line} '
        "is never closed"), n


def _after_quote(text: str, i: int, close: int, quote: str, raw_start: int
                 ) -> tuple[Word, SyntaxProblem | None, int]:
    word = _make_word(text, i, close + 1, quote, raw_start, close)
    # nginx lets `)` follow a quote (it starts the next word: `if ($a = 'b')`)
    if close + 1 < len(text) and text[close + 1] not in _SPACE + ";{)":
        bad = text[close + 1]
        return word, SyntaxProblem(close + 1, close + 2, f'unexpected "{bad}"'), close + 1
    return word, None, close + 1


def _make_word(text: str, start: int, end: int, quote: str, raw_start: int, raw_end: int) -> Word:
    return Word(unescape_value(text[raw_start:raw_end]), start, end, quote, raw_start, raw_end)


def parse_text(text: str, path: str = "") -> Parsed:
    """The statements of one file (includes not followed) and its syntax problems."""
    comments: list[Comment] = []
    problems: list[SyntaxProblem] = []
    elisions: list[Word] = []
    stack: list[list[Stmt]] = [[]]
    openers: list[Stmt] = []
    for words, ending, at, problem in _statements(text, comments):
        if problem is not None:
            problems.append(problem)
            if ending in ("error", "eof"):
                if words and ending == "eof":
                    stack[-1].append(Stmt(words, "", at, None, None, path))
                break
        if words and words[0].value == "...":
            words = _drop_elision(text, words, elisions)
        if ending == ";":  # the common case first
            if words:
                stack[-1].append(Stmt(words, ";", at, None, None, path))
            continue
        if ending == "}":
            if words:
                stack[-1].append(Stmt(words, "", at, None, None, path))
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
        stmt = Stmt(words, ending if ending in ";{" else "", at, None, None, path)
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
    return Parsed(stack[0], problems, comments, elisions)


def _drop_elision(text: str, words: list[Word], elisions: list[Word]) -> list[Word]:
    """A line holding only `...` is a documentation elision ("more config here"), not a
    directive. nginx would read it together with the next line as one unknown directive
    `...`; rtclint reports that (RTC001) but models the rest as the author meant it.
    (`parse_text` calls this only for words starting with `...`.)"""
    if words[0].quoted:
        return words
    first = words[0]
    line_start = text.rfind("\n", 0, first.start) + 1
    line_end = text.find("\n", first.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start:first.start].strip(" \t") or text[first.end:line_end].strip(" \t\r"):
        return words
    elisions.append(first)
    return words[1:]
