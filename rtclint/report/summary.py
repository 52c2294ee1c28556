"""The closing lines of the text report: what was found, what is fixable, and what was
hidden (by the baseline, by suppression comments), so a quiet report is never a lie."""

from __future__ import annotations

from collections import Counter

from rtclint.diagnostics import Severity


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def summary_lines(result, *, unsafe_fixes: bool = False, baseline: str | None = None,
                  paths: list[str] | None = None, after_fix: bool = False) -> list[tuple[str, str]]:
    """(text, rich style) lines. `after_fix`: the fix summary already said what is left
    to fix, so the fix hints are not repeated."""
    diags = result.diagnostics
    files = f"{_plural(result.files_checked, 'file')} checked"
    lines: list[tuple[str, str]] = []
    if not result.files_checked:
        where = ", ".join(paths or ["."])
        lines.append((f"No file to check: nothing under {where} is a file rtclint reads "
                      "(proxy, Compose, Kubernetes, LiveKit, JWT service, Synapse or well-known).", "bold yellow"))
    elif not diags:
        lines.append((f"All clear: {files}, no problems found.", "green"))
    else:
        by_sev = Counter(d.severity for d in diags)
        parts = [f"{by_sev[s]} {s.value}{'s' if by_sev[s] != 1 and s != Severity.INFO else ''}"
                 for s in Severity if by_sev[s]]
        lines.append((f"Found {_plural(len(diags), 'problem')} ({', '.join(parts)}) in {files}.", "bold"))
        lines += [] if after_fix else _fix_lines(diags, unsafe_fixes)
    hidden = getattr(result, "baselined", 0)
    if hidden:
        lines.append((f"{_plural(hidden, 'finding')} hidden by the baseline{f' ({baseline})' if baseline else ''}.",
                      ""))
    suppressed = getattr(result, "suppressed", 0)
    if suppressed:
        lines.append((f"{suppressed} suppressed by `# rtclint: disable` comments.", ""))
    return lines


def _fix_lines(diags, unsafe_fixes: bool) -> list[tuple[str, str]]:
    safe = sum(1 for d in diags if d.fix is not None and d.fix.applicability.value == "safe")
    unsafe = sum(1 for d in diags if d.fix is not None and d.fix.applicability.value == "unsafe")
    if unsafe_fixes and safe + unsafe:
        return [(f"[*] {safe + unsafe} fixable with `rtclint check --fix --unsafe-fixes`.", "")]
    lines = []
    if safe:
        lines.append((f"[*] {safe} fixable with `rtclint check --fix`.", ""))
    if unsafe:
        lines.append((f"{_plural(unsafe, 'hidden fix')} can be enabled with the `--unsafe-fixes` option.", ""))
    return lines
