"""ESS values switch off MatrixRTC, or the well-known that advertises it.

## What it does
Reports `matrixRTC.enabled: false` in ESS (matrix-stack chart) values, and
`wellKnownDelegation.enabled: false` when the chart's Synapse is enabled and no other
client well-known is served anywhere in the tree.

## Why
Without `matrixRTC` the chart deploys no JWT service or SFU and configures no
transports in Synapse. Without `wellKnownDelegation` nothing serves
`https://<serverName>/.well-known/matrix/client`, so clients that discover the call
backend there (Element Call before 0.24, Element Web bundles with an older Element
Call) find none. When Synapse is not part of the release (`synapse.enabled: false`)
the homeserver and its well-known live elsewhere, so that case is not reported.

## Example
```yaml
serverName: example.com
matrixRTC:
  enabled: false
```

## Fix
Safe: sets the flag to `true`.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Severity
from rtclint.model import Located

CODE = "RTC600"
NAME = "ess-matrixrtc-disabled"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("ess",)


def check(ctx):
    other_well_knowns = [wk for wk in ctx.deployment.well_knowns("client") if wk.source != "ess"]
    for values in ctx.deployment.ess:
        view = values.chart_view
        rtc = values.enabled.get("matrixRTC")
        if rtc is not None and rtc.value is False and rtc.span is not None and view.enabled.get("matrixRTC") is rtc:
            yield ctx.report(rtc.span, "matrixRTC.enabled is false: the chart deploys no MatrixRTC backend (JWT "
                             "service and SFU), so calls cannot start", fix=_set_true(rtc, "matrixRTC.enabled"))
        wkd = values.enabled.get("wellKnownDelegation")
        if (wkd is not None and wkd.value is False and wkd.span is not None and view.enabled.get(
                "wellKnownDelegation") is wkd and view.component_enabled("synapse") and not other_well_knowns):
            server = view.server_name.value if view.server_name is not None else "the serverName"
            yield ctx.report(wkd.span, f"wellKnownDelegation.enabled is false and no other client well-known is in "
                             f"the tree: nothing serves https://{server}/.well-known/matrix/client, so clients "
                             "that discover calls there find no rtc_foci",
                             fix=_set_true(wkd, "wellKnownDelegation.enabled"))


def _set_true(located: Located, what: str) -> Fix | None:
    if located.span is None or located.span.start == located.span.end:
        return None
    return Fix(Applicability.SAFE, f"set {what}: true", (Edit(located.span, "true"),))
