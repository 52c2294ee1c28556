"""RTC1xx — discovery: the client well-known and the transports endpoint."""

from rtclint.diagnostics import Severity  # noqa: F401
from rtclint.rules.registry import rule  # noqa: F401
