"""rtclint's findings and fixes in LSP's terms.

rtclint counts positions in characters from the start of a file; LSP counts a zero-based
line and a column in the code units the client chose at `initialize` (UTF-16 unless it
asked for UTF-8 or UTF-32): pygls's `PositionCodec` converts the column of each line.
Messages arrive already scrubbed of secrets (engine post-processing); nothing here reads
a file's text except to count positions, and a fix's edits carry the text `--fix` would
write."""

from __future__ import annotations

from collections import defaultdict

from lsprotocol import types as lsp
from pygls.uris import from_fs_path
from pygls.workspace import PositionCodec

from rtclint.diagnostics import Applicability, Diagnostic, Fix, Severity
from rtclint.document import Document, Span
from rtclint.fix.edits import match_newlines
from rtclint.lsp.checks import Snapshot

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
SOURCE = "rtclint"


def position(doc: Document | None, offset: int, codec: PositionCodec) -> lsp.Position:
    if doc is None:  # an unreadable file (RTC002): its findings sit at its start
        return lsp.Position(line=0, character=0)
    line, column = doc.line_col(offset)
    return lsp.Position(line=line - 1, character=codec.client_num_units(doc.line_text(line)[: column - 1]))


def span_range(doc: Document | None, span: Span, codec: PositionCodec) -> lsp.Range:
    return lsp.Range(start=position(doc, span.start, codec), end=position(doc, span.end, codec))


def offset(doc: Document, where: lsp.Position, codec: PositionCodec) -> int:
    """The character offset of a client position, clamped into the document."""
    if where.line >= doc.line_count:
        return len(doc.text)
    column, units = 0, 0
    for char in doc.line_text(where.line + 1):  # past the line's end means its end (LSP)
        if units >= where.character:
            break
        units += codec.client_num_units(char)
        column += 1
    return doc.offset(where.line + 1, column + 1)


def diagnostic(diag: Diagnostic, snapshot: Snapshot, where: str, codec: PositionCodec) -> lsp.Diagnostic:
    """One finding as an LSP diagnostic: code, link to the rule's page, severity, related
    places (other files of the deployment) as related information."""
    from rtclint.rules.docs import DOCS_URL
    from rtclint.rules.registry import get_rule

    _, doc = snapshot.locate(where, diag.span.path)
    related = []
    for rel in diag.related:
        path, rel_doc = snapshot.locate(where, rel.span.path)
        related.append(lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=from_fs_path(path), range=span_range(rel_doc, rel.span, codec)),
            message=rel.message))
    page = lsp.CodeDescription(href=DOCS_URL.format(code=diag.code)) if get_rule(diag.code) else None
    return lsp.Diagnostic(
        range=span_range(doc, diag.span, codec),
        message=diag.message,
        severity=SEVERITY[diag.severity],
        code=diag.code,
        code_description=page,
        source=SOURCE,
        related_information=related or None,
        data={"name": diag.name, "fix": diag.fix.applicability.value if diag.fix else None},
    )


def fix_title(diag: Diagnostic) -> str:
    fix = diag.fix
    assert fix is not None
    label = " (unsafe fix: check the result)" if fix.applicability == Applicability.UNSAFE else ""
    return f"{fix.message} ({diag.code}){label}"


def workspace_edit(fixes: list[Fix], snapshot: Snapshot, where: str, codec: PositionCodec,
                   versioned: bool) -> lsp.WorkspaceEdit | None:
    """The edits of these fixes (on the text the check read), one text-document edit per
    file; with `versioned`, each names the buffer version it applies to, so a client
    refuses it on a buffer that changed since. None if a file's text is unknown."""
    by_path: dict[str, list[lsp.TextEdit]] = defaultdict(list)
    for fix in fixes:
        for edit in fix.edits:
            path, doc = snapshot.locate(where, edit.span.path)
            if doc is None:
                return None
            by_path[path].append(lsp.TextEdit(range=span_range(doc, edit.span, codec),
                                              new_text=match_newlines(edit.content, doc.newline)))
    if not versioned:
        return lsp.WorkspaceEdit(changes={from_fs_path(p): edits for p, edits in sorted(by_path.items())})
    return lsp.WorkspaceEdit(document_changes=[
        lsp.TextDocumentEdit(
            text_document=lsp.OptionalVersionedTextDocumentIdentifier(uri=from_fs_path(p),
                                                                      version=snapshot.versions.get(p)),
            edits=edits)
        for p, edits in sorted(by_path.items())])
