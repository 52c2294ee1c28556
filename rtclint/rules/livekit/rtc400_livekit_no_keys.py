"""LiveKit has no API keys and will not start.

## What it does
For a LiveKit container in the tree (Compose service, Kubernetes workload), looks for
API keys in every place LiveKit takes them from: `keys` or `key_file` in its config
(file, ConfigMap or `LIVEKIT_CONFIG`), `LIVEKIT_KEYS`, and `--keys` / `--key-file` on
its command line. `--dev` supplies `devkey: secret` by itself. A livekit.yaml with no
container in the tree is not judged: its environment may set `LIVEKIT_KEYS`.

## Why
Without keys LiveKit exits at start ("one of key-file or keys must be provided"),
and no JWT service can sign tokens it accepts.

## Example
A livekit.yaml without `keys:` mounted into a container that sets no `LIVEKIT_KEYS`.

## Fix
Add `keys: {KEY: SECRET}` (a secret of at least 32 characters, the same pair as the
JWT service's `LIVEKIT_KEY`/`LIVEKIT_SECRET`), or set `LIVEKIT_KEYS: "KEY: SECRET"`.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.model.stacks import command_option, livekit_instances

CODE = "RTC400"
NAME = "livekit-no-keys"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("livekit", "compose", "k8s")


def check(ctx):
    dep = ctx.deployment
    for inst in livekit_instances(dep):
        if inst.dev or inst.keys() or (inst.env_keys is not None) or inst.config_unknown:
            continue
        svc = inst.service
        cfg = inst.config
        if cfg is not None and cfg.key_file is not None:
            continue
        if svc is not None:
            if command_option(svc.command, "keys") or command_option(svc.command, "key-file"):
                continue
            if "LIVEKIT_KEYS" in svc.env or svc.facts.get("env_from") or svc.facts.get("env_files_missing"):
                continue  # the keys come from a Secret or a file outside the tree
            if cfg is None and svc.facts.get("livekit_config_file") is None and svc.mounts and svc.source == "k8s":
                continue  # a mounted ConfigMap/Secret the tree does not hold
        else:
            continue  # a config on its own: LIVEKIT_KEYS may come from where it runs (systemd, a run elsewhere)
        related = [Related(svc.span, f"the container `{svc.name}`")] if svc is not None and cfg is not None else []
        yield ctx.report(_anchor(inst), f"LiveKit `{inst.name}` has no API keys (no `keys`, `key_file` or "
                         "LIVEKIT_KEYS): it exits at start with \"one of key-file or keys must be provided\"",
                         related=related)


def _anchor(inst) -> Span:
    cfg = inst.config
    if cfg is not None:
        return cfg.facts.get("keys_span") or cfg.span
    svc = inst.service
    return svc.facts.get("environment_span") or svc.span
