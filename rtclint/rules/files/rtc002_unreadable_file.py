"""A file that looks like configuration cannot be read as text.

## What it does
Reports files that are not UTF-8 (with or without a byte-order mark) or UTF-16 with a
byte-order mark, binary files with a config name, files over the size limit (5 MiB),
broken symlinks, symlinks that leave the tree, and files without read permission.

## Why
None of the servers rtclint models can read such a file either, or it is not the file
you meant to commit. rtclint never crashes on it and goes on with the rest.

## Fix
Manual: re-save the file as UTF-8, or exclude it in the configuration.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity

CODE = "RTC002"
NAME = "unreadable-file"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("all",)

# No check(): the engine and the parsers report this code when they read the files; this
# module is its documentation.
