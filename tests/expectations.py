"""Holding a run of rtclint to an `expected.json`: the same format for the upstream corpus
(../shared/corpus/upstream) and for our own rule fixtures (tests/fixtures/rules).

    {"must": [{"code": "RTC101", "path": "Caddyfile", "line": 3}, ...],   # line may be null
     "must_not": ["RTC205", ...]}

Entries in `must` repeat when the finding must occur more than once."""

from __future__ import annotations

import json
import os
from collections import Counter


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def explained_codes(message: str) -> list[str]:
    from rtclint.rules.root_cause import explained_codes as codes

    return codes(message)


def problems(expected: dict, diagnostics: list[dict]) -> list[str]:
    """What is wrong with `diagnostics` (JSON-contract dicts, paths relative to the case)."""
    out: list[str] = []
    available = Counter((d["code"], d["path"], d["line"]) for d in diagnostics)
    # one finding per cause: a finding folded into its cause is named in the cause's message
    available.update((code, d["path"], d["line"]) for d in diagnostics for code in explained_codes(d["message"]))
    pending_any_line = []
    for want in expected.get("must", []):
        key = (want["code"], want["path"], want.get("line"))
        if want.get("line") is None:
            pending_any_line.append(want)
        elif available[key] > 0:
            available[key] -= 1
        else:
            out.append(f"missing {want['code']} at {want['path']}:{want['line']}")
    for want in pending_any_line:
        match = next((k for k, n in available.items() if n > 0 and k[0] == want["code"] and k[1] == want["path"]), None)
        if match is None:
            out.append(f"missing {want['code']} in {want['path']}")
        else:
            available[match] -= 1
    for code in expected.get("must_not", []):
        for d in diagnostics:
            if d["code"] == code:
                out.append(f"unexpected {code} at {d['path']}:{d['line']}: {d['message']}")
    return out


def describe(diagnostics: list[dict]) -> str:
    return "\n".join(f"  {d['path']}:{d['line']}:{d['column']}: {d['code']} {d['message']}" for d in diagnostics)


def cases(root: str) -> list[str]:
    """Every folder under `root` holding an expected.json."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        if "expected.json" in files:
            found.append(dirpath)
    return sorted(found)
