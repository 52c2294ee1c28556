"""What the server answers from the last check: the code actions of a range (the fixes of
the findings there) and the hover of a position (the page of the rules found there)."""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types as lsp
from pygls.workspace import PositionCodec

from rtclint.diagnostics import Applicability, Diagnostic
from rtclint.document import Span
from rtclint.fix.edits import fix_key
from rtclint.lsp.checks import Snapshot
from rtclint.lsp.convert import diagnostic, fix_title, offset, span_range, workspace_edit

Verdict = Callable[[Diagnostic, str], "str | None"]  # (finding, its folder) -> why its fix must not apply


def code_actions(snapshot: Snapshot, path: str, where: lsp.Range, codec: PositionCodec, versioned: bool,
                 only: list[str] | None = None, verdict: Verdict | None = None,
                 show_disabled: bool = False) -> list[lsp.CodeAction]:
    """A quick fix per fixable finding touching the range: safe fixes first and marked
    preferred, unsafe ones labelled. Display-only fixes are never offered as edits. A fix
    `verdict` refuses (verify.py) is left out, or shown disabled with the reason when the
    client can show that."""
    if only and not any(lsp.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
        return []
    doc = snapshot.documents.get(path)
    if doc is None:
        return []
    lo, hi = offset(doc, where.start, codec), offset(doc, where.end, codec)
    hits = [d for d in snapshot.diagnostics.get(path, []) if _offered(d) and _touches(d.span, lo, hi)]
    hits.sort(key=lambda d: (d.fix.applicability != Applicability.SAFE, d.span.start, d.code))  # type: ignore[union-attr]
    folder = snapshot.folder_of(path)
    actions, seen = [], set()
    for diag in hits:
        key = (fix_key(diag.fix), diag.code)  # type: ignore[arg-type]
        edit = workspace_edit([diag.fix], snapshot, folder, codec, versioned)  # type: ignore[list-item]
        if key in seen or edit is None:
            continue
        seen.add(key)
        refused = verdict(diag, folder) if verdict is not None else None
        if refused and not show_disabled:
            continue
        actions.append(lsp.CodeAction(
            title=fix_title(diag),
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diagnostic(diag, snapshot, folder, codec)],
            edit=None if refused else edit,
            is_preferred=not refused and diag.fix.applicability == Applicability.SAFE,  # type: ignore[union-attr]
            disabled=lsp.CodeActionDisabled(reason=f"not applied: {refused}") if refused else None,
        ))
    return actions


def hover(snapshot: Snapshot, path: str, where: lsp.Position, codec: PositionCodec) -> lsp.Hover | None:
    """The page of each rule with a finding at this position, as `rtclint rule CODE`
    prints it."""
    from rtclint.rules.docs import render_page
    from rtclint.rules.registry import get_rule

    doc = snapshot.documents.get(path)
    if doc is None:
        return None
    at = offset(doc, where, codec)
    hits = [d for d in snapshot.diagnostics.get(path, []) if d.span.start <= at <= d.span.end]
    if not hits:
        return None
    pages: dict[str, str] = {}
    for diag in hits:
        rule = get_rule(diag.code)
        pages.setdefault(diag.code, render_page(rule) if rule else f"**{diag.code}** {diag.name}: {diag.message}")
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="\n\n---\n\n".join(pages.values())),
                     range=span_range(doc, hits[0].span, codec))


def _offered(diag: Diagnostic) -> bool:
    fix = diag.fix
    return fix is not None and bool(fix.edits) and fix.applicability != Applicability.DISPLAY_ONLY


def _touches(span: Span, lo: int, hi: int) -> bool:
    return span.start <= hi and lo <= span.end
