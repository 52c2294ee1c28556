"""GitHub annotations from rtclint's own SARIF file, so the Action runs rtclint once and
gets both (`python -m rtclint.report.github_from_sarif rtclint.sarif`). The annotations
are the ones `--output-format github` prints: SARIF carries every field they need (repo
relative URI, region, level, rule id, fix applicability)."""

from __future__ import annotations

import json
import sys
from urllib.parse import unquote, urlsplit

from rtclint.report.github import escape_data, escape_property

COMMANDS = {"error": "error", "warning": "warning", "note": "notice", "none": "notice"}


def annotations(log: dict) -> list[str]:
    lines = []
    for run in log.get("runs", []):
        for result in run.get("results", []):
            lines.append(_annotation(result))
    return lines


def _annotation(result: dict) -> str:
    location = result["locations"][0]["physicalLocation"]
    region = location.get("region", {})
    properties = [
        ("file", _path(location["artifactLocation"])),
        ("line", str(region.get("startLine", 1))),
        ("col", str(region.get("startColumn", 1))),
        ("endLine", str(region.get("endLine", region.get("startLine", 1)))),
        ("endColumn", str(region.get("endColumn", region.get("startColumn", 1)))),
        ("title", result["ruleId"]),
    ]
    message = result["message"]["text"]
    if result.get("properties", {}).get("fixApplicability") == "safe":
        message += " (fixable with `rtclint check --fix`)"
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS.get(result.get('level', 'warning'), 'warning')} {props}::{escape_data(message)}"


def _path(artifact: dict) -> str:
    """The repository-relative path (`uriBaseId` %SRCROOT%), or the absolute path of a
    file outside the repository."""
    uri = artifact["uri"]
    if artifact.get("uriBaseId"):
        return unquote(uri)
    return unquote(urlsplit(uri).path)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m rtclint.report.github_from_sarif FILE.sarif\n")
        return 2
    try:
        with open(argv[0], encoding="utf-8") as fh:
            log = json.load(fh)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"rtclint: cannot read the SARIF file '{argv[0]}': {exc}\n")
        return 2
    sys.stdout.write("".join(line + "\n" for line in annotations(log)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
