"""Choosing which fixes to apply together, and applying their edits to a text.

A fix is a set of edits on the *original* text of one or more files. Fixes are applied
together only when none of their edits overlap; all edits of one fix are applied
together or not at all. The rest wait for the next round, when the tree is re-checked
and the rules offer fresh fixes against the new text."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rtclint.diagnostics import Diagnostic, Edit, Fix


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Chosen:
    """The fixes one round applies, and the diagnostics they fix (several diagnostics
    may offer the very same fix; it is applied once and fixes all of them)."""

    fixes: list[Fix]
    fixed: list[Diagnostic]


def fix_key(fix: Fix) -> tuple:
    """Identity of a fix by what it does, so the same fix offered twice (or offered
    again in a later round) is recognised."""
    return tuple(sorted((e.span.path, e.span.start, e.span.end, e.content) for e in fix.edits))


def _first_position(diag: Diagnostic) -> tuple:
    first = min(diag.fix.edits, key=lambda e: (e.span.path, e.span.start, e.span.end))  # type: ignore[union-attr]
    return (first.span.path, first.span.start, first.span.end, diag.code, diag.message)


def _overlaps(a: Edit, b: Edit) -> bool:
    """Two edits of the same file touch the same characters. Two insertions at the same
    point also conflict: their order would be a guess."""
    if a.span.path != b.span.path:
        return False
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    if a.span.start == a.span.end:  # insertion strictly inside a replaced range
        return b.span.start < a.span.start < b.span.end
    if b.span.start == b.span.end:
        return a.span.start < b.span.start < a.span.end
    return a.span.start < b.span.end and b.span.start < a.span.end


def _self_overlapping(fix: Fix) -> bool:
    edits = list(fix.edits)
    return any(_overlaps(a, b) for i, a in enumerate(edits) for b in edits[i + 1 :])


def choose(candidates: list[Diagnostic]) -> Chosen:
    """Pick a conflict-free set of fixes: earliest position first (then code), so the
    choice is the same on every run; a fix that overlaps one already taken waits."""
    taken: dict[str, list[Edit]] = defaultdict(list)
    fixes: list[Fix] = []
    keys: set[tuple] = set()
    fixed: list[Diagnostic] = []
    for diag in sorted(candidates, key=_first_position):
        fix = diag.fix
        assert fix is not None
        key = fix_key(fix)
        if key in keys:  # the same edits, offered by another diagnostic
            fixed.append(diag)
            continue
        if _self_overlapping(fix):
            continue  # a rule bug: its own edits collide; never guess an order
        if any(_overlaps(e, t) for e in fix.edits for t in taken[e.span.path]):
            continue
        for e in fix.edits:
            taken[e.span.path].append(e)
        keys.add(key)
        fixes.append(fix)
        fixed.append(diag)
    return Chosen(fixes, fixed)


def match_newlines(content: str, newline: str) -> str:
    """Inserted text takes the file's own line ending (a rule writes '\\n')."""
    if newline == "\n" or "\n" not in content:
        return content
    return content.replace("\r\n", "\n").replace("\n", newline)


def apply_edits(text: str, edits: list[Edit], newline: str = "\n") -> str:
    """`text` with non-overlapping `edits` (offsets into `text`) applied."""
    out: list[str] = []
    pos = 0
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        start = max(pos, min(edit.span.start, len(text)))
        end = max(start, min(edit.span.end, len(text)))
        out.append(text[pos:start])
        out.append(match_newlines(edit.content, newline))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def edits_by_path(fixes: list[Fix]) -> dict[str, list[Edit]]:
    grouped: dict[str, list[Edit]] = defaultdict(list)
    for fix in fixes:
        for edit in fix.edits:
            grouped[edit.span.path].append(edit)
    return grouped


@dataclass(eq=False, repr=False)
class Failure:
    """A fix that was not applied, or a note about one, for the report."""

    path: str
    message: str
    reason: str = ""  # for a withdrawn fix: the finding it would bring, said on the finding itself
