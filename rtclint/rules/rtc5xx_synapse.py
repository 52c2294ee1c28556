"""RTC5xx — Synapse homeserver.yaml."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
