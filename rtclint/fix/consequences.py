"""What a fix brings: after the fix loop, a finding the tree did not have before and no
later fix removed was brought by the fix whose inserted text it sits on (RTC105's new
site block without federation routes → RTC208 on that block). Such a fix is withdrawn
and the tree re-planned without it, and the failure says why — unless what it brings
is milder than what it fixes (an error traded for a warning: the fix stays, a note
names the warning).

A finding that only became visible — a LIVEKIT_KEYS value that RTC402's fix made
readable turns out to be a plain-text secret (RTC900) — sits beside the edit, not on
its text: it was there all along, and the fix stays."""

from __future__ import annotations

import copy
from collections import Counter

from rtclint.diagnostics import Diagnostic, Fix
from rtclint.fix.edits import Failure, edits_by_path, fix_key, match_newlines


def bringing_new_findings(plan) -> tuple[dict[tuple, object], list]:
    """(fix key -> Failure for every fix to withdraw, notes): a fix is withdrawn when
    the finding it brings is at least as severe as the worst it fixes; a fix that
    trades an error for a warning stays, and a note names the warning. Findings are
    counted per rule and file, so one whose message moved with the text is not new."""

    if len(plan.checked) < 2:
        return {}, []
    fixed_rank: dict[tuple, int] = {}
    for diag in plan.fixed:
        key = fix_key(diag.fix)
        fixed_rank[key] = max(fixed_rank.get(key, 0), diag.severity.rank)
    counts = [Counter((d.code, d.path) for d in diags) for diags in plan.checked]
    first, last = counts[0], counts[-1]
    withdraw: dict[tuple, object] = {}
    notes = []
    for key in (k for k in last if last[k] > first[k]):
        appeared = len(counts) - 1
        while appeared > 1 and counts[appeared - 1][key] > first[key]:
            appeared -= 1
        docs, fixes = next(((d, kept) for round_no, d, kept in plan.applied if round_no == appeared - 1), ({}, []))
        found = [d for d in plan.checked[appeared] if (d.code, d.path) == key]
        brought = f"{key[0]}, {found[0].severity.value}: {found[0].message}"
        for fix in _on_inserted_text(fixes, docs, found):
            if found[0].severity.rank >= fixed_rank.get(fix_key(fix), 0):
                withdraw[fix_key(fix)] = Failure(key[1], f"fix not applied, it would bring a new finding ({brought}): "
                                                         f"{fix.message}", reason=brought)
            else:
                notes.append(Failure(key[1], f"note: the fix '{fix.message}' trades its finding for a milder one "
                                             f"({brought})"))
    return withdraw, notes


def _on_inserted_text(fixes: list[Fix], docs: dict, found: list[Diagnostic]) -> list[Fix]:
    """The fixes whose edits, placed in the fixed text, hold one of `found`'s spans."""
    placed: dict[tuple, list[tuple[str, int, int]]] = {}
    for path, edits in edits_by_path(fixes).items():
        doc = docs.get(path)
        newline = doc.newline if doc is not None else "\n"
        shift = 0
        for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
            content = match_newlines(edit.content, newline)
            start = edit.span.start + shift
            placed.setdefault(id(edit), []).append((path, start, start + len(content)))
            shift += len(content) - (edit.span.end - edit.span.start)
    charged = []
    for fix in fixes:
        ranges = [r for e in fix.edits for r in placed.get(id(e), ())]
        if any(d.span.path == p and d.span.start < b and a < max(d.span.end, d.span.start + 1)
               for d in found for p, a, b in ranges):
            charged.append(fix)
    return charged


def without_fix(diag: Diagnostic, withdrawn: dict) -> Diagnostic:
    """A finding whose fix was withdrawn no longer counts as fixable, and says why on
    itself, so a plain `check` (which prints no fix failures) explains it too."""
    failure = withdrawn.get(fix_key(diag.fix)) if diag.fix is not None else None
    return diag if failure is None else not_promised(diag, f"it would bring a new finding: {failure.reason}")


def not_promised(diag: Diagnostic, why: str) -> Diagnostic:
    """A copy of the finding without its fix, saying why the fix is not applied."""
    diag = copy.copy(diag)
    diag.fix = None
    diag.message += f" (its fix is not applied: {why})"
    return diag
