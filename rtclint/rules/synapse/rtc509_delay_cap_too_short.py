"""`max_event_delay_duration` is shorter than Element Call's delayed leave.

## What it does
Reads Synapse's `max_event_delay_duration` as Synapse does (an integer or a string
without suffix is milliseconds; suffixes `s m h d w y`) and reports it when it is
shorter than Element Call's delayed leave: error below 18 s (Element Call's default
`matrix_rtc_session.delayed_leave_event_delay_ms`) or below the value an Element
Call `config.json` in the tree sets; warning below one hour. A value rtclint cannot
read, or none at all, is RTC502's business.

## Why
Element Call schedules its "leave" as a delayed event. When the delay is above the
cap, Synapse refuses it: from 1.161 with `ORG.MATRIX.MSC4140_DELAY_TOO_LARGE`, which
matrix-js-sdk 43 does not recognise (it knows the older `M_MAX_DELAY_EXCEEDED`), so
the client joins with no delayed leave at all and members whose client crashes stay
in the call (synapse 1.163.2 `handlers/delayed_events.py`; js-sdk 43
`MembershipManager`). Leave delegation to lk-jwt-service schedules a delayed leave
of an hour, so anything under one hour breaks it.

## Example
```yaml
max_event_delay_duration: 10000   # milliseconds: 10 s
```

## Fix
Safe: sets `max_event_delay_duration: 24h` (the value Element's docs and the ESS
chart use).
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.rules.common.synapse_view import homeservers, set_setting
from rtclint.rules.synapse.homeserver import config_doc, duration_ms, fix_of, synapse_version

CODE = "RTC509"
NAME = "delay-cap-too-short"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse", "element-call")
EC_DEFAULT_DELAY_MS = 18_000  # element-call ConfigOptions: delayed_leave_event_delay_ms
DELEGATION_DELAY_MS = 3_600_000  # lk-jwt-service's delegated leave: one hour
NEW_ERROR_CODE_SINCE = (1, 161)


def check(ctx):
    ec_delay, ec_related = _element_call_delay(ctx)
    new_code = synapse_version(ctx) >= NEW_ERROR_CODE_SINCE
    for hs in homeservers(ctx):
        located, cfg = hs.get("max_event_delay_duration")
        ms = duration_ms(located.value) if located is not None else None
        if ms is None or ms <= 0 or ms >= DELEGATION_DELAY_MS:
            continue
        doc = config_doc(ctx, cfg)
        fix = fix_of("set max_event_delay_duration: 24h",
                     set_setting(doc, cfg, "", "max_event_delay_duration", "24h") if doc else [])
        cap = f"max_event_delay_duration {located.value!r} ({_human(ms)})"
        if ms < ec_delay:
            refusal = ("Synapse >= 1.161 refuses it with ORG.MATRIX.MSC4140_DELAY_TOO_LARGE, which matrix-js-sdk 43 "
                       "does not recognise, so clients join with no delayed leave and crashed members stay in "
                       "the call" if new_code else "Synapse refuses it (M_MAX_DELAY_EXCEEDED)")
            yield ctx.report(located.span, f"{cap} is shorter than Element Call's delayed leave ({_human(ec_delay)}): "
                             f"{refusal}; use 24h", fix=fix, related=ec_related)
        else:
            yield ctx.report(located.span, f"{cap} is under one hour: leave delegation to lk-jwt-service schedules a "
                             "one-hour delayed leave, which Synapse refuses, so members whose client crashes stay "
                             "in the call; use 24h", fix=fix, severity=Severity.WARNING)


def _element_call_delay(ctx) -> tuple[int, list]:
    """The longest delayed leave an Element Call config.json in the tree asks for
    (at least EC's default), and where it is written."""
    delay, related = EC_DEFAULT_DELAY_MS, []
    for ec in ctx.deployment.element_call:
        located = ec.get("delayed_leave_event_delay_ms")
        value = located.value if located is not None else None
        if type(value) is int and value > delay and located.span is not None:
            delay = value
            related = [Related(located.span, "Element Call's delayed leave")]
    return delay, related


def _human(ms: int) -> str:
    for size, unit in ((86_400_000, "d"), (3_600_000, "h"), (60_000, "min"), (1000, "s")):
        if ms >= size and ms % size == 0:
            return f"{ms // size} {unit}"
    return f"{ms} ms"
