"""`--diff`: what `--fix` would change, as a unified diff (git's conventions, so it can
be piped to `git apply` or `patch -p1`).

A diff quotes context lines, and a context line may hold a secret. Masking it there
would make a patch that no longer applies, so the context is shrunk instead: a hunk
keeps only the context lines between its changes and the nearest secret. A hunk that
cannot both apply and hide its secrets (a changed line holds one, or the change sits
right against a secret mid-file, where `git apply` needs a trailing context line) is
left out, and the caller says so."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

NO_NEWLINE = "\\ No newline at end of file\n"
CONTEXT = 3


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class FileDiff:
    """The patch `--diff` prints for one file, and the hunks it had to leave out."""

    text: str  # the patch for this file ('' when nothing can be shown)
    left_out: list[int] = field(default_factory=list)  # first old line (1-based) of each hunk left out


def unified_diff(path: str, before: str, after: str) -> str:
    """The diff of one file, every hunk shown."""
    return safe_diff(path, before, after).text


def safe_diff(path: str, before: str, after: str, is_secret_line=None, secret_old_lines: frozenset = frozenset()
              ) -> FileDiff:
    """The diff of one file without any line for which `is_secret_line(text)` is true
    (nor the old lines numbered, from 0, in `secret_old_lines`)."""
    old, new = _lines(before), _lines(after)

    def secret_old(i: int) -> bool:
        return i in secret_old_lines or bool(is_secret_line and is_secret_line(old[i]))

    def secret_new(j: int) -> bool:
        return bool(is_secret_line and is_secret_line(new[j]))

    hunks: list[list[tuple]] = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(CONTEXT):
        hunks += _split_at_secrets(group, secret_old)
    out: list[str] = []
    left_out: list[int] = []
    offset = 0  # how far the new file's lines have moved, counting only the hunks shown
    for ops in hunks:
        changed = [op for op in ops if op[0] != "equal"]
        tainted = any(secret_old(i) for op in changed for i in range(op[1], op[2])) or any(
            secret_new(j) for op in changed for j in range(op[3], op[4]))
        ops = None if tainted else _balanced(ops, len(old))
        if ops is None:
            left_out.append(changed[0][1] + 1)
            continue
        i1, i2 = ops[0][1], ops[-1][2]
        j1, j2 = ops[0][3], ops[-1][4]
        out.append(f"@@ -{_range(i1, i2)} +{_range(i1 + offset, i1 + offset + (j2 - j1))} @@\n")
        for tag, a1, a2, b1, b2 in ops:
            if tag == "equal":
                out += [_line(" ", line) for line in old[a1:a2]]
                continue
            out += [_line("-", line) for line in old[a1:a2]]
            out += [_line("+", line) for line in new[b1:b2]]
        offset += (j2 - j1) - (i2 - i1)
    if not out:
        return FileDiff("", left_out)
    return FileDiff(f"--- a/{path}\n+++ b/{path}\n" + "".join(out), left_out)


def _split_at_secrets(group: list[tuple], secret_old) -> list[list[tuple]]:
    """One difflib hunk as hunks whose context holds no secret line: an unchanged run
    with a secret ends the hunk before it and starts the next one after it."""
    hunks: list[list[tuple]] = []
    current: list[tuple] = []
    for tag, i1, i2, j1, j2 in group:
        secret = [i for i in range(i1, i2) if secret_old(i)] if tag == "equal" else []
        if not secret:
            current.append((tag, i1, i2, j1, j2))
            continue
        first, last = secret[0], secret[-1]
        if first > i1:
            current.append((tag, i1, first, j1, j1 + first - i1))
        if any(op[0] != "equal" for op in current):
            hunks.append(current)
        current = []
        if last + 1 < i2:
            current.append((tag, last + 1, i2, j1 + last + 1 - i1, j2))
    if any(op[0] != "equal" for op in current):
        hunks.append(current)
    return [_trim(h) for h in hunks]


def _balanced(ops: list[tuple], old_len: int) -> list[tuple] | None:
    """The hunk with as many context lines before as after its changes, or None when
    that is none mid-file. `patch` reads uneven context as "fuzz" and `git apply`
    anchors a hunk without trailing context to the end of the file; only a hunk at
    the very start or end of the file has less context on that side by nature."""
    lead = ops[0][2] - ops[0][1] if ops[0][0] == "equal" else 0
    trail = ops[-1][2] - ops[-1][1] if ops[-1][0] == "equal" else 0
    at_start, at_end = ops[0][1] == 0, ops[-1][2] == old_len
    if at_start or at_end:  # the short side is the file's edge: keep what there is
        keep_lead, keep_trail = lead, trail
        if (not at_end and trail == 0) or (lead == 0 and trail == 0 and not (at_start and at_end)):
            return None
    else:
        keep_lead = keep_trail = min(lead, trail)
        if keep_lead == 0:
            return None
    out = list(ops)
    if lead > keep_lead:
        tag, a1, a2, b1, b2 = out[0]
        out[0] = (tag, a2 - keep_lead, a2, b2 - keep_lead, b2)
    if trail > keep_trail:
        tag, a1, a2, b1, b2 = out[-1]
        out[-1] = (tag, a1, a1 + keep_trail, b1, b1 + keep_trail)
    return _trim(out)


def _trim(ops: list[tuple]) -> list[tuple]:
    """Drop empty runs (a split can leave a zero-length context)."""
    return [op for op in ops if op[2] > op[1] or op[4] > op[3]]


def _range(start: int, stop: int) -> str:
    """A hunk header's `start,length` (difflib's and GNU diff's conventions)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


def _line(mark: str, line: str) -> str:
    return mark + line if line.endswith("\n") else mark + line + "\n" + NO_NEWLINE


def _lines(text: str) -> list[str]:
    # Split on '\n' only: a CRLF file's '\r' stays on its line, as in git's diffs.
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
