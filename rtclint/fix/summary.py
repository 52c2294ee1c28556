"""What `--fix` and `--diff` tell the user besides the report: how many problems were
fixed, how many remain, and every file that could not be fixed or written."""

from __future__ import annotations

from rtclint.fix.diff import unified_diff
from rtclint.fix.runner import Outcome


def _problems(n: int) -> str:
    return f"{n} problem{'s' if n != 1 else ''}"


def fixed_line(outcome: Outcome) -> str:
    """Like ruff: 'Fixed 3 problems, 1 remaining (1 fixable with --unsafe-fixes).'"""
    remaining = outcome.result.diagnostics
    unsafe_left = sum(1 for d in remaining if d.fix is not None and d.fix.applicability.value == "unsafe")
    tail = f" ({unsafe_left} fixable with --unsafe-fixes)" if unsafe_left else ""
    return f"Fixed {_problems(len(outcome.fixed))}, {len(remaining)} remaining{tail}."


def would_fix_line(outcome: Outcome) -> str:
    n = len(outcome.fixed)
    files = len(outcome.plan.changed())
    if not n:
        return "No fixes available."
    return f"Would fix {_problems(n)} in {files} file{'s' if files != 1 else ''}."


def failure_lines(outcome: Outcome) -> list[str]:
    return [f"rtclint: {f.path + ': ' if f.path else ''}{f.message}" for f in outcome.all_failures]


def diff_text(outcome: Outcome) -> str:
    plan = outcome.plan
    text = "".join(unified_diff(p, plan.originals[p].text, plan.texts[p]) for p in plan.changed())
    deployment = getattr(outcome.result, "deployment", None)
    if deployment is not None:  # context lines may quote a LiveKit secret: never print it
        from rtclint.model.stacks import mask_secrets

        text = mask_secrets(deployment, text)
    return text
