"""`--format text`: `path:line:col: CODE message`, the source line, a caret under the
span, and a summary. Colour only when writing to a terminal."""

from __future__ import annotations

from collections import Counter

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.report.positions import region

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(result, config=None, *, colour: bool = False, statistics: bool = False) -> str:
    from rtclint.report.ansi import style as ansi

    def style(text: str, **kw) -> str:
        return ansi(text, **kw) if colour else text

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
        if deployment is not None:  # never echo a secret from the source line
            from rtclint.model.secrets import of

            source = of(deployment).mask_line(doc.path, doc.offset(line, 1), source)
        source = source.replace("\t", " ")
        width = (end_col - col) if end_line == line else len(source) - col + 1
        shown, caret_at, width = _window(source, col - 1, max(1, width))
        lines.append(f"  {line:>4} | {shown}")
        lines.append("       | " + " " * caret_at + style("^" * width, fg=_COLOURS[diag.severity]))
    for rel in diag.related:
        r_line, r_col, _, _ = region(rel.span, documents)
        lines.append(f"       = see {rel.span.path}:{r_line}:{r_col}: {rel.message}")
    return lines


# Source lines wider than this are cropped around the flagged span.
MAX_SOURCE_WIDTH = 120


def _window(source: str, start: int, width: int) -> tuple[str, int, int]:
    """(text to show, caret offset, caret width) for a long line: a window around the
    span (one-line JSON well-knowns are hundreds of characters wide)."""
    if len(source) <= MAX_SOURCE_WIDTH:
        return source, start, max(1, min(width, len(source) - start or 1))
    left = max(0, min(start - 40, len(source) - MAX_SOURCE_WIDTH))
    right = min(len(source), left + MAX_SOURCE_WIDTH)
    prefix = "…" if left else ""
    suffix = "…" if right < len(source) else ""
    caret_at = start - left + len(prefix)
    width = max(1, min(width, right - start if right > start else 1))
    return prefix + source[left:right] + suffix, caret_at, width


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
