"""livekit.yaml holds a key LiveKit does not know, and LiveKit parses it strictly.

## What it does
Reports a key in LiveKit's config (livekit.yaml, a ConfigMap or `LIVEKIT_CONFIG`) that
LiveKit v1.13.5 does not read: at the top level, and inside `room:` and `turn:`, whose
every field rtclint knows. Keys below other sections (`rtc:`, `redis:`, `webhook:`, …)
are not judged, nor a LiveKit newer than v1.13.5 (image tag or the `livekit` target),
whose config may have keys this list lacks. A LiveKit started with `--disable-strict-config` is left alone.

## Why
LiveKit decodes its config with `KnownFields(true)` unless started with
`--disable-strict-config`; one unknown key stops it at start-up with
`could not parse config: yaml: unmarshal errors: field … not found in type config.Config`
(livekit v1.13.5 `pkg/config/config.go` `NewConfig`, `cmd/server/main.go`). Guides
invent keys (`api_key:` at the top, `turn.tls_cert:`, `room.auto_create_rooms:`), and
a misspelt key is as fatal as an invented one.

## Example
```yaml
port: 7880
api_key: callkey          # not a LiveKit setting
keys:
  callkey: 4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e
room:
  auto_create_rooms: false   # the setting is room.auto_create
```

## Fix
Manual: remove the key or write it as LiveKit spells it (the message names the
known keys closest to it).
"""

from __future__ import annotations

from rtclint.diagnostics import Severity
from rtclint.model.stacks import livekit_instances, service_target

CODE = "RTC410"
NAME = "livekit-unknown-key"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("livekit", "compose", "k8s")

# The yaml tags of config.Config, RoomConfig and TURNConfig in livekit v1.13.5
# pkg/config/config.go (inline structs: none at these levels).
KNOWN = {
    (): frozenset((
        "agents", "api", "audio", "bind_addresses", "debug_handler", "development", "enable_data_tracks",
        "enable_participant_data_blob", "ingress", "key_file", "keys", "limit", "log_level", "logging", "metric",
        "node_selector", "node_stats", "port", "prometheus", "prometheus_port", "psrpc", "redis", "region", "room",
        "rtc", "signal_relay", "sip", "trace", "turn", "video", "webhook")),
    ("room",): frozenset((
        "auto_create", "create_room_attempts", "create_room_timeout", "departure_timeout", "empty_timeout",
        "enable_remote_unmute", "enabled_codecs", "max_metadata_size", "max_participant_identity_length",
        "max_participants", "max_room_name_length", "playout_delay", "room_configurations", "sync_streams",
        "update_batch_target_size")),
    ("turn",): frozenset((
        "allow_restricted_peer_cidrs", "bind_addresses", "cert_file", "deny_peer_cidrs", "domain", "enabled",
        "external_tls", "key_file", "relay_range_end", "relay_range_start", "tls_port", "ttl_seconds", "udp_port")),
}
KNOWN_UP_TO = (1, 13, 5)  # the release the key lists were read from; newer ones add keys
STRICT_OFF = ("--disable-strict-config", "-disable-strict-config", "--disable-strict-config=true")


def check(ctx):
    seen = set()
    for inst in livekit_instances(ctx.deployment):
        cfg = inst.config
        if cfg is None or id(cfg) in seen:
            continue
        seen.add(id(cfg))
        if inst.service is not None and any(arg in STRICT_OFF for arg in inst.service.command):
            continue
        version = service_target(ctx.deployment, "livekit", inst.service)
        if version and version[:3] > KNOWN_UP_TO:
            continue
        for path, span in cfg.facts.get("written_keys", ()):
            known = KNOWN.get(path[:-1])
            if known is None or path[-1] in known:
                continue
            where = ".".join(path)
            import difflib  # only when a key is unknown: most runs never need it

            close = difflib.get_close_matches(path[-1], sorted(known), n=2, cutoff=0.6)
            hint = f" (did you mean {' or '.join(f'`{c}`' for c in close)}?)" if close else ""
            yield ctx.report(span, f"`{where}` is not a LiveKit setting{hint}: LiveKit parses its config strictly "
                             "and stops with \"could not parse config\"; remove it or start LiveKit with "
                             "--disable-strict-config")
