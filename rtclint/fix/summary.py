"""What `--fix` and `--diff` tell the user besides the report: how many problems were
fixed, how many remain, and every file that could not be fixed or written."""

from __future__ import annotations

from rtclint.fix.diff import safe_diff
from rtclint.fix.runner import Failure, Outcome


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
    """The patch `--diff` prints. Context that would show a secret is shrunk; a hunk
    that cannot hide its secret and still apply is left out, and a failure says so
    (printed with the others on stderr)."""
    from rtclint.model.secrets import Secrets, of

    plan = outcome.plan
    deployment = getattr(outcome.result, "deployment", None)
    found = of(deployment) if deployment is not None else Secrets()
    parts = []
    for path in plan.changed():
        doc = plan.originals[path]
        lines = frozenset(doc.line_col(start)[0] - 1 for start, _end in found.spans.get(path, ()))
        result = safe_diff(path, doc.text, plan.texts[path], found.holds_secret, lines)
        parts.append(result.text)
        for line in result.left_out:
            outcome.failures.append(Failure(path, f"the change at line {line} is left out of the diff: it would "
                                                  "show a secret (`--fix` applies it)"))
    return "".join(parts)
