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
                 kinds: dict[str, str] | None = None, record: bool = False) -> None:
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
        # With `record` (a run that keeps a parse cache): the questions a parse asked the
        # file system through this tree, (kind, abspath) in the order asked — what a file's
        # facts depend on beyond its own bytes and the run's list of files. The cache stores
        # the answers and asks again before it trusts an entry (a mounted file created
        # since, a file added to a bind-mounted folder that is not checked itself). A file
        # of the run loaded by another is not recorded: the run context covers those.
        self.asked: list[tuple[str, str]] | None = [] if record else None

    def _ask(self, kind: str, path: str) -> None:
        if self.asked is not None:
            path = os.path.abspath(path)
            if kind != "load" or self.kinds is None or path not in self.kinds:
                self.asked.append((kind, path))

    def load(self, abspath: str) -> Document | None:
        """The Document for a file (decoded once, shared), or None if it cannot be read."""
        self._ask("load", abspath)
        return self._load(os.path.abspath(abspath))

    def isfile(self, path: str) -> bool:
        self._ask("isfile", path)
        return os.path.isfile(path)

    def isdir(self, path: str) -> bool:
        self._ask("isdir", path)
        return os.path.isdir(path)

    def listdir(self, path: str) -> list[str]:
        """The names in a folder, sorted ([] when it cannot be listed)."""
        self._ask("listdir", path)
        return list_names(path)

    def small_files(self, folder: str) -> list[str]:
        """`small_files(folder)`, asked through the tree."""
        self._ask("small_files", folder)
        return small_files(folder)

    def glob(self, pattern: str, base_dir: str) -> list[str]:
        """Absolute paths matching an include pattern, relative to `base_dir`."""
        full = pattern if os.path.isabs(pattern) else os.path.join(base_dir, pattern)
        self._ask("glob", full)
        return glob_files(full)

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


def list_names(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def glob_files(full: str) -> list[str]:
    """The files an include pattern (an absolute path, maybe with wildcards) names."""
    import glob  # only when a file includes others

    if glob.has_magic(full):
        return sorted(p for p in glob.glob(full) if os.path.isfile(p))
    return [full] if os.path.isfile(full) else []


# A folder is walked this deep and this far for small files (a bind-mounted data folder may
# hold thousands of files; a LiveKit key file sits beside the config or one level down).
FOLDER_DEPTH = 2
FOLDER_FILES = 64
SMALL_FILE_BYTES = 64 * 1024


def small_files(folder: str) -> list[str]:
    """The small regular files of a folder, relative to it, a few levels deep, in a stable
    order (hidden folders left out)."""
    out = []
    for here, dirs, files in os.walk(folder):
        rel_dir = os.path.relpath(here, folder)
        depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth + 1 < FOLDER_DEPTH else []
        for name in sorted(files):
            path = os.path.join(here, name)
            if os.path.isfile(path) and os.path.getsize(path) <= SMALL_FILE_BYTES:
                out.append(os.path.normpath(os.path.join(rel_dir, name)))
            if len(out) >= FOLDER_FILES:
                return out
    return out


# What each kind of tree question asks the file system (the parse cache asks again).
ANSWERS = {"isfile": os.path.isfile, "isdir": os.path.isdir, "listdir": list_names, "glob": glob_files,
           "small_files": small_files}


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
