"""Where lines start in one file's text, computed once per text.

The readers ask at every block where its line starts and how it is indented (for the
text a fix inserts). Scanning the text backwards for a line break each time costs up
to the whole text when the break is not there (a file without `\\r`), which made a file
of thousands of blocks take minutes: this index answers in O(log lines) instead.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_BREAKS = {"\n": re.compile("\n"), "\r\n": re.compile("[\r\n]")}


class TextLines:
    """Line starts of `text`, where each character of `breaks` ends a line ("\\n" for
    nginx; "\\r\\n" for Caddy, where a lone CR also ends one)."""

    __slots__ = ("text", "_starts", "_tab_indented")

    def __init__(self, text: str, breaks: str = "\n") -> None:
        self.text = text
        self._starts = [0]
        self._starts.extend(m.end() for m in _BREAKS[breaks].finditer(text))
        self._tab_indented: bool | None = None

    def line_start(self, offset: int) -> int:
        """The offset just after the last line break before `offset` (0 on the first
        line): what `max(text.rfind(b, 0, offset) for b in breaks) + 1` gives."""
        return self._starts[bisect_right(self._starts, max(offset, 0)) - 1]

    def lead(self, offset: int) -> str:
        """The text between the start of the line and `offset`."""
        return self.text[self.line_start(offset):offset]

    @property
    def tab_indented(self) -> bool:
        """A line of the text starts with a tab."""
        if self._tab_indented is None:
            self._tab_indented = "\n\t" in self.text
        return self._tab_indented
