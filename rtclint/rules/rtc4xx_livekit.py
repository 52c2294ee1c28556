"""RTC4xx — LiveKit SFU (livekit.yaml, LIVEKIT_KEYS/LIVEKIT_CONFIG, Compose ports)."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
