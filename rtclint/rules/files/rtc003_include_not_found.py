"""An `include`/`import` names a file or glob that matches nothing in the tree.

## What it does
Resolves nginx `include`, Caddy `import` and HAProxy file references relative to the
file (nginx: relative to the main configuration) and reports the ones that match
no file.

## Why
nginx and Caddy refuse to start when an include without a glob is missing; with a
glob, the settings you expected silently do not apply.

## Example
```nginx
include /etc/nginx/snippets/matrix-well-known.conf;
```

## Fix
Manual: add the file to the tree, or fix the path.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity

CODE = "RTC003"
NAME = "include-not-found"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("nginx", "caddy", "haproxy")

# No check(): the parsers report this code while they read the files; this module is its
# documentation.
