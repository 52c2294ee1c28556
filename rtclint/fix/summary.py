"""What `--fix` and `--diff` tell the user besides the report: how many problems were
fixed, how many remain, and every file that could not be fixed or written."""

from __future__ import annotations

from collections import Counter

from rtclint.fix.diff import safe_diff
from rtclint.fix.runner import Failure, Outcome


def _problems(n: int) -> str:
    return f"{n} problem{'s' if n != 1 else ''}"


def fixed_counts(outcome: Outcome) -> tuple[int, int]:
    """(findings of the tree as it was that the fixes removed, findings a fix brought
    that a later round fixed too). The first is the count a plain check promised as
    "N fixable" (fix/promises.py): RTC105's new site is one problem fixed, and the
    CORS header the next round gives that site is a second one only `--fix` sees."""
    def ident(diag):
        return (diag.code, diag.path, diag.message)

    first = Counter(ident(d) for d in outcome.plan.checked[0]) if outcome.plan.checked else Counter()
    found = sum((Counter(ident(d) for d in outcome.fixed) & first).values())
    return found, len(outcome.fixed) - found


def _fixed(outcome: Outcome) -> str:
    found, brought = fixed_counts(outcome)
    return _problems(found) + (f" (and {brought} that the fixes brought)" if brought else "")


def fixed_line(outcome: Outcome) -> str:
    """Like ruff: 'Fixed 3 problems, 1 remaining (1 fixable with --unsafe-fixes).'"""
    remaining = outcome.result.diagnostics
    unsafe_left = sum(1 for d in remaining if d.fix is not None and d.fix.applicability.value == "unsafe")
    tail = f" ({unsafe_left} fixable with --unsafe-fixes)" if unsafe_left else ""
    return f"Fixed {_fixed(outcome)}, {len(remaining)} remaining{tail}."


def would_fix_line(outcome: Outcome) -> str:
    files = len(outcome.plan.changed())
    if not outcome.fixed:
        return "No fixes available."
    return f"Would fix {_fixed(outcome)} in {files} file{'s' if files != 1 else ''}."


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
