"""RTC9xx — secrets."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
