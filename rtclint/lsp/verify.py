"""Whether a quick fix is one to apply, judged as `--fix` judges its fixes: the fix loop
(fix/runner.py) keeps no edit that leaves a file unparseable, and fix/consequences.py
withdraws a fix that brings a new finding — one at least as severe as the finding it
fixes, sitting on the text the fix inserted, that no later fix removes (RTC105's new site
block without federation routes → RTC208). A code action is applied alone, so it is
judged alone: its edits are laid over the text the check read, the workspace is checked
again in memory, and a new finding on the inserted text counts unless it comes with a fix
of its own (the editor offers that one next, as the next round of `--fix` applies it).
Findings are counted per file and rule, so one that only moved is not new. Judged only
when the client asks for the actions of a range, and remembered for that check."""

from __future__ import annotations

import os
from collections import Counter

from rtclint.diagnostics import Applicability, Diagnostic, Fix, Severity
from rtclint.fix.edits import apply_edits, edits_by_path, fix_key, match_newlines
from rtclint.lsp.checks import Buffer, Snapshot, Workspace
from rtclint.rules.withheld import UNPARSED


class Verifier:
    def __init__(self, workspace: Workspace, buffers: dict[str, Buffer], snapshot: Snapshot) -> None:
        self.workspace = workspace
        self.buffers = buffers
        self.snapshot = snapshot

    def __call__(self, diag: Diagnostic, folder: str) -> str | None:
        """Why this finding's fix must not be applied, or None."""
        assert diag.fix is not None
        key = fix_key(diag.fix)
        if key not in self.snapshot.verdicts:
            self.snapshot.verdicts[key] = self._judge(diag, folder)
        return self.snapshot.verdicts[key]

    def _judge(self, diag: Diagnostic, folder: str) -> str | None:
        texts = {}
        for shown, edits in edits_by_path([diag.fix]).items():  # type: ignore[list-item]
            path, doc = self.snapshot.locate(folder, shown)
            if doc is None:
                return f"{os.path.basename(path)} was not read"
            texts[path] = apply_edits(doc.text, edits, doc.newline)
        after = self.workspace.check({**self.buffers, **{p: Buffer(t, None) for p, t in texts.items()}})
        for path in sorted(texts):
            if any(d.code in UNPARSED for d in after.diagnostics.get(path, [])):
                return f"it would leave {os.path.basename(path)} unparseable"
        before = _counts(self.snapshot, diag.severity)
        inserted = _inserted(diag.fix, self.snapshot, folder)  # type: ignore[arg-type]
        for path, code in sorted(set(_counts(after, diag.severity) - before)):
            found = [d for d in after.diagnostics[path] if d.code == code and d.severity.rank >= diag.severity.rank]
            if any(not _fixable(d) and _overlaps(d, path, inserted) for d in found):
                return f"it would bring a new finding ({code} in {os.path.basename(path)})"
        return None


def _counts(snapshot: Snapshot, severity: Severity) -> Counter:
    return Counter((path, d.code) for path, found in snapshot.diagnostics.items()
                   for d in found if d.severity.rank >= severity.rank)


def _fixable(diag: Diagnostic) -> bool:
    return diag.fix is not None and bool(diag.fix.edits) and diag.fix.applicability != Applicability.DISPLAY_ONLY


def _inserted(fix: Fix, snapshot: Snapshot, folder: str) -> dict[str, list[tuple[int, int]]]:
    """Per file, the character ranges the fix's inserted text occupies in the fixed text."""
    placed: dict[str, list[tuple[int, int]]] = {}
    for shown, edits in edits_by_path([fix]).items():
        path, doc = snapshot.locate(folder, shown)
        newline = doc.newline if doc is not None else "\n"
        shift = 0
        for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
            content = match_newlines(edit.content, newline)
            start = edit.span.start + shift
            placed.setdefault(path, []).append((start, start + len(content)))
            shift += len(content) - (edit.span.end - edit.span.start)
    return placed


def _overlaps(diag: Diagnostic, path: str, inserted: dict[str, list[tuple[int, int]]]) -> bool:
    end = max(diag.span.end, diag.span.start + 1)
    return any(diag.span.start < b and a < end for a, b in inserted.get(path, ()))
