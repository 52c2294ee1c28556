"""Baselines, for adopting rtclint on a repository that already has findings.

`rtclint check --write-baseline FILE` records every current finding; `--baseline FILE`
then hides the recorded ones, so only new problems show (and fail CI).

An entry is keyed on the file (relative to the baseline file's directory, so the
baseline works from any working directory), the rule code, and a hash of the flagged
text with its whitespace collapsed — never on line numbers, so edits elsewhere in the
file do not resurface old findings. An entry holds only that fingerprint, never text
from the file: a baseline is committed, and the flagged text may be a secret. The
hashed text itself has its secrets masked (`rtclint.model.secrets`), and for the
secrets rules (RTC9xx), whose flagged text is the secret, their (masking) message
stands in. Identical keys are counted: when a file has two recorded findings of a
kind and gains a third, one shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable

from rtclint.diagnostics import Diagnostic
from rtclint.document import Document
from rtclint.model.secrets import scrub

BASELINE_VERSION = 1
_SPACE = re.compile(r"\s+")
SECRET_PREFIX = "RTC9"


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a baseline."""


def flagged_text(diag: Diagnostic, documents: dict[str, Document]) -> str:
    """The text a finding points at, whitespace-normalised; for an empty span the text
    of its line, so insert-style findings still have a stable key."""
    doc = documents.get(diag.path)
    if doc is None:
        return ""
    text = doc.text[diag.span.start : diag.span.end]
    if not text.strip():
        text = doc.line_text(doc.line_col(diag.span.start)[0])
    return _SPACE.sub(" ", text).strip()


def identity_text(diag: Diagnostic, documents: dict[str, Document]) -> str:
    """What identifies a finding besides its file and code: the flagged text, except for
    the secrets rules (RTC9xx), whose flagged text is the secret itself: their message
    (which masks it) stands in, so no baseline or fingerprint is derived from a secret."""
    if diag.code.startswith(SECRET_PREFIX):
        return _SPACE.sub(" ", diag.message).strip()
    return scrub(flagged_text(diag, documents))


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _key_path(diag: Diagnostic, documents: dict[str, Document], base_dir: str) -> str:
    doc = documents.get(diag.path)
    abspath = doc.abspath if doc is not None else os.path.abspath(diag.path)
    rel = os.path.relpath(abspath, base_dir)
    return rel.replace(os.sep, "/")


def _key(diag: Diagnostic, documents: dict[str, Document], base_dir: str) -> tuple[str, str, str]:
    return (_key_path(diag, documents, base_dir), diag.code, text_hash(identity_text(diag, documents)))


def write(path: str, diagnostics: Iterable[Diagnostic], documents: dict[str, Document]) -> int:
    """Record `diagnostics` in a baseline at `path`; returns the number of findings."""
    base_dir = os.path.dirname(os.path.abspath(path))
    counts: Counter = Counter(_key(diag, documents, base_dir) for diag in diagnostics)
    entries = [{"path": p, "code": c, "hash": h, "count": counts[(p, c, h)]} for (p, c, h) in sorted(counts)]
    payload = {"version": BASELINE_VERSION, "tool": "rtclint", "entries": entries}
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, path)
    return sum(counts.values())


def read(path: str) -> Counter:
    """The recorded keys of a baseline file, with their counts."""
    try:
        with open(path, encoding="utf-8") as fh:
            payload = json.load(fh)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline: {exc}") from None
    if not isinstance(payload, dict) or payload.get("version") != BASELINE_VERSION or not isinstance(
            payload.get("entries"), list):
        raise BaselineError(f"{path}: not an rtclint baseline (version {BASELINE_VERSION})")
    counts: Counter = Counter()
    for entry in payload["entries"]:
        try:
            counts[(entry["path"], entry["code"], entry["hash"])] += int(entry.get("count", 1))
        except (TypeError, KeyError, ValueError):
            raise BaselineError(f"{path}: malformed entry {entry!r}") from None
    return counts


def filter_known(diagnostics: list[Diagnostic], documents: dict[str, Document], path: str) -> list[Diagnostic]:
    """The findings not recorded in the baseline at `path` (in their original order)."""
    remaining = read(path)
    base_dir = os.path.dirname(os.path.abspath(path))
    new = []
    for diag in diagnostics:
        key = _key(diag, documents, base_dir)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(diag)
    return new
