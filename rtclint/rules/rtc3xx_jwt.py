"""RTC3xx — lk-jwt-service (Compose environment, .env files, Kubernetes env)."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
