"""gitignore patterns: `.gitignore` files and the settings' `exclude` list, matched by
pathspec's git implementation (`GitIgnoreSpec`).

Two of git's rules are added here, both about directories (pathspec matches file paths;
rtclint also asks about directories, to skip them whole):
- a path inside an excluded directory stays excluded, whatever a later `!pattern` says
  (git never descends into the directory, so it cannot re-include anything below it);
- `dir/**` (and `dir/**/`) match what is inside `dir`, never `dir` itself: pathspec's
  regex for them also matches `dir/`, so they are given as the equivalent `dir/**/*`
  (and `dir/**/*/`).
One difference is left: a negated directory pattern (`!a/b/`) re-includes, for pathspec,
everything below `a/b` too, where git re-includes only `a/b` itself (so with `a/**` before
it, git still ignores `a/b/c/`). rtclint then checks a few more files, never fewer.
tests/test_gitignore.py checks the result against `git check-ignore` in a real repository.
"""

from __future__ import annotations

from collections.abc import Iterable

from pathspec import GitIgnoreSpec


class GitIgnore:
    """The patterns of one `.gitignore` (or `exclude` list), relative to one directory."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.spec = GitIgnoreSpec.from_lines([_contents_only(line.rstrip("\r\n")) for line in lines])

    def match_file(self, path: str) -> bool:
        """Whether `path` (relative, `/`-separated; a trailing `/` marks a directory) is
        excluded, itself or through one of its parent directories."""
        is_dir = path.endswith("/")
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            if self.spec.match_file("/".join(parts[:depth]) + "/"):
                return True
        return self.spec.match_file("/".join(parts) + ("/" if is_dir else ""))

    def decide(self, path: str) -> bool | None:
        """What the last pattern matching `path` itself says: True excluded, False
        re-included (`!pattern`), None when no pattern matches. A deeper `.gitignore`
        decides over a shallower one only where it says something."""
        return self.spec.check_file(path).include


def _contents_only(line: str) -> str:
    """`dir/**` as `dir/**/*`, `dir/**/` as `dir/**/*/` (the same paths for git; see the
    module docstring)."""
    stripped = line.rstrip(" ")
    if stripped.startswith("#"):
        return line
    if stripped.endswith("/**"):
        return stripped + "/*"
    if stripped.endswith("/**/"):
        return stripped + "*/"
    return line
