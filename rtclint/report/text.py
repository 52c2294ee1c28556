"""`--output-format full` and `concise`: the text report, rendered with rich.

Every finding names its severity in words (colour is a help, never the only sign):

    caddy/Caddyfile:5:204: RTC100 error: the client well-known … is not valid JSON … [*]
           |
         5 | …livekit_service_url":"https://jwt.matrixrtc.example.com"}]`
           |                                                            ^

`full` adds the source line with a caret under the span, fitted to the width (a long line
is elided around the span, never wrapped under its caret), related places and, with
`--show-fixes`, each fix. `concise` is the first line only. Colour only when asked for
(the CLI decides: a terminal, `--color`, NO_COLOR, FORCE_COLOR)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.report.positions import region

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
GUTTER = 9  # "  1234 | "
ELLIPSIS = "…"


@dataclass(slots=True)
class TextOptions:
    """How the text report prints: format, colour, width and fix display."""

    fmt: str = "full"  # or "concise"
    colour: bool = False
    width: int = 120
    show_fixes: bool = False
    unsafe_fixes: bool = False  # unsafe fixes count as available (`--unsafe-fixes` without --fix)


def console(options: TextOptions, file=None):
    """A rich console writing plain text, or ANSI colour when `options.colour`."""
    from rich.console import Console

    return Console(file=file or io.StringIO(), width=options.width, force_terminal=options.colour,
                   no_color=not options.colour, color_system="standard" if options.colour else None,
                   highlight=False, markup=False, emoji=False, legacy_windows=False, force_jupyter=False)


def render_findings(result, options: TextOptions, con) -> None:
    """Print every finding of `result` on the rich console `con`."""
    deployment = getattr(result, "deployment", None)
    for g, (name, found) in enumerate(_by_deployment(result)):
        if name is not None:  # the run found several deployments: a heading for each
            if g:
                con.print()
            con.print(f"── deployment {name} ({len(found)} finding{'s' if len(found) != 1 else ''})",
                      style="bold", soft_wrap=True)
        for i, diag in enumerate(found):
            if options.fmt == "full" and (i or name is not None):
                con.print()
            for line in finding_lines(diag, result.documents, options, deployment):
                con.print(line, soft_wrap=True)


def _by_deployment(result) -> list[tuple[str | None, list[Diagnostic]]]:
    """The findings grouped by deployment, in the order the run found them (one group,
    unnamed, when it found one deployment)."""
    name_of = getattr(result, "deployment_name", None)
    if name_of is None or len(getattr(result, "deployments", [])) < 2:
        return [(None, list(result.diagnostics))]
    groups: dict[str | None, list[Diagnostic]] = {dep.name: [] for dep in result.deployments}
    for diag in result.diagnostics:
        groups.setdefault(name_of(diag.path, diag), []).append(diag)
    return [(name, found) for name, found in groups.items() if found]


def fixable(diag: Diagnostic, unsafe: bool) -> bool:
    if diag.fix is None:
        return False
    return diag.fix.applicability.value == "safe" or (unsafe and diag.fix.applicability.value == "unsafe")


def finding_lines(diag: Diagnostic, documents, options: TextOptions, deployment=None) -> list:
    from rich.text import Text

    colour = COLOURS[diag.severity]
    line, col, end_line, end_col = region(diag.span, documents)
    head = Text.assemble((diag.path, "bold"), f":{line}:{col}: ", (diag.code, f"bold {colour}"), " ",
                         (f"{diag.severity.value}:", colour), " ", diag.message)
    if fixable(diag, options.unsafe_fixes):
        head.append(" [*]", "bold")
    lines = [head]
    if options.fmt != "full":
        return lines
    lines += _snippet(diag, documents, line, col, end_line, end_col, options, deployment)
    for rel in diag.related:
        r_line, r_col, _, _ = region(rel.span, documents)
        lines.append(Text(f"       = see {rel.span.path}:{r_line}:{r_col}: {rel.message}"))
    if options.show_fixes and diag.fix is not None:
        lines.append(Text(f"       = fix ({diag.fix.applicability.value}): {diag.fix.message}", "green"))
    return lines


def _snippet(diag, documents, line, col, end_line, end_col, options: TextOptions, deployment) -> list:
    from rich.text import Text

    doc = documents.get(diag.path)
    if doc is None or not doc.text:
        return []
    source = doc.line_text(line)
    if deployment is not None:  # never echo a secret from the source line
        from rtclint.model.secrets import of

        source = of(deployment).mask_line(doc.path, doc.offset(line, 1), source)
    source = source.replace("\t", " ").rstrip("\r\n")
    span = (end_col - col) if end_line == line else len(source) - col + 1
    shown, caret_at, caret_width = fit(source, col - 1, max(1, span), options.width - GUTTER)
    # Carets count terminal cells: a wide character (CJK, emoji) above takes two.
    from rich.cells import cell_len

    caret_width = max(1, cell_len(shown[caret_at:caret_at + caret_width]))
    caret_at = cell_len(shown[:caret_at])
    colour = COLOURS[diag.severity]
    return [Text("       |", "blue"),
            Text.assemble((f"  {line:>4} | ", "blue"), shown),
            Text.assemble(("       | ", "blue"), " " * caret_at, ("^" * caret_width, f"bold {colour}"))]


def fit(source: str, start: int, width: int, room: int) -> tuple[str, int, int]:
    """(text to show, caret offset, caret width), in characters, of a source line shown in
    `room` terminal cells: the whole line when it fits, else a window around the span with
    `…` where text was left out (wide characters count two cells). The caret never runs
    past the shown text, so nothing wraps under it."""
    from rich.cells import cell_len

    room = max(room, 12)
    start = min(max(start, 0), len(source))
    if cell_len(source) <= room:
        return source, start, max(1, min(width, len(source) - start)) if len(source) > start else 1
    cells = [cell_len(ch) for ch in source]
    budget = room - 2  # one cell for each possible ellipsis
    left = right = start
    used = 0
    while right < min(len(source), start + width) and used + cells[right] <= budget:  # the span first
        used += cells[right]
        right += 1
    grow_left = True  # then context, alternately on each side
    while True:
        if grow_left and left > 0 and used + cells[left - 1] <= budget:
            left -= 1
            used += cells[left]
        elif right < len(source) and used + cells[right] <= budget:
            used += cells[right]
            right += 1
        elif left > 0 and used + cells[left - 1] <= budget:
            left -= 1
            used += cells[left]
        else:
            break
        grow_left = not grow_left
    if left == 1 and cells[0] == 1:  # an ellipsis would hide no more than it takes
        left = 0
    prefix = ELLIPSIS if left else ""
    suffix = ELLIPSIS if right < len(source) else ""
    caret_width = max(1, min(width, right - start))
    return prefix + source[left:right] + suffix, start - left + len(prefix), caret_width
