"""The lk-jwt-service container's environment, as the RTC3xx rules ask about it.
"""

from __future__ import annotations

JWT = "lk-jwt-service"


def has_env(svc, *names: str) -> bool:
    """Set to something: `NAME=` (empty) is unset for lk-jwt-service; a bare `NAME`
    (value from the shell) or a Secret reference counts as set."""
    return any(name in svc.env and (svc.env[name].value is None or svc.env[name].value.strip()) for name in names)
