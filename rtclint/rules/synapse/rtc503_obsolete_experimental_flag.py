"""An `experimental_features` flag the targeted Synapse does not read.

## What it does
Reports `msc3266_enabled` when the targeted Synapse is 1.153 or newer (MSC3266, the
room summary API, is stable there and the flag is gone), and `msc4140_enabled` for
every version (it was never a Synapse option: delayed events are switched on by
`max_event_delay_duration`). The target comes from a pinned Synapse image tag in the
tree, else `[tool.rtclint.target] synapse`, else the newest release.

## Why
A flag that does nothing misleads the next reader into thinking a feature depends on
it, and copies of it spread through guides.

## Example
```yaml
experimental_features:
  msc3266_enabled: true
```

## Fix
Safe: removes the line (and the comment lines right above it that name the MSC).
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.rules.common.synapse_view import homeservers, remove_key_lines
from rtclint.rules.synapse.homeserver import config_doc, fix_of, synapse_version

CODE = "RTC503"
NAME = "obsolete-experimental-flag"
SEVERITY = Severity.INFO
FIX = "safe"
WHERE = ("synapse",)
MSC3266_STABLE_SINCE = (1, 153)


def check(ctx):
    obsolete = {"msc4140_enabled": "not a Synapse option: delayed events (MSC4140) are enabled by "
                                   "max_event_delay_duration"}
    if synapse_version(ctx) >= MSC3266_STABLE_SINCE:
        obsolete["msc3266_enabled"] = "MSC3266 (room summary) is stable since Synapse 1.153; the flag does nothing"
    for hs in homeservers(ctx):
        for part in hs.parts:
            doc = config_doc(ctx, part)
            for flag, why in obsolete.items():
                located = part.keys.get(f"experimental_features.{flag}")
                if located is None or located.key_span is None:
                    continue
                edit = remove_key_lines(doc, located, "MSC" + flag[3:7]) if doc else None
                yield ctx.report(located.key_span, f"experimental_features.{flag}: {why}",
                                 fix=fix_of(f"remove {flag}", [edit] if edit else []))
