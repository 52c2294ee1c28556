"""Applying fixes: `rtclint check --fix / --unsafe-fixes / --diff`.

- `edits`: which fixes can be applied together (no overlapping edits; all edits of a fix
  or none), and applying edits to a text;
- `runner`: the loop — check, fix in memory, re-check, until stable; a fix that makes a
  file unparseable is not kept; files that did not parse are never edited;
- `writer`: atomic writes that keep mode, owner, encoding, BOM and line endings, and
  refuse when the file changed on disk or leads outside the tree;
- `diff`: the unified diff `--diff` prints.

The names below are imported on first use (PEP 562): a plain check that only judges its
fixes (`promises`, `consequences`) never loads the loop, the writer and its `tempfile`.
"""

from __future__ import annotations

from rtclint.exports import lazy_exports

_HOMES = {
    "unified_diff": "diff",
    "apply_edits": "edits", "choose": "edits",
    "Failure": "runner", "Outcome": "runner", "Plan": "runner", "fix_paths": "runner", "plan_fixes": "runner",
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_exports(__name__, _HOMES)
