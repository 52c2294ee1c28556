"""A file of a known kind does not parse.

## What it does
Reports the first syntax error in a Caddyfile, nginx or HAProxy configuration, YAML
or JSON file, at the line and column where the real server's parser would stop, with
what it expected there.

## Why
The server refuses to start (or to reload) with this file, so nothing in it takes
effect. The rest of the tree is still checked.

## Example
```caddy
example.com {
    respond /.well-known/matrix/client `{"m.homeserver": {}}`
# the site block is never closed
```

## Fix
Manual: correct the syntax at the reported position.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity

CODE = "RTC001"
NAME = "parse-error"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("all",)

# No check(): the parsers report this code while they read the files; this module is its
# documentation.
