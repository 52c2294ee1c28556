"""Which program a container is, from the environment variables it is given or its image.

The readers of Compose files, Kubernetes manifests and `.env` files ask it while reading;
the model asks it again once ConfigMaps have added variables (`envFrom`)."""

from __future__ import annotations

import re

# Variables that only lk-jwt-service reads (LIVEKIT_KEY/SECRET are shared with others).
JWT_ONLY = {"LIVEKIT_URL", "LIVEKIT_JWT_BIND", "LIVEKIT_JWT_PORT", "LK_JWT_PORT", "LIVEKIT_FULL_ACCESS_HOMESERVERS",
            "LIVEKIT_LOCAL_HOMESERVERS", "LIVEKIT_INSECURE_SKIP_VERIFY_TLS", "LIVEKIT_KEY_FROM_FILE",
            "LIVEKIT_SECRET_FROM_FILE", "LIVEKIT_KEY_FILE"}
LIVEKIT_ONLY = {"LIVEKIT_KEYS", "LIVEKIT_CONFIG"}
SYNAPSE_VARS = {"SYNAPSE_SERVER_NAME", "SYNAPSE_CONFIG_PATH", "SYNAPSE_CONFIG_DIR", "SYNAPSE_REPORT_STATS"}


def role_from_env(names) -> str | None:
    """The program a set of variable names configures, or None when they do not say."""
    names = set(names)
    if names & JWT_ONLY or (names & {"LIVEKIT_KEY", "LIVEKIT_SECRET"} and not names & LIVEKIT_ONLY):
        return "jwt"
    if names & LIVEKIT_ONLY:
        return "livekit"
    if names & SYNAPSE_VARS:
        return "synapse"
    return None


# Image name (registry and tag stripped) → role.
_IMAGE_ROLES = (
    (re.compile(r"(^|/)lk-jwt-service$"), "jwt"),
    (re.compile(r"(^|/)livekit-server$"), "livekit"),
    (re.compile(r"(^|/)(synapse|matrix-synapse)$"), "synapse"),
    (re.compile(r"(^|/)element-call$"), "element-call"),
    (re.compile(r"(^|/)(caddy|nginx|haproxy|traefik|openresty|angie)($|-)"), "proxy"),
)


def image_role(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
    for pattern, role in _IMAGE_ROLES:
        if pattern.search(name.lower()):
            return role
    return None
