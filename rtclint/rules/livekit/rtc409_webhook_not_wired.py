"""LiveKit's webhooks do not reach lk-jwt-service 0.6+, or carry another key.

## What it does
For each lk-jwt-service 0.6 or newer (image tag, else the `lk-jwt-service` target, else
the newest) whose LiveKit config is in the tree, reports that config when
`webhook.urls` has no URL ending in `/sfu_webhook`, or when `webhook.api_key` is not the
JWT service's `LIVEKIT_KEY`. A key rtclint cannot read (from a file, a Secret, a
variable) is not compared; older lk-jwt-service versions have no webhook receiver.

## Why
From 0.6, lk-jwt-service delegates the delayed leave event (MSC4140): it sends a
member's leave when LiveKit reports the participant gone, which it learns only from
LiveKit's webhooks on `/sfu_webhook` (lk-jwt main `handler.go`, README "LiveKit SFU
Wiring"). It verifies them with its own key and secret, so `webhook.api_key` must be
its `LIVEKIT_KEY`. Without either, crashed members stay in the call until their
delayed leave runs out (an hour when delegation is on). ESS wires the webhook to
the JWT service's `:8080/sfu_webhook` (ess 26.8.1 `matrix-rtc`).

## Example
```yaml
keys:
  callkey: 4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e
# no webhook section
```
with `ghcr.io/element-hq/lk-jwt-service:0.6.0` and `LIVEKIT_KEY=callkey`.

## Fix
Manual: add
```yaml
webhook:
  api_key: callkey          # the JWT service's LIVEKIT_KEY
  urls:
    - http://lk-jwt-service:8080/sfu_webhook
```
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import at_least, jwt_key_secret, jwt_services, paired_livekit, service_target

CODE = "RTC409"
NAME = "webhook-not-wired"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("livekit", "compose", "k8s")
WEBHOOK_SINCE = (0, 6)


def check(ctx):
    reported = set()
    for svc in jwt_services(ctx.deployment):
        if not at_least(service_target(ctx.deployment, "lk-jwt-service", svc), WEBHOOK_SINCE):
            continue
        inst = paired_livekit(ctx.deployment, svc)
        cfg = inst.config if inst is not None else None
        if cfg is None or id(cfg) in reported or cfg.facts.get("webhook_unknown"):
            continue  # (a NixOS webhook list rtclint cannot evaluate)
        urls = [u for u in cfg.facts.get("webhook_urls") or () if isinstance(u, str)]
        if any("$" in u or "{{" in u for u in urls):
            continue  # a templated URL: rtclint cannot say where it points
        reported.add(id(cfg))
        if not any(u.split("?", 1)[0].rstrip("/").endswith("/sfu_webhook") for u in urls):
            yield ctx.report(_anchor(cfg), f"LiveKit ({cfg.path}) sends no webhook to lk-jwt-service's "
                             "/sfu_webhook: from 0.6 the JWT service learns from these webhooks that a member left, "
                             "so without them crashed members stay in calls until their delayed leave expires; add "
                             f"webhook.urls: [http://{svc.name}:8080/sfu_webhook] and webhook.api_key",
                             related=[Related(svc.image.span if svc.image else svc.span, "lk-jwt-service 0.6 or newer")])
            continue
        key, _ = jwt_key_secret(svc)
        hook_key = cfg.webhook_api_key
        if key is None or not key.value or "$" in key.value or hook_key is None or hook_key.value is None:
            continue
        if str(hook_key.value) != key.value.strip():
            yield ctx.report(hook_key.span, f"webhook.api_key `{hook_key.value}` is not lk-jwt-service's LIVEKIT_KEY "
                             f"`{key.value.strip()}`: the JWT service verifies webhooks with its own key and drops "
                             "these, so it never learns that a member left",
                             related=[Related(key.value_span or key.span, "LIVEKIT_KEY of the JWT service")])


def _anchor(cfg) -> Span:
    return cfg.facts.get("webhook_span") or Span(cfg.span.path, cfg.span.start, cfg.span.start)
