"""LiveKit's `key_file` is readable by others, where the tree shows its mode.

## What it does
For a LiveKit whose config sets `key_file`, finds the Kubernetes Secret or ConfigMap
volume the file is mounted from and the mode the kubelet gives it: the item's `mode`,
else the volume's `defaultMode`, else Kubernetes' default 0644. Reports the mode when
any of the "others" bits (0o007) is set. A key file that comes from anywhere else is left
alone: Docker Compose bind-mounts file-based `secrets:`/`configs:` with the host file's
mode and ignores their `mode:` (docker/compose#9648, #10904), so the tree cannot say.

## Why
LiveKit stats the key file at start-up and stops with
`key file others permissions must be set to 0` when `mode & 0o007 != 0`
(livekit v1.13.5 `pkg/config/config.go` `ValidateKeys`). A Secret volume without
`defaultMode` is mounted 0644, so the SFU never starts.

## Example
```yaml
volumes:
  - name: livekit-keys
    secret:
      secretName: livekit-keys      # no defaultMode: 0644
```
with `key_file: /etc/livekit/keys.yaml` and the volume mounted at `/etc/livekit`.

## Fix
Manual: set `defaultMode: 0440` (or `0400`, and an `fsGroup`/`runAsUser` that can read
it) on the volume, or `mode:` on the item.
"""

from __future__ import annotations

import posixpath

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import livekit_instances

CODE = "RTC412"
NAME = "livekit-key-file-mode"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("livekit", "k8s")
OTHERS = 0o007


def check(ctx):
    for inst in livekit_instances(ctx.deployment):
        cfg, svc = inst.config, inst.service
        if cfg is None or svc is None or cfg.key_file is None or not isinstance(cfg.key_file.value, str):
            continue
        path = posixpath.normpath(cfg.key_file.value) if cfg.key_file.value.startswith("/") else None
        found = _mode_of(svc.facts.get("mount_modes") or {}, path) if path else None
        if found is None:
            continue
        mode, span = found
        if mode & OTHERS == 0:
            continue
        yield ctx.report(span, f"LiveKit's key_file {path} is mounted with mode {mode:04o}, readable by others: "
                         "LiveKit stops at start-up with \"key file others permissions must be set to 0\"; set "
                         "defaultMode (or the item's mode) to 0440 or 0400",
                         related=[Related(cfg.key_file.span, "key_file is read from this mount")])


def _mode_of(mounts: dict, path: str):
    """(mode, span) of the file at `path` from the mount that holds it, or None."""
    for target, (default, items, span) in mounts.items():
        target = posixpath.normpath(target) if target else ""
        if path == target:  # a subPath mount of the file itself
            return (default, span) if default is not None else None
        if target and path.startswith(target.rstrip("/") + "/"):
            inside = path[len(target.rstrip("/")) + 1:]
            mode, span = items.get(inside, (default, span))
            return (mode, span) if mode is not None else None
    return None
