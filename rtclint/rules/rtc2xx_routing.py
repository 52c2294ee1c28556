"""RTC2xx — reverse proxy routing (nginx, Caddy, HAProxy, Kubernetes Ingress)."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
