"""Which program a container is, from the environment variables it is given.

The readers of Compose files, Kubernetes manifests and `.env` files ask it while reading;
the model asks it again once ConfigMaps have added variables (`envFrom`)."""

from __future__ import annotations

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
