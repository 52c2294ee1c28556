"""A file as rtclint sees it: decoded text, exact positions, and how to write it back.

Every position in rtclint is a character offset into `Document.text`, the file decoded
without any newline translation, so `text` round-trips to the original bytes exactly
(`encode()`), and a `Span` can be turned into 1-based line/column pairs for any output.
"""

from __future__ import annotations

import bisect
import codecs
from array import array
from itertools import accumulate
from dataclasses import dataclass, field


# Files above this size are not parsed (RTC002). Real configs are kilobytes; the limit
# keeps a stray dump or log named like a config from costing seconds and memory.
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass(order=True, slots=True, init=False, unsafe_hash=True)
class Span:
    """A half-open range [start, end) of character offsets in the file at `path`.
    A value: never assign to its fields (spans are dict keys and set members)."""

    path: str
    start: int
    end: int

    def __init__(self, path: str, start: int, end: int) -> None:
        # Not frozen, for this: a run makes a Span for nearly everything the model keeps
        # (~50,000 reading 300 nginx files), and a frozen class's fields can only be set
        # through object.__setattr__ or the slots' descriptors, two to three times the
        # cost of these plain stores. Hashed by its fields as a frozen one would be.
        self.path = path
        self.start = start
        self.end = end if end >= start else start

    def __reduce__(self):
        # pickled (parse cache, parse workers) as its three fields, not a slots state
        return Span, (self.path, self.start, self.end)


class DecodeError(Exception):
    """The bytes are not text rtclint can read (binary, or not UTF-8/UTF-16)."""


@dataclass
class Document:
    """One file: its display path, kind, text and the facts needed to write it back."""

    path: str  # display path: relative to the working directory, with '/'
    abspath: str
    kind: str  # format: caddy, nginx, haproxy, yaml, env, json, ...
    text: str
    encoding: str = "utf-8"
    bom: bool = False
    _line_starts: array = field(default_factory=list, repr=False)  # filled by __post_init__

    def __post_init__(self) -> None:
        if not self._line_starts:
            self._line_starts = _line_starts(self.text)

    @classmethod
    def from_bytes(cls, path: str, abspath: str, kind: str, data: bytes) -> "Document":
        text, encoding, bom = decode(data)
        return cls(path=path, abspath=abspath, kind=kind, text=text, encoding=encoding, bom=bom)

    def encode(self, text: str | None = None) -> bytes:
        """The bytes for `text` (default: the current text) in the file's own encoding."""
        body = (self.text if text is None else text).encode(self.encoding)
        if self.bom:
            return _BOMS[self.encoding] + body
        return body

    def span(self, start: int, end: int) -> Span:
        return Span(self.path, start, end)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def offset(self, line: int, col: int) -> int:
        """The character offset of a 1-based (line, column) pair, clamped into the file."""
        line = max(1, min(line, len(self._line_starts)))
        start = self._line_starts[line - 1]
        return min(start + max(col, 1) - 1, self.line_end(line))

    def line_end(self, line: int) -> int:
        """Offset just past the last character of `line`, before its line break."""
        nxt = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        end = nxt
        while end > self._line_starts[line - 1] and self.text[end - 1] in "\r\n":
            end -= 1
        return end

    def line_text(self, line: int) -> str:
        start = self._line_starts[max(0, min(line, len(self._line_starts)) - 1)]
        return self.text[start : self.line_end(line)]

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    @property
    def newline(self) -> str:
        """The line ending this file mostly uses, for text a fix inserts (counted once per
        text: every fix a rule offers in the file asks)."""
        known = self.__dict__.get("_newline")
        if known is None or known[0] is not self.text:
            crlf = self.text.count("\r\n")
            known = self._newline = (self.text, "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n")
        return known[1]


_BOMS = {"utf-8": codecs.BOM_UTF8}
# Byte-order marks of encodings no server rtclint models reads (Caddy, nginx, HAProxy,
# Synapse, LiveKit read UTF-8): such a file is RTC002, never parsed nor rewritten.
# UTF-32 first: its little-endian mark starts with UTF-16's.
_FOREIGN_BOMS = {"UTF-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
                 "UTF-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)}


def decode(data: bytes) -> tuple[str, str, bool]:
    """Decode config bytes: UTF-8, optionally with its BOM; else DecodeError."""
    for name, boms in _FOREIGN_BOMS.items():
        if data.startswith(boms):
            raise DecodeError(f"{name} text (byte-order mark): the servers read UTF-8; save it as UTF-8")
    for encoding, bom in _BOMS.items():
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding, True
            except UnicodeDecodeError as exc:
                raise DecodeError(f"invalid {encoding.upper()} at byte {exc.start + len(bom)}") from None
    if data.find(b"\x00", 0, 8192) != -1:  # the head searched in place, not sliced out
        raise DecodeError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _line_starts(text: str) -> array:
    """The offset where each line starts, as machine integers (8 bytes a line where a
    list of ints takes 36: every document of a run keeps its index)."""
    # Each line starts one past the end of the one before: running sums of the lines'
    # lengths plus their line breaks, summed in C (a Python step a line cost 4x more).
    starts = array("l", accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
    starts.pop()  # the sum after the last line: where a line after the text would start
    # A lone '\r' (old Mac line ending) also ends a line for every server we mimic.
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        starts = array("l", [0] + [i + 1 for i, ch in enumerate(text)
                                   if ch == "\n" or (ch == "\r" and text[i + 1 : i + 2] != "\n")])
    return starts
