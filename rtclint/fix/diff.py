"""`--diff`: what `--fix` would change, as a unified diff (git's conventions, so it can
be piped to `git apply` or `patch -p1`)."""

from __future__ import annotations

import difflib

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(path: str, before: str, after: str) -> str:
    old = _lines(before)
    new = _lines(after)
    out = []
    for line in difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}", n=3):
        out.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE)
    return "".join(out)


def _lines(text: str) -> list[str]:
    # Split on '\n' only: a CRLF file's '\r' stays on its line, as in git's diffs.
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
