"""nginx's unescaping of a word (`ngx_conf_read_token`: `\\"` `\\'` `\\\\` become the
character, `\\t` `\\r` `\\n` control characters, any other `\\x` stays as two characters), with
the source offset of each character of the value, for positions inside JSON bodies."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from itertools import compress

_SIMPLE_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "t": "\t", "r": "\r", "n": "\n"}
_PAIRS = [("\\" + k, v) for k, v in _SIMPLE_ESCAPES.items() if k != "\\"]
_ESCAPE = re.compile(r"\\([\"'\\trn])")


def source_map(raw_start: int, raw: str) -> "array | EscapeMap":
    """`map[i]` is the source offset of the unescaped value's character i, for a word whose
    characters `raw` start at `raw_start`: what `unescape` maps, kept as where the escapes
    are (`EscapeMap`)."""
    if "\\" not in raw:
        return array("l", range(raw_start, raw_start + len(raw)))
    escapes = tuple([m.start() - n for n, m in enumerate(_ESCAPE.finditer(raw))])
    return EscapeMap(raw_start, len(raw), escapes)


class EscapeMap:
    """The source offsets of an escaped word's value (`unescape`'s map), held as the value
    indexes of its escapes: each escape's character sits at its backslash and the escaped
    character is dropped, so character i is at `start + i` plus the escapes before it. A
    JSON well-known body has hundreds of characters and a few dozen escapes; an array of
    every offset, filled one machine integer at a time, cost 3% of checking the 300-file
    nginx set."""

    __slots__ = ("start", "length", "escapes")

    def __init__(self, start: int, raw_length: int, escapes: tuple[int, ...]) -> None:
        self.start = start
        self.length = raw_length - len(escapes)  # each escape drops one character
        self.escapes = escapes  # ascending value indexes of the escapes' characters

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError("EscapeMap index out of range")
        return self.start + index + bisect_left(self.escapes, index)

    def __iter__(self):
        return (self[i] for i in range(self.length))

    def __eq__(self, other) -> bool:
        if not isinstance(other, EscapeMap):
            return NotImplemented
        return (self.start, self.length, self.escapes) == (other.start, other.length, other.escapes)

    __hash__ = None  # type: ignore[assignment]  # equal by value, like the array it replaces

    def __getstate__(self):  # slots without a dict: pickled by the parse cache
        return self.start, self.length, self.escapes

    def __setstate__(self, state) -> None:
        self.start, self.length, self.escapes = state


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
    if raw.isascii() and "\0" not in raw:
        # One C pass instead of a Python step per escape (a JSON well-known body has a
        # `\"` every few characters): each escape keeps its backslash's offset and drops
        # the next one, so a byte mask (NUL = dropped) picks the offsets out of the range.
        # (An array is filled from a list several times faster than from an iterator.)
        mask = _ESCAPE.sub("\x01\x00", raw).encode("ascii")
        return unescape_value(raw), array("l", list(compress(range(start, end), mask)))
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
