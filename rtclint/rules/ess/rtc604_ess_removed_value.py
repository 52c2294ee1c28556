"""ESS values set `matrixRTC.livekitAuth.keysYaml`, which chart 26.8.1 removed.

## What it does
When the targeted ESS chart (the `ess-chart` target) is 26.8.1 or newer, reports
`matrixRTC.livekitAuth.keysYaml` in an ESS (matrix-stack) values file.

## Why
26.8.1 removed `keysYaml` in favour of `livekitAuth.key` and `livekitAuth.secret`
(ess-helm `newsfragments/1519.removed.md`; it suggested several keys, which never
worked). The chart no longer reads it, so the key pair written there does not reach
the JWT service and the SFU; and `livekitAuth` without `key` does not pass the
chart's values schema (`key` is required).

## Example
```yaml
matrixRTC:
  livekitAuth:
    keysYaml:
      secret:
        existingSecret: livekit-keys
        secretKey: keys.yaml
```

## Fix
Manual: move the pair to `matrixRTC.livekitAuth.key` (the API key) and
`matrixRTC.livekitAuth.secret` (`value`, or `secret` + `secretKey` of a Secret), and
remove `keysYaml`.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import at_least, ess_matrix_rtc_nodes, service_target

CODE = "RTC604"
NAME = "ess-removed-value"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("ess",)
REMOVED_IN = (26, 8, 1)


def check(ctx):
    dep = ctx.deployment
    if not at_least(service_target(dep, "ess-chart"), REMOVED_IN):
        return
    for ess in dep.ess:
        doc, rtc_nodes = ess_matrix_rtc_nodes(dep, ess)
        for rtc in rtc_nodes:
            auth = _child(rtc, "livekitAuth")
            key_node = _key_node(auth, "keysYaml")
            if key_node is None:
                continue
            has_key = _key_node(auth, "key") is not None
            yield ctx.report(doc.span(key_node.start_mark.index, key_node.end_mark.index),
                             "matrixRTC.livekitAuth.keysYaml was removed in ESS 26.8.1: the chart no longer reads "
                             "it, so this key pair reaches neither the JWT service nor the SFU" + (
                                 "" if has_key else ", and livekitAuth without `key` fails the chart's values "
                                 "schema") + "; use livekitAuth.key and livekitAuth.secret")


def _key_node(mapping, name: str):
    """The key node of `name` in a YAML mapping node (None when absent or not a mapping)."""
    for key, _value in mapping.value if _is_mapping(mapping) else ():
        if getattr(key, "value", None) == name:
            return key
    return None


def _child(mapping, name: str):
    for key, value in mapping.value if _is_mapping(mapping) else ():
        if getattr(key, "value", None) == name:
            return value
    return None


def _is_mapping(node) -> bool:
    return node is not None and str(getattr(node, "tag", "")).endswith(":map") and isinstance(node.value, list)
