"""Small trees written from a dict (relative path -> text) and checked in place."""

import os
import textwrap

from rtclint.engine import check


def write(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(textwrap.dedent(text).lstrip("\n"))


def run(tmp_path, files):
    """Write the tree under tmp_path and check it from there (paths as a user sees them)."""
    write(str(tmp_path), files)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return check(["."])
    finally:
        os.chdir(cwd)
