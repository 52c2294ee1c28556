"""`matrix_rtc.transports` is set but `experimental_features.msc4143_enabled` is not true.

## What it does
Finds Synapse configurations that list MatrixRTC transports without turning on the
MSC4143 endpoint that publishes them. Fragments merged from `conf.d/` are taken into
account: a fragment's `experimental_features:` replaces the whole section.

## Why
Synapse registers `GET /_matrix/client/unstable/org.matrix.msc4143/rtc/transports`
only when `msc4143_enabled` is true (`synapse/rest/client/matrixrtc.py`). Element Call
0.24 and newer read the call backend only from that endpoint, so without the flag
calls fail with `MISSING_MATRIX_RTC_TRANSPORT`.

## Example
```yaml
experimental_features:
  msc4222_enabled: true
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://rtc.example.com
```

Synapse older than 1.140 has no such endpoint at all; for that target the finding
says to upgrade instead.

## Fix
Safe: adds (or sets) `msc4143_enabled: true` under `experimental_features`, in the
file Synapse reads that section from.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.synapse.homeserver import anchor_of, flag_fix, synapse_version

CODE = "RTC500"
NAME = "msc4143-disabled"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("synapse",)
TRANSPORTS_ENDPOINT_SINCE = (1, 140)


def check(ctx):
    endpoint_exists = synapse_version(ctx) >= TRANSPORTS_ENDPOINT_SINCE
    for hs in homeservers(ctx):
        if not endpoint_exists and hs.transports():
            yield ctx.report(anchor_of(hs, "matrix_rtc"), "the targeted Synapse is older than 1.140 and has no "
                             "MatrixRTC transports endpoint: matrix_rtc.transports does nothing; upgrade Synapse")
            continue
        if not hs.transports() or hs.flag_on("msc4143_enabled"):
            continue
        flag = hs.flag("msc4143_enabled")
        span = flag.span if flag is not None else anchor_of(hs, "experimental_features", "matrix_rtc")
        yield ctx.report(
            span,
            "matrix_rtc.transports is set but experimental_features.msc4143_enabled is not true: Synapse does "
            "not serve /_matrix/client/unstable/org.matrix.msc4143/rtc/transports, so Element Call >= 0.24 "
            "finds no call backend",
            fix=flag_fix(ctx, hs, "msc4143_enabled", "set experimental_features.msc4143_enabled: true"),
        )
