"""`--output-format json`: the contract other tools read (docs/json.md). Keys never change;
new keys may be added."""

from __future__ import annotations

import itertools
import json

from rtclint.diagnostics import Diagnostic
from rtclint.report.positions import region

JSON_VERSION = 1


def diagnostic_dict(diag: Diagnostic, documents, deployment: str | None = None) -> dict:
    line, col, end_line, end_col = region(diag.span, documents)
    fix = None
    if diag.fix is not None:
        edits = []
        for edit in diag.fix.edits:
            e_line, e_col, e_end_line, e_end_col = region(edit.span, documents)
            edits.append({"path": edit.span.path, "line": e_line, "column": e_col, "end_line": e_end_line,
                          "end_column": e_end_col, "content": edit.content})
        fix = {"applicability": diag.fix.applicability.value, "message": diag.fix.message, "edits": edits}
    return {
        "code": diag.code, "name": diag.name, "severity": diag.severity.value, "path": diag.path,
        "line": line, "column": col, "end_line": end_line, "end_column": end_col,
        "message": diag.message, "fix": fix, "deployment": deployment,
    }


def render(result, config=None) -> str:
    payload = {
        "version": JSON_VERSION,
        "files_checked": result.files_checked,
        "files_recognised": _recognised(result),
        "diagnostics": _Findings(result),
    }
    if _deployments(result):  # only then: a one-deployment report keeps its old shape
        payload["deployments"] = _deployments(result)
    return dumps(payload)


class _Findings(list):
    """The findings as the encoder reads them: a list of the Diagnostics whose items are
    made into their JSON objects one at a time, as they are written (all of them at
    once were ~10 MB of a big run's peak). The encoder asks only its length and its
    items, so the text is the same."""

    def __init__(self, result) -> None:
        super().__init__(result.diagnostics)
        self.result = result

    def __iter__(self):
        result = self.result
        for diag in super().__iter__():
            yield diagnostic_dict(diag, result.documents, _name(result, diag))


# How many of the encoder's pieces are joined at a time (a few hundred findings' worth).
PIECES_AT_ONCE = 8192


def dumps(payload) -> str:
    """`json.dumps(payload, indent=2, ensure_ascii=False) + "\\n"`, the same text, built a
    slice of the encoder's pieces at a time: json.dumps holds every piece at once (half a
    million small strings for a few thousand findings, ~45 MB, the peak of a big run)."""
    pieces = json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(payload)
    parts = []
    while batch := list(itertools.islice(pieces, PIECES_AT_ONCE)):
        parts.append("".join(batch))
    parts.append("\n")
    return "".join(parts)


def _recognised(result) -> int:
    """Files holding a part of a call setup rtclint models (report/summary.py); 0 says the
    run recognised nothing, so an empty `diagnostics` is no all-clear."""
    from rtclint.report.summary import recognised_files

    return recognised_files(result)


def _deployments(result) -> list[str]:
    """The run's deployments by name, when it found more than one (docs/json.md)."""
    found = getattr(result, "deployments", [])
    return [dep.name for dep in found] if len(found) > 1 else []


def _name(result, diag: Diagnostic) -> str | None:
    name_of = getattr(result, "deployment_name", None)
    return name_of(diag.path) if name_of is not None else None


def render_statistics(result, unsafe_fixes: bool = False) -> str:
    """`--statistics --output-format json`: the per-rule counts instead of the findings."""
    from rtclint.report.statistics import rows

    payload = {"version": JSON_VERSION, "files_checked": result.files_checked,
               "statistics": rows(result.diagnostics, unsafe_fixes)}
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
