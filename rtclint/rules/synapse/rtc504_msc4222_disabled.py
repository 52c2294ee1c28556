"""`experimental_features.msc4222_enabled` is not true.

## What it does
Reports a homeserver in a call-enabled tree without `msc4222_enabled: true`.

## Why
MSC4222 adds `state_after` to `/sync`; without it clients can miss call membership
state changes and show people in calls who left (or miss who joined). Element's call
docs and the ESS chart turn it on.

## Example
```yaml
experimental_features:
  msc4143_enabled: true
```

## Fix
Safe: adds (or sets) `msc4222_enabled: true` under `experimental_features`.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.synapse.homeserver import anchor_of, flag_fix, relevant

CODE = "RTC504"
NAME = "msc4222-disabled"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("synapse",)


def check(ctx):
    for hs in homeservers(ctx):
        if hs.flag_on("msc4222_enabled") or not relevant(ctx, hs):
            continue
        flag = hs.flag("msc4222_enabled")
        span = flag.span if flag is not None else anchor_of(hs, "experimental_features", "matrix_rtc")
        yield ctx.report(span, "experimental_features.msc4222_enabled is not true: clients can miss call "
                         "membership changes in /sync (state_after)",
                         fix=flag_fix(ctx, hs, "msc4222_enabled", "set experimental_features.msc4222_enabled: true"))
