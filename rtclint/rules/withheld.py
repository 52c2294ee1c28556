"""Fixable means fixed: a fix is offered (`[*]`, "N fixable", SARIF `fixes`) only when
`--fix` would apply it. A fix whose edits touch a file that did not parse completely
(RTC001) or could not be read (RTC002) is never applied — rtclint does not edit what it
did not fully understand — so it is withdrawn here, and the finding says why."""

from __future__ import annotations

UNPARSED = ("RTC001", "RTC002")
# Files rtclint reads but never edits: a NixOS module is read without evaluating it, and
# its findings may point at text rtclint generated from it (parsers/nix*.py).
READ_ONLY_SUFFIXES = (".nix",)
# ...and matrix-docker-ansible-deploy's vars.yml: its findings are about the configs the
# playbook writes from its variables (parsers/playbook_vars.py), under those configs' names.
READ_ONLY_SUBKINDS = {"playbook-vars": "the playbook's vars.yml; set the playbook variable by hand"}


def unparsed_paths(diagnostics: list, deployment) -> set[str]:
    """Files with a parse or read error. Read from the parsers' own findings too, which
    `--select`/`--ignore` do not filter."""
    found = {d.path for d in diagnostics if d.code in UNPARSED}
    for facts in getattr(deployment, "files", {}).values():
        found |= {d.path for d in facts.diagnostics if d.code in UNPARSED}
    return found


def withhold(diagnostics: list, deployment) -> list:
    """`diagnostics` with every fix `--fix` would refuse removed and explained."""
    unparsed = unparsed_paths(diagnostics, deployment)
    read_only = _read_only_files(deployment)
    if not unparsed and not any(d.fix is not None and _read_only(d.fix, read_only) for d in diagnostics):
        return diagnostics
    out = []
    for diag in diagnostics:
        if diag.fix is not None and _read_only(diag.fix, read_only):
            import copy

            diag = copy.copy(diag)
            why = next((read_only[e.span.path] for e in diag.fix.edits if e.span.path in read_only),
                       ".nix files; change the option by hand")
            diag.fix = None
            diag.message += f" (no automatic fix: rtclint does not edit {why})"
        blocked = sorted({e.span.path for e in diag.fix.edits} & unparsed) if diag.fix is not None else []
        if blocked:
            import copy  # only when there is something to fold: it costs a start-up

            diag = copy.copy(diag)
            diag.fix = None
            diag.message += (f" (no automatic fix: {', '.join(blocked)} did not parse completely, and rtclint "
                             "does not edit a file it could not read whole; fix the parse error first)")
        out.append(diag)
    return out


def _read_only(fix, read_only: dict[str, str]) -> bool:
    return any(e.span.path.endswith(READ_ONLY_SUFFIXES) or e.span.path in read_only for e in fix.edits)


def _read_only_files(deployment) -> dict[str, str]:
    """Display path -> why, for the files of a read-only kind (READ_ONLY_SUBKINDS)."""
    return {path: READ_ONLY_SUBKINDS[facts.subkind] for path, facts in getattr(deployment, "files", {}).items()
            if facts.subkind in READ_ONLY_SUBKINDS}
