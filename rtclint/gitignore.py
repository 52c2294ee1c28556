"""gitignore patterns: `.gitignore` files and the settings' `exclude` list.

Git's rules (https://git-scm.com/docs/gitignore), checked against `git check-ignore` in
tests/test_gitignore.py:

- blank lines and `#` comments match nothing; trailing spaces are dropped unless escaped;
- `!` re-includes what an earlier pattern excluded; the last matching pattern decides;
- a pattern with a `/` at its start or middle is relative to the base directory, one
  without matches a name at any depth; a trailing `/` matches directories only;
- `*` and `?` never match `/`, `[...]` is a set (`[!...]` or `[^...]` negated), `\\`
  escapes; `**/` (leading), `/**/` (inner) and `/**` (trailing) span directories;
- a path inside an excluded directory is excluded (git cannot re-include it).

pathspec did this before, but importing it costs ~50 ms (it loads dataclasses and
typing), and nearly every tree a pre-commit hook checks has a `.gitignore`.
"""

from __future__ import annotations

import re


class GitIgnore:
    """The patterns of one `.gitignore` (or `exclude` list), relative to one directory."""

    def __init__(self, lines) -> None:
        self.rules: list[tuple[re.Pattern, bool, bool]] = []  # (regex, negated, directories only)
        for line in lines:
            rule = _compile_line(line)
            if rule is not None:
                self.rules.append(rule)

    def match_file(self, path: str) -> bool:
        """Whether `path` (relative, `/`-separated; a trailing `/` marks a directory) is
        excluded, itself or through one of its parent directories."""
        is_dir = path.endswith("/")
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            if self._decides("/".join(parts[:depth]), True):
                return True
        return self._decides("/".join(parts), is_dir)

    def _decides(self, path: str, is_dir: bool) -> bool:
        excluded = False
        for regex, negated, dirs_only in self.rules:
            if (is_dir or not dirs_only) and regex.match(path):
                excluded = not negated
        return excluded


def _compile_line(line: str) -> tuple[re.Pattern, bool, bool] | None:
    pattern = _strip_trailing_spaces(line.rstrip("\n\r"))
    if not pattern or pattern.startswith("#"):
        return None
    negated = pattern.startswith("!")
    if negated:
        pattern = pattern[1:]
    dirs_only = pattern.endswith("/") and not pattern.endswith("\\/")
    pattern = pattern.rstrip("/") if dirs_only else pattern
    if not pattern:
        return None
    anchored = "/" in pattern
    pattern = pattern[1:] if pattern.startswith("/") else pattern
    body = _translate(pattern)
    if body is None:
        return None  # git ignores a pattern it cannot parse (an unclosed `[`)
    regex = body if anchored else "(?:.*/)?" + body
    return re.compile(regex + r"\Z", re.S), negated, dirs_only


def _strip_trailing_spaces(pattern: str) -> str:
    end = len(pattern)
    while end > 0 and pattern[end - 1] == " " and not _escaped(pattern, end - 1):
        end -= 1
    return pattern[:end]


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes - 1 >= 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _translate(pattern: str) -> str | None:
    """A pattern (no leading `/`, no trailing `/`) as a regular expression over a path."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*" and pattern.startswith("**", i) and (i == 0 or pattern[i - 1] == "/"):
            after = i + 2
            if after == n:  # `**` as the last segment: everything below (or, alone, everything)
                out.append(".*")
                i = after
                continue
            if pattern[after] == "/":  # `**/`: zero or more directories
                out.append("(?:.*/)?")
                i = after + 1
                continue
        if ch == "*":
            while i < n and pattern[i] == "*":  # other runs of asterisks are one asterisk
                i += 1
            out.append("[^/]*")
            continue
        if ch == "?":
            out.append("[^/]")
        elif ch == "[":
            found = _bracket(pattern, i)
            if found is None:
                return None
            cls, i = found
            out.append(cls)
            continue
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[str, int] | None:
    """The `[...]` set at `start` as a regex class and the index after it, or None when
    it never closes."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    members: list[str] = []
    first = True
    while i < len(pattern):
        ch = pattern[i]
        if ch == "]" and not first:
            inner = "".join(members)
            return (f"[^/{inner}]" if negate else f"(?!/)[{inner}]"), i + 1
        if ch == "\\" and i + 1 < len(pattern):
            i += 1
            ch = pattern[i]
        if ch == "-" and members and i + 1 < len(pattern) and pattern[i + 1] != "]":
            members.append("-")
        else:
            members.append(re.escape(ch) if ch not in "-" else "\\-")
        first = False
        i += 1
    return None
