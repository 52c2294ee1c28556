"""An `# rtclint: disable=…` comment that suppresses nothing.

## What it does
Reports inline suppressions whose codes produced no finding on the lines they cover:
a wrong code, a code that is not an rtclint rule, a problem that has since been fixed,
or a comment that looks like a suppression but is malformed (so it never worked).
Codes switched off for the run (`--select`, `--ignore`) are not judged.

A suppression is a comment in any format with `#` comments (Caddyfile, nginx,
HAProxy, YAML, `.env`):

- `# rtclint: disable=RTC101,RTC106 -- reason` at the end of the flagged line, or on
  its own line just above it (several may be stacked above one line);
- `# rtclint: disable-file=RTC901 -- reason` anywhere in a file, for the whole file.

A finding inside a multi-line token (a JSON body in a Caddy backtick string or an
nginx `return 200 '…'`, a YAML block scalar) belongs to the line where the token
starts: put the comment above that directive. A `#` inside a quoted string is not a
comment. `rtclint check --no-suppressions` ignores every suppression.

## Why
Stale suppressions hide the next real problem on that line.

## Example
```caddy
# rtclint: disable=RTC106 -- CORS is added by the CDN
respond /.well-known/matrix/client `{}`
```

## Fix
Safe: remove the comment, or only the unused codes from it.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity

CODE = "RTC010"
NAME = "unused-suppression"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("all",)

# No check(): the suppression pass (rtclint/suppress.py) reports this code after the rules
# have run; this module is its documentation.
