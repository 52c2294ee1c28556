"""What every parser shares: the file tree (for includes) and diagnostic helpers."""

from __future__ import annotations

import os
from collections.abc import Callable

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.document import Document, Span

# The findings the parsers report themselves while reading (rules/rtc0xx_files.py holds
# their documentation): code -> (name, severity). The parsers sit below the rules, so
# they carry this copy; a test asserts it matches the registered rules.
READING_CODES: dict[str, tuple[str, Severity]] = {
    "RTC001": ("parse-error", Severity.ERROR),
    "RTC002": ("unreadable-file", Severity.ERROR),
    "RTC003": ("include-not-found", Severity.WARNING),
}


def reading_diagnostic(code: str, span: Span, message: str) -> Diagnostic:
    """A diagnostic for one of the READING_CODES (KeyError for any other code)."""
    name, severity = READING_CODES[code]
    return Diagnostic(code, name, severity, span, message)


class Tree:
    """The files being checked, for parsers that follow includes and for readers that
    link files (a Compose volume that mounts a livekit.yaml)."""

    def __init__(self, roots: list[str], load: Callable[[str], Document | None],
                 kinds: dict[str, str] | None = None) -> None:
        self.roots = [os.path.abspath(r) for r in roots]
        self._load = load
        # abspath -> kind of every readable file of the run (all chunks), for parsers that
        # look across files (nginx includers); None: they discover the roots themselves
        self.kinds = kinds
        self._real_roots: list[str] | None = None
        # abspath -> inside(): a Compose mount's file is asked about by the volume, the
        # config and the key-file readers, and realpath() stats every path component
        self._inside: dict[str, bool] = {}
        self._reals: dict[str, str] = {}  # path -> os.path.realpath(path), folders included

    def load(self, abspath: str) -> Document | None:
        """The Document for a file (decoded once, shared), or None if it cannot be read."""
        return self._load(os.path.abspath(abspath))

    def glob(self, pattern: str, base_dir: str) -> list[str]:
        """Absolute paths matching an include pattern, relative to `base_dir`."""
        full = pattern if os.path.isabs(pattern) else os.path.join(base_dir, pattern)
        import glob  # only when a file includes others

        if glob.has_magic(full):
            return sorted(p for p in glob.glob(full) if os.path.isfile(p))
        return [full] if os.path.isfile(full) else []

    def inside(self, abspath: str) -> bool:
        known = self._inside.get(abspath)
        if known is not None:
            return known
        real = self._realpath(abspath)
        if self._real_roots is None:  # once: realpath stats every component of a root
            self._real_roots = [os.path.realpath(r) for r in self.roots]
        known = self._inside[abspath] = any(real == r or real.startswith(r + os.sep) for r in self._real_roots)
        return known

    def _realpath(self, path: str) -> str:
        """os.path.realpath(path), each folder resolved once a run: the files of one Compose
        stack share theirs, and realpath lstat()s every component of every path (~40 µs).
        A path whose last component is no symlink is its folder's real path joined to it
        (a path that is not normalised is left to realpath)."""
        real = self._reals.get(path)
        if real is None:
            head, tail = os.path.split(path)
            if tail in ("", ".", "..") or not head or _unnormalised(path) or os.path.islink(path):
                real = os.path.realpath(path)
            else:
                real = os.path.join(self._realpath(head), tail)
            self._reals[path] = real
        return real


def _unnormalised(path: str) -> bool:
    """A `.` or `..` component or an empty one (`//`)."""
    return "/./" in path or "/../" in path or "//" in path


def parse_error(doc: Document, start: int, message: str, end: int | None = None) -> Diagnostic:
    """RTC001 at a character offset; the message gains the line:column prefix itself
    from the emitters, so `message` says only what went wrong and what was expected."""
    end = start + 1 if end is None else end
    end = min(max(end, start), len(doc.text))
    return reading_diagnostic("RTC001", Span(doc.path, min(start, len(doc.text)), end), message)


def include_not_found(doc: Document, span: Span, pattern: str) -> Diagnostic:
    return reading_diagnostic("RTC003", span, f"include '{pattern}' matches no file in the tree")
