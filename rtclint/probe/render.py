"""Text and JSON renderings of a probe report."""

from __future__ import annotations

import json

from rtclint.probe.result import FAIL, PASS, SKIP, WARN, ProbeReport, Step, rule_name

LABELS = {PASS: "PASS", WARN: "WARN", FAIL: "FAIL", SKIP: "SKIP"}
COLOURS = {PASS: "green", WARN: "yellow", FAIL: "red", SKIP: "bright_black"}


def render_json(report: ProbeReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_text(report: ProbeReport, colour: bool = False) -> str:
    lines = [f"rtclint probe {report.server_name}", ""]
    first = report.first_failure
    for step in report.steps:
        lines += _step_lines(step, colour, pinned=step is first)
    lines.append("")
    if first is None:
        warnings = sum(1 for s in report.steps if s.status == WARN)
        lines.append("All steps passed" + (f" ({warnings} warning(s))." if warnings else "."))
    else:
        code = f" — {_code_label(first.code)}" if first.code else ""
        lines.append(f"First break: {first.title}{code}")
        if first.code:
            lines.append(f"  See `rtclint rule {first.code}`.")
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, colour: bool, pinned: bool) -> list[str]:
    label = LABELS[step.status]
    if colour:
        label = _styled(label, COLOURS[step.status] + (" bold" if step.status == FAIL else ""))
    marker = "=>" if pinned else "  "
    code = f" [{_code_label(step.code)}]" if step.code else ""
    lines = [f"{marker}{label}  {step.title}{code}"]
    if step.message:
        lines.append(f"        {step.message}")
    if step.status in (FAIL, WARN):
        if step.hint:
            lines.append(f"        fix: {step.hint}")
        for evidence in step.evidence:
            lines.append(f"        > {evidence.request}")
            for key, value in evidence.sent.items():
                lines.append(f"        > {key}: {value}")
            if evidence.error:
                lines.append(f"        < {evidence.error}")
                continue
            if evidence.status is not None:
                lines.append(f"        < {evidence.status}")
            for key, value in evidence.headers.items():
                lines.append(f"        < {key}: {value}")
            if evidence.body:
                lines.append(f"        < body: {evidence.body[:160]!r}")
    return lines


def _code_label(code: str) -> str:
    name = rule_name(code)
    return f"{code} {name}" if name else code


def _styled(text: str, style: str) -> str:
    """`text` with ANSI colour, rendered by rich."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", highlight=False,
                      markup=False, emoji=False)
    console.print(text, style=style, end="")
    return console.file.getvalue()
