"""Delayed events (MSC4140) are off: `max_event_delay_duration` is unset or invalid.

## What it does
Reports a homeserver without a positive `max_event_delay_duration` in a tree that
sets up calls, and `experimental_features.msc4140_max_delayed_events_per_user: 0`.
A missing setting is judged only for a whole homeserver.yaml (with `server_name`),
together with the conf.d fragments merged into it — never for a fragment alone.

## Why
Element Call schedules a delayed "leave" event so that a participant who vanishes
(crash, network loss) is removed from the call. Synapse accepts delayed events only
when `max_event_delay_duration` is set; without them calls show ghosts and get
stuck. `experimental_features.msc4140_enabled`, which many guides add, is **not** a
Synapse option and does nothing. A value that is zero, negative or not a duration
makes Synapse refuse to start.

## Example
```yaml
experimental_features:
  msc4140_enabled: true   # not a Synapse option
```

## Fix
Safe: sets `max_event_delay_duration: 24h` (the value Element's docs and the ESS chart use).
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.synapse_view import homeservers, set_setting
from rtclint.rules.synapse.durations import parse_duration_ms
from rtclint.rules.synapse.homeserver import anchor_of, config_doc, fix_of, relevant

CODE = "RTC502"
NAME = "delayed-events-disabled"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse",)


def check(ctx):
    for hs in homeservers(ctx):
        located, cfg = hs.get("max_event_delay_duration")
        if located is not None and located.value is not None:
            ms = parse_duration_ms(located.value)
            if ms is None or ms <= 0:
                doc = config_doc(ctx, cfg)
                yield ctx.report(
                    located.span,
                    f"max_event_delay_duration {located.value!r} is not a positive duration: Synapse refuses to start "
                    "('max_event_delay_duration' must be a positive value if set)",
                    fix=fix_of("set max_event_delay_duration: 24h",
                             set_setting(doc, cfg, "", "max_event_delay_duration", "24h") if doc else []),
                )
            else:
                per_user = hs.flag("msc4140_max_delayed_events_per_user")
                if per_user is not None and per_user.value == 0:
                    yield ctx.report(per_user.span, "msc4140_max_delayed_events_per_user: 0 turns delayed events off "
                                     "(Element Call needs them to leave calls cleanly)")
            continue
        if not relevant(ctx, hs):
            continue
        cfg = hs.owner("max_event_delay_duration") or hs.first
        doc = config_doc(ctx, cfg)
        bogus = hs.flag("msc4140_enabled")
        hint = (" (experimental_features.msc4140_enabled is not a Synapse option)" if bogus is not None else "")
        yield ctx.report(
            anchor_of(hs, "experimental_features.msc4140_enabled", "max_event_delay_duration", "experimental_features",
                    "matrix_rtc"),
            "delayed events are off: max_event_delay_duration is not set" + hint
            + "; calls keep members that left and get stuck",
            fix=fix_of("add max_event_delay_duration: 24h",
                     set_setting(doc, cfg, "", "max_event_delay_duration", "24h") if doc else []),
        )
