"""`--format github`: GitHub Actions workflow commands, one annotation per finding:

    ::error file=caddy/Caddyfile,line=3,col=5,endLine=3,endColumn=40,title=RTC101::message

Paths are relative to the repository root (where GitHub resolves them). Escaping follows
the Actions runner: in the message `%`, `\\r` and `\\n` are percent-encoded; in property
values also `:` and `,`.
"""

from __future__ import annotations

import os

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.report.positions import region

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result, config=None) -> str:
    from rtclint.report.sarif import source_root

    root = source_root(os.getcwd())
    return "".join(annotation(d, result.documents, root) + "\n" for d in result.diagnostics)


def annotation(diag: Diagnostic, documents, root: str) -> str:
    line, col, end_line, end_col = region(diag.span, documents)
    properties = [
        ("file", _repo_path(diag.path, documents, root)),
        ("line", str(line)),
        ("col", str(col)),
        ("endLine", str(end_line)),
        ("endColumn", str(end_col)),
        ("title", diag.code),
    ]
    message = diag.message
    if diag.fix is not None and diag.fix.applicability.value == "safe":
        message += " (fixable with `rtclint check --fix`)"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[diag.severity]} {props}::{escape_data(message)}"


def _repo_path(path: str, documents, root: str) -> str:
    doc = documents.get(path)
    abspath = doc.abspath if doc is not None else os.path.abspath(path)
    rel = os.path.relpath(abspath, root)
    if rel == ".." or rel.startswith(".." + os.sep):
        return abspath.replace(os.sep, "/")
    return rel.replace(os.sep, "/")
