"""Run configuration: command-line options merged over `[tool.rtclint]` settings.

The file loader (pyproject.toml / .rtclint.toml, nearest wins) lives in
`rtclint/config_file.py`; this module only holds the resolved settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rtclint.diagnostics import Severity

# The newest releases RULES.md was checked against (its "Versions" section): what rules
# assume when neither `[tool.rtclint] target` nor an image tag in the tree says otherwise.
DEFAULT_TARGETS = {
    "synapse": "1.163",
    "element-call": "0.26",
    "lk-jwt-service": "0.8",
    "livekit": "1.13",
    "ess-chart": "26.8.1",
    "continuwuity": "26.8",
    "tuwunel": "1.9",
}


# Off unless asked for by name (`select`, `extend-select`) or by `--show-unknown`: a
# report of what rtclint could not evaluate, not of defects (RULES.md RTC006).
OPT_IN = frozenset({"RTC006"})


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class Config:
    """The settings of a run: rule selection, excludes, fail level and version targets."""

    select: list[str] = field(default_factory=list)  # code prefixes; empty = all
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> codes
    exclude: list[str] = field(default_factory=list)  # gitignore-style patterns
    fail_on: Severity = Severity.WARNING  # lowest severity that makes the exit code 1
    server_name: str | None = None
    targets: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    root: str = "."  # directory paths in the config are relative to
    source: str | None = None  # the config file, for messages
    use_suppressions: bool = True  # honour `# rtclint: disable=…` comments (--no-suppressions: off)
    baseline: str | None = None  # hide the findings recorded in this baseline file (--baseline)
    report_on: list[str] | None = None  # abspaths: report only findings involving these (--context)
    opt_in: list[str] = field(default_factory=list)  # OPT_IN codes asked for (--show-unknown, extend-select)

    def enabled(self, code: str) -> bool:
        if code in OPT_IN and code not in self.select and code not in self.opt_in:
            return False
        selected = not self.select or any(code.startswith(p) for p in self.select)
        return selected and not any(code.startswith(p) for p in self.ignore)


@lru_cache(maxsize=4096)  # rules ask for the same few image tags thousands of times
def version_tuple(version: str) -> tuple[int, ...]:
    """'v1.13.4' -> (1, 13, 4); unparsable parts stop the tuple ('latest' -> ())."""
    parts = []
    for piece in version.lstrip("vV").split("."):
        digits = ""
        for ch in piece:
            if not "0" <= ch <= "9":  # not str.isdigit: '¹' is a digit that int() refuses
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts)
