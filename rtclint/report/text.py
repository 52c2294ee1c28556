"""`--format text`: `path:line:col: CODE message`, the source line, a caret under the
span, and a summary. Colour only when writing to a terminal."""

from __future__ import annotations

from collections import Counter

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.report.positions import region

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(result, config=None, *, colour: bool = False, statistics: bool = False) -> str:
    import click

    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if colour else text

    out: list[str] = []
    for diag in result.diagnostics:
        out += _one(diag, result.documents, style, getattr(result, "deployment", None))
    if statistics and result.diagnostics:
        out.append(_statistics(result.diagnostics))
    out.append(_summary(result, style))
    return "\n".join(out) + "\n"


def _one(diag: Diagnostic, documents, style, deployment=None) -> list[str]:
    line, col, end_line, end_col = region(diag.span, documents)
    head = f"{style(diag.path, bold=True)}:{line}:{col}: {style(diag.code, fg=_COLOURS[diag.severity], bold=True)} "
    fixable = " [*]" if diag.fix is not None and diag.fix.applicability.value == "safe" else ""
    lines = [head + diag.message + fixable]
    doc = documents.get(diag.path)
    if doc is not None and doc.text:
        source = doc.line_text(line)
        if deployment is not None:  # never echo a LiveKit secret from the source line
            from rtclint.model.stacks import mask_line

            source = mask_line(deployment, doc.path, doc.offset(line, 1), source)
        source = source.replace("\t", " ")
        if len(source) > 200:
            source = source[:200] + "…"
        width = (end_col - col) if end_line == line else len(source) - col + 1
        width = max(1, min(width, max(1, len(source) - col + 1)))
        lines.append(f"  {line:>4} | {source}")
        lines.append("       | " + " " * (col - 1) + style("^" * width, fg=_COLOURS[diag.severity]))
    for rel in diag.related:
        r_line, r_col, _, _ = region(rel.span, documents)
        lines.append(f"       = see {rel.span.path}:{r_line}:{r_col}: {rel.message}")
    return lines


def _statistics(diagnostics: list[Diagnostic]) -> str:
    counts = Counter((d.code, d.name) for d in diagnostics)
    rows = [f"{n:>5}  {code}  {name}" for (code, name), n in sorted(counts.items())]
    return "\n".join(rows)


def _summary(result, style) -> str:
    n = len(result.diagnostics)
    by_sev = Counter(d.severity for d in result.diagnostics)
    files = f"{result.files_checked} file{'s' if result.files_checked != 1 else ''} checked"
    if not n:
        return style(f"All clear: {files}, no problems found.", fg="green")
    parts = [f"{by_sev[s]} {s.value}{'s' if by_sev[s] != 1 and s != Severity.INFO else ''}"
             for s in Severity if by_sev[s]]
    fixable = sum(1 for d in result.diagnostics if d.fix is not None and d.fix.applicability.value == "safe")
    tail = f"; {fixable} fixable with --fix" if fixable else ""
    return style(f"Found {n} problem{'s' if n != 1 else ''} ({', '.join(parts)}) in {files}{tail}.", bold=True)
