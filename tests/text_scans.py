"""A str that counts the characters its own search methods look at, for tests that show
a reader is linear in its input without timing it: a per-block scan of the whole text
makes the count grow with blocks × text length."""

from __future__ import annotations


class ScanCountingText(str):
    """Counts the characters `in`, find/rfind/index/rindex and count look at (a search
    stops at its match: the count is what a real scan pays, not the range it is given)."""

    scanned = 0

    def _range(self, start, end) -> tuple[int, int]:
        return slice(start, end).indices(len(self))[:2]

    def __contains__(self, sub) -> bool:
        at = str.find(self, sub)
        ScanCountingText.scanned += len(self) if at == -1 else at + len(sub)
        return at != -1

    def find(self, sub, start=None, end=None) -> int:
        at = str.find(self, sub, start, end)
        lo, hi = self._range(start, end)
        ScanCountingText.scanned += (hi - lo) if at == -1 else at + len(sub) - lo
        return at

    def rfind(self, sub, start=None, end=None) -> int:
        at = str.rfind(self, sub, start, end)
        lo, hi = self._range(start, end)
        ScanCountingText.scanned += (hi - lo) if at == -1 else hi - at
        return at

    def index(self, sub, start=None, end=None) -> int:
        at = self.find(sub, start, end)
        if at == -1:
            raise ValueError("substring not found")
        return at

    def rindex(self, sub, start=None, end=None) -> int:
        at = self.rfind(sub, start, end)
        if at == -1:
            raise ValueError("substring not found")
        return at

    def count(self, sub, start=None, end=None) -> int:
        lo, hi = self._range(start, end)
        ScanCountingText.scanned += hi - lo
        return str.count(self, sub, start, end)
