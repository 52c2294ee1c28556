"""Record what rtclint says about some trees, to check a speed change left it unchanged.

    python bench/same_findings.py OUT TREE...      # then: diff -r OUT-before OUT-after

Runs `python -m rtclint` with this interpreter, so PYTHONPATH=<a checkout of the commit
before> records the "before" side from the same venv.

For each TREE, writes the JSON report, the SARIF report, the text report with fixes, and
`--diff` (with and without unsafe fixes) into OUT/<n>-<tree name>.<kind>. Run it before and
after a change on the same trees and compare the folders byte for byte. The outputs quote
the trees; keep them out of the repository.
"""

from __future__ import annotations

import os
import subprocess
import sys


KINDS = {
    "json": ["--format", "json"],
    "sarif": ["--format", "sarif"],
    "text": ["--format", "concise", "--show-fixes", "--color", "never"],
    "diff": ["--diff"],
    "unsafe.diff": ["--diff", "--unsafe-fixes"],
}


def record(out: str, trees: list[str]) -> None:
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, NO_COLOR="1")
    for n, tree in enumerate(trees):
        name = f"{n}-{os.path.basename(os.path.normpath(tree))}"
        for kind, flags in KINDS.items():
            cmd = [sys.executable, "-m", "rtclint", "check", "--no-cache", "--exit-zero", *flags, os.path.abspath(tree)]
            proc = subprocess.run(cmd, capture_output=True, env=env, cwd=tree if os.path.isdir(tree) else None)
            with open(os.path.join(out, f"{name}.{kind}"), "wb") as fh:
                fh.write(proc.stdout + b"\n-- stderr --\n" + proc.stderr + f"\n-- exit {proc.returncode}\n".encode())


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    record(sys.argv[1], sys.argv[2:])
