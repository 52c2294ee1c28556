"""Element Call is pinned to `matrix_2_0` mode but Synapse has no sticky events.

## What it does
Reads `matrix_rtc_mode` from Element Call's `config.json`; when it is `matrix_2_0`,
reports the homeserver without `experimental_features.msc4354_enabled: true` (or a
Synapse older than 1.148, which has no sticky events at all). When the config.json
names its homeserver (`default_server_config` `server_name`) and that homeserver's
config is in the tree, only that one is judged; otherwise every homeserver is.

## Why
In `matrix_2_0` mode call memberships are sticky events (MSC4354). Pinning that mode
on a homeserver without them makes joining fail with a "sticky events required"
error (element-call `docs/matrix_rtc_modes.md`).

## Example
```json
{"matrix_rtc_mode": "matrix_2_0"}
```

## Fix
Safe: sets `msc4354_enabled: true` under `experimental_features`.
"""

from __future__ import annotations


from rtclint.diagnostics import Related, Severity
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.synapse.homeserver import anchor_of, flag_fix, synapse_version

CODE = "RTC506"
NAME = "sticky-events-disabled"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse", "element-call")
STICKY_EVENTS_SINCE = (1, 148)


def check(ctx):
    pinned = [ec for ec in ctx.deployment.element_call
              if ec.get("matrix_rtc_mode") is not None and ec["matrix_rtc_mode"].value == "matrix_2_0"]
    if not pinned:
        return
    too_old = synapse_version(ctx) < STICKY_EVENTS_SINCE
    related = [Related(ec["matrix_rtc_mode"].span, "Element Call pins matrix_rtc_mode: matrix_2_0 here")
               for ec in pinned if ec["matrix_rtc_mode"].span is not None]
    named = {str(ec["server_name"].value).lower() for ec in pinned
             if ec.get("server_name") is not None and isinstance(ec["server_name"].value, str)}
    targets = [hs for hs in homeservers(ctx) if hs.server_name in named] or homeservers(ctx)
    for hs in targets:
        if hs.flag_on("msc4354_enabled") and not too_old:
            continue
        flag = hs.flag("msc4354_enabled")
        span = flag.span if flag is not None else anchor_of(hs, "experimental_features", "matrix_rtc")
        message = (f"Element Call's config.json ({pinned[0]['path']}) pins matrix_rtc_mode: matrix_2_0, which needs "
                   "sticky events (MSC4354), but experimental_features.msc4354_enabled is not true: joining calls "
                   "fails")
        fix = flag_fix(ctx, hs, "msc4354_enabled", "set experimental_features.msc4354_enabled: true")
        if too_old:
            message = "Element Call pins matrix_rtc_mode: matrix_2_0, but the targeted Synapse is older than 1.148 " \
                      "and has no sticky events (MSC4354): upgrade Synapse or pin `compatibility`"
            fix = None
        yield ctx.report(span, message, fix=fix, related=related)
