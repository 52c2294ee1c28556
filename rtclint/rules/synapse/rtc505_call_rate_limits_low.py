"""`rc_message` or `rc_delayed_event_mgmt` is below what calls need.

## What it does
Compares the effective rate limits (Synapse's defaults when absent) with what
Element's call documentation asks for: `rc_message` at least 0.5/s with burst 30,
`rc_delayed_event_mgmt` at least 1/s with burst 20. Values equal to these are fine.

## Why
Calls send bursts of encryption-key events and refresh their delayed leave event
every few seconds. Synapse's defaults (0.2/s burst 10 and 1/s burst 5) throttle them:
keys arrive late (black video, no audio) and members drop out of calls.

## Example
```yaml
rc_message:
  per_second: 0.2
  burst_count: 10
```

## Fix
Safe: raises the values below the minimum (or adds the section).
"""

from __future__ import annotations

from rtclint.diagnostics import Edit, Severity
from rtclint.rules.common.synapse_view import Homeserver, append_at_end, homeservers, set_setting
from rtclint.rules.synapse.homeserver import anchor_of, config_doc, fix_of, relevant

CODE = "RTC505"
NAME = "call-rate-limits-low"
SEVERITY = Severity.WARNING
FIX = "safe"
WHERE = ("synapse",)
RATE_LIMIT_MINIMUMS = {
    # name: (per_second, burst_count, Synapse's default when absent)
    "rc_message": (0.5, 30, (0.2, 10)),
    "rc_delayed_event_mgmt": (1.0, 20, (1.0, 5)),
}


def check(ctx):
    for hs in homeservers(ctx):
        if not relevant(ctx, hs):
            continue
        for name, (per_second, burst, defaults) in RATE_LIMIT_MINIMUMS.items():
            finding = _rate_limit_finding(ctx, hs, name, per_second, burst, defaults)
            if finding is not None:
                yield finding


def _rate_limit_finding(ctx, hs: Homeserver, name: str, per_second: float, burst: int, defaults):
    section, cfg = hs.get(name)
    values = section.value if section is not None and isinstance(section.value, dict) else {}
    have_rate = _number(values.get("per_second"), defaults[0])
    have_burst = _number(values.get("burst_count"), defaults[1])
    if have_rate >= per_second and have_burst >= burst:
        return None
    cfg = cfg or hs.first
    doc = config_doc(ctx, cfg)
    edits: list[Edit] = []
    if doc is not None and (section is None or isinstance(section.value, dict) or section.value is None):
        if section is None:
            nl = doc.newline
            edits = [append_at_end(doc, f"{name}:{nl}  per_second: {_fmt(per_second)}{nl}  burst_count: {burst}{nl}")]
        else:
            if have_rate < per_second:
                edits += set_setting(doc, cfg, name, "per_second", _fmt(per_second))
            if have_burst < burst:
                edits += set_setting(doc, cfg, name, "burst_count", str(burst))
    written = "" if section is not None else " (not set: Synapse's default)"
    span = section.key_span if section is not None else anchor_of(hs, "max_event_delay_duration", "matrix_rtc",
                                                                 "experimental_features")
    return ctx.report(
        span,
        f"{name} is {_fmt(have_rate)}/s burst {_fmt(have_burst)}{written}; calls need at least "
        f"{_fmt(per_second)}/s burst {burst}",
        fix=fix_of(f"raise {name} to {_fmt(per_second)}/s burst {burst}", edits),
    )


def _number(value, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value) if value is not None else float(default)
        except (TypeError, ValueError):
            return float(default)
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
