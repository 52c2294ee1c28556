"""`--statistics`: how many findings per rule, as a table (count, code, name, fixable)
or as JSON rows."""

from __future__ import annotations

from collections import Counter


def rows(diagnostics, unsafe_fixes: bool = False) -> list[dict]:
    """One row per rule, most frequent first: count, code, name, fixable (every finding
    of the rule has a fix `--fix` would apply)."""
    counts: Counter = Counter()
    names: dict[str, str] = {}
    fixable: dict[str, bool] = {}
    accepted = ("safe", "unsafe") if unsafe_fixes else ("safe",)
    for d in diagnostics:
        counts[d.code] += 1
        names[d.code] = d.name
        has_fix = d.fix is not None and d.fix.applicability.value in accepted
        fixable[d.code] = fixable.get(d.code, True) and has_fix
    return [{"count": n, "code": code, "name": names[code], "fixable": fixable[code]}
            for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def table(diagnostics, unsafe_fixes: bool = False):
    """A rich Table of the rows."""
    from rich.table import Table

    grid = Table(box=None, show_edge=False, pad_edge=False, header_style="bold")
    grid.add_column("Count", justify="right")
    grid.add_column("Code")
    grid.add_column("Name")
    grid.add_column("Fixable")
    for row in rows(diagnostics, unsafe_fixes):
        grid.add_row(str(row["count"]), row["code"], row["name"], "[*]" if row["fixable"] else "")
    return grid
