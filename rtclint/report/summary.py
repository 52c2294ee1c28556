"""The closing lines of the text report: what was found, what is fixable, and what was
hidden (by the baseline, by suppression comments), so a quiet report is never a lie."""

from __future__ import annotations

from collections import Counter

from rtclint.diagnostics import Severity


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


PROXY_KINDS = ("nginx", "caddy", "haproxy")
CALL_PATH_ROLES = ("jwt", "livekit", "synapse", "element-call", "proxy")
WHAT_WE_READ = "a proxy, homeserver, call backend or well-known config rtclint models"


def recognised_files(result, *, stop_at: int | None = None) -> int:
    """How many checked files hold a part of a call setup rtclint models: a proxy config
    (even a fragment), a proxy site, a call-path service, a homeserver, LiveKit, ESS, a
    well-known, Element Call's config or a declared server_name. A Compose file of
    unrelated services, a workflow YAML or a config rtclint cannot model (RTC004) is
    checked but not recognised: a run of only those is no all-clear."""
    deployment = getattr(result, "deployment", None)
    if deployment is None:
        return 0
    documents = deployment.documents
    count = 0
    for path, facts in deployment.files.items():
        doc = documents.get(path)
        if (doc is not None and doc.kind in PROXY_KINDS) or _holds_call_facts(facts):
            count += 1
            if count == stop_at:
                break
    return count


def _holds_call_facts(facts) -> bool:
    if any(s.role in CALL_PATH_ROLES for s in facts.services):
        return True
    return any(getattr(facts, name, None) for name in ("sites", "well_knowns", "livekit", "synapse",
                                                        "toml_homeservers", "ess", "element_call", "element_web",
                                                        "server_names"))


def nothing_recognised(result) -> bool:
    """The run recognised no file (none checked, or none holding a call-setup part):
    its report says so, and `--fail-on info` makes that a failure."""
    return recognised_files(result, stop_at=1) == 0


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
        lines.append(_nothing_line(result, files, paths) if nothing_recognised(result)
                     else (f"All clear: {files}, no problems found.", "green"))
    else:
        lines.append((f"Found {_found(diags)} in {files}.", "bold"))
        lines += [] if after_fix else _fix_lines(diags, unsafe_fixes)
        if nothing_recognised(result):
            lines.append(_nothing_line(result, files, paths))
    hidden = getattr(result, "baselined", 0)
    if hidden:
        lines.append((f"{_plural(hidden, 'finding')} hidden by the baseline{f' ({baseline})' if baseline else ''}.",
                      ""))
    suppressed = getattr(result, "suppressed", 0)
    if suppressed:
        lines.append((f"{suppressed} suppressed by `# rtclint: disable` comments.", ""))
    return lines


def _nothing_line(result, files: str, paths: list[str] | None) -> tuple[str, str]:
    # the paths are not repeated: under pre-commit they are the files named, and a file
    # named here reads as a file with a finding
    return (f"Nothing recognised: {files}, none of them {WHAT_WE_READ}: this is not an all-clear.",
            "bold yellow")


def _found(diags) -> str:
    by_sev = Counter(d.severity for d in diags)
    parts = [f"{by_sev[s]} {s.value}{'s' if by_sev[s] != 1 and s != Severity.INFO else ''}"
             for s in Severity if by_sev[s]]
    return f"{_plural(len(diags), 'problem')} ({', '.join(parts)})"


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
