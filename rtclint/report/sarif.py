"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Valid against the OASIS schema and shaped for GitHub's ingestion rules: one run;
`tool.driver` with a semantic version and every rule (help from the rule page, a
`helpUri`, `security-severity` as a string for the RTC9xx secrets rules); results with
`ruleIndex`, repo-relative URIs under `%SRCROOT%`, full regions, related locations,
fixes, and `partialFingerprints` that do not depend on line numbers, so an alert keeps
its identity when unrelated lines move. At most 25,000 results (GitHub's limit): the
most severe are kept and a notification says how many were left out.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from urllib.parse import quote

from rtclint import __version__
from rtclint.diagnostics import Diagnostic, Severity
from rtclint.document import Document, Span
from rtclint.report.positions import region

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/rtclint/rtclint"
MAX_RESULTS = 25_000
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "rtclint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub maps security-severity to critical (> 9), high (7-8.9), medium (4-6.9), low.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.5", Severity.INFO: "3.0"}
FAMILY_TAGS = {
    "RTC0": ["files"],
    "RTC1": ["discovery", "well-known"],
    "RTC2": ["reverse-proxy", "routing"],
    "RTC3": ["lk-jwt-service"],
    "RTC4": ["livekit"],
    "RTC5": ["synapse"],
    "RTC6": ["ess", "kubernetes"],
    "RTC9": ["security", "secrets"],
}


def render(result, config=None) -> str:
    from rtclint.report.json_text import dumps

    return dumps(build(result, config)) + "\n"


def build(result, config=None) -> dict:
    """The SARIF log as a dict (render() serialises it)."""
    from rtclint.rules.registry import all_rules

    rules = list(all_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}
    root = source_root(os.getcwd())
    kept, omitted = _limit(result.diagnostics)
    fingerprints = _fingerprints(kept, result.documents, root)
    run = {
        "tool": {"driver": _driver(rules)},
        "originalUriBaseIds": {SRCROOT: {"uri": _dir_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_named(_result(d, index, result.documents, root, fp), result, d)
                    for d, fp in zip(kept, fingerprints, strict=True)],
        "invocations": [_invocation(omitted)],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def source_root(start: str) -> str:
    """The repository root (the nearest directory with `.git`), else `start`: GitHub
    resolves result URIs against the checkout's root."""
    directory = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return os.path.abspath(start)
        directory = parent


def _dir_uri(path: str) -> str:
    uri = "file://" + quote(path.replace(os.sep, "/"))
    if not uri.startswith("file:///"):  # Windows drive paths
        uri = "file:///" + uri[len("file://") :]
    return uri if uri.endswith("/") else uri + "/"


def _driver(rules) -> dict:
    from rtclint.rules.docs import DOCS_URL, render_page

    return {
        "name": "rtclint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(r, render_page(r), DOCS_URL.format(code=r.code)) for r in rules],
    }


def _rule(r, page: str, help_uri: str) -> dict:
    properties: dict = {"tags": FAMILY_TAGS.get(r.code[:4], []) + [f"fix:{r.fix}"], "precision": "high"}
    if r.code.startswith("RTC9"):
        properties["security-severity"] = SECURITY_SEVERITY[r.severity]
    return {
        "id": r.code,
        "name": _pascal(r.name),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": _what_it_does(r.doc) or r.summary},
        "help": {"text": page, "markdown": page},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": LEVELS[r.severity]},
        "properties": properties,
    }


def _pascal(name: str) -> str:
    """SARIF rule names are identifiers: 'missing-rtc-foci' -> 'MissingRtcFoci'."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _what_it_does(doc: str) -> str:
    match = re.search(r"## What it does\s*\n(.*?)(?:\n## |\Z)", doc, re.S)
    return " ".join(match.group(1).split()) if match else ""


def _limit(diagnostics: list[Diagnostic]) -> tuple[list[Diagnostic], int]:
    if len(diagnostics) <= MAX_RESULTS:
        return list(diagnostics), 0
    ranked = sorted(range(len(diagnostics)), key=lambda i: (-diagnostics[i].severity.rank, i))
    keep = sorted(ranked[:MAX_RESULTS])
    return [diagnostics[i] for i in keep], len(diagnostics) - MAX_RESULTS


def _invocation(omitted: int) -> dict:
    invocation: dict = {"executionSuccessful": True}
    if omitted:
        invocation["toolExecutionNotifications"] = [{
            "level": "warning",
            "message": {"text": f"{omitted} results were left out: GitHub accepts at most {MAX_RESULTS} per run; "
                                "the most severe were kept"},
        }]
    return invocation


def _location(span: Span, documents: dict[str, Document], root: str, message: str | None = None) -> dict:
    line, col, end_line, end_col = region(span, documents)
    # No region.snippet: the flagged text may be a secret (RTC9xx), and viewers read the file.
    physical: dict = {"artifactLocation": _artifact(span.path, documents, root),
                      "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}}
    location: dict = {"physicalLocation": physical}
    if message:
        location["message"] = {"text": message}
    return location


def _artifact(path: str, documents: dict[str, Document], root: str) -> dict:
    doc = documents.get(path)
    abspath = doc.abspath if doc is not None else os.path.abspath(path)
    rel = os.path.relpath(abspath, root)
    if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
        return {"uri": _dir_uri(os.path.dirname(abspath)) + quote(os.path.basename(abspath))}
    return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def _result(diag: Diagnostic, index: dict[str, int], documents, root: str, fingerprint: str) -> dict:
    out: dict = {
        "ruleId": diag.code,
        "level": LEVELS[diag.severity],
        "message": {"text": diag.message},
        "locations": [_location(diag.span, documents, root)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diag.code in index:
        out["ruleIndex"] = index[diag.code]
    if diag.related:
        out["relatedLocations"] = [dict(_location(r.span, documents, root, r.message), id=i)
                                   for i, r in enumerate(diag.related, start=1)]
    if diag.fix is not None and diag.fix.edits:
        out["fixes"] = [_fix(diag, documents, root)]
        out["properties"] = {"fixApplicability": diag.fix.applicability.value}
    return out


def _named(out: dict, result, diag: Diagnostic) -> dict:
    """A result names its deployment (`properties.deployment`) when the run found several."""
    name_of = getattr(result, "deployment_name", None)
    name = name_of(diag.path, diag) if name_of is not None else None
    if name is not None:
        out.setdefault("properties", {})["deployment"] = name
    return out


def _fix(diag: Diagnostic, documents, root: str) -> dict:
    assert diag.fix is not None
    by_path: dict[str, list] = defaultdict(list)
    for edit in diag.fix.edits:
        line, col, end_line, end_col = region(edit.span, documents)
        by_path[edit.span.path].append({
            "deletedRegion": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col},
            "insertedContent": {"text": edit.content},
        })
    applicability = diag.fix.applicability.value
    note = "" if applicability == "safe" else f" ({applicability} fix)"
    return {
        "description": {"text": diag.fix.message + note},
        "artifactChanges": [{"artifactLocation": _artifact(path, documents, root), "replacements": reps}
                            for path, reps in by_path.items()],
    }


def _fingerprints(diagnostics: list[Diagnostic], documents, root: str) -> list[str]:
    """sha256 of path, code, the flagged text (the message for secrets) and the occurrence
    index among findings with the same three: stable when unrelated lines move."""
    from rtclint.baseline import identity_text

    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    out = []
    for diag in diagnostics:
        path = _artifact(diag.path, documents, root)["uri"]
        key = (path, diag.code, identity_text(diag, documents))
        occurrence = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((*key, str(occurrence))).encode("utf-8")).hexdigest()
        out.append(digest[:32])
    return out
