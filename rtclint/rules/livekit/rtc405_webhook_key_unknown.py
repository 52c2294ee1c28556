"""`webhook.api_key` is not one of LiveKit's keys.

## What it does
When webhook URLs are set, checks that `webhook.api_key` names a key in `keys`
(or `LIVEKIT_KEYS`; `devkey` with `--dev` and no keys).

## Why
LiveKit signs webhooks with that key's secret; with no such key it refuses to start
("api_key is required to use webhooks").

## Example
```yaml
keys: {callkey: …}
webhook:
  api_key: devkey
  urls: [https://jwt.example.com/sfu_webhook]
```

## Fix
Set `webhook.api_key` to one of the keys.
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import livekit_instances

CODE = "RTC405"
NAME = "webhook-key-unknown"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("livekit",)


def check(ctx):
    for inst in livekit_instances(ctx.deployment):
        cfg = inst.config
        if cfg is None or cfg.webhook_api_key is None or not cfg.facts.get("webhook_urls"):
            continue
        keys = set(inst.keys()) or ({"devkey"} if inst.dev else set())
        if not keys and inst.service is None:
            continue  # keys from the environment it runs in, not in the tree
        if cfg.key_file is not None or (inst.env_keys is not None and not inst.env_keys.keys):
            continue  # keys from a file or an unreadable LIVEKIT_KEYS: not in the tree
        name = str(cfg.webhook_api_key.value or "")
        if name in keys:
            continue
        yield ctx.report(cfg.webhook_api_key.span, f"webhook.api_key `{name}` is not one of LiveKit's keys ("
                         + (", ".join(f"`{k}`" for k in sorted(keys)) or "none")
                         + "): LiveKit refuses to start with webhook URLs set")
