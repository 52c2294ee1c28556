"""Which program a container is, from the environment variables it is given or its image.

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


# The image's last path component (registry and tag stripped) → role.
_IMAGE_NAMES = {"lk-jwt-service": "jwt", "livekit-server": "livekit", "synapse": "synapse",
                "matrix-synapse": "synapse", "element-call": "element-call"}
# A proxy: one of these as the last component, or beginning any component before a `-`
# (`nginx-proxy/acme-companion`).
_PROXIES = ("caddy", "nginx", "haproxy", "traefik", "openresty", "angie")


def image_role(image: str) -> str | None:
    # String tests, not a pattern a role: every container of a run asks (a search each
    # cost more than the rest of this), and no pattern is compiled at start-up.
    name = image.split("@", 1)[0]
    tail = name.rsplit("/", 1)[-1]
    if ":" in tail:  # the tag
        name = name[: len(name) - len(tail) + tail.index(":")]
    parts = name.lower().split("/")
    last = parts[-1][:-1] if parts[-1].endswith("\n") else parts[-1]  # as a pattern's `$` would
    role = _IMAGE_NAMES.get(last)
    if role is not None:
        return role
    if last in _PROXIES or any(part.startswith(proxy + "-") for part in parts for proxy in _PROXIES):
        return "proxy"
    return None
