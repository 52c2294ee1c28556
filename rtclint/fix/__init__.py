"""Applying fixes: `rtclint check --fix / --unsafe-fixes / --diff`.

- `edits`: which fixes can be applied together (no overlapping edits; all edits of a fix
  or none), and applying edits to a text;
- `runner`: the loop — check, fix in memory, re-check, until stable; a fix that makes a
  file unparseable is not kept; files that did not parse are never edited;
- `writer`: atomic writes that keep mode, owner, encoding, BOM and line endings, and
  refuse when the file changed on disk or leads outside the tree;
- `diff`: the unified diff `--diff` prints.
"""

from rtclint.fix.diff import unified_diff
from rtclint.fix.edits import apply_edits, choose
from rtclint.fix.runner import Failure, Outcome, Plan, fix_paths, plan_fixes

__all__ = ["Failure", "Outcome", "Plan", "apply_edits", "choose", "fix_paths", "plan_fixes", "unified_diff"]
