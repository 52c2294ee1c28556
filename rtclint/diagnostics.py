"""What rules produce: diagnostics, and the fixes attached to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from rtclint.document import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Applicability(str, enum.Enum):
    SAFE = "safe"  # applied by --fix
    UNSAFE = "unsafe"  # applied only with --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown, never applied


# repr=False: nobody prints these records, and dataclasses compiles every generated method at
# import (an exec each on Python 3.11); Fix and Edit keep eq (the fix loop compares fixes),
# Related and Diagnostic are never compared
@dataclass(frozen=True, slots=True, repr=False)
class Edit:
    """Replace the characters in `span` with `content` (insert when the span is empty)."""

    span: Span
    content: str


@dataclass(frozen=True, slots=True, repr=False)
class Fix:
    """A fix: its edits, applied all together or not at all, and how safe they are."""

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Related:
    """Another place a cross-file finding involves (SARIF relatedLocations)."""

    span: Span
    message: str


@dataclass(slots=True, eq=False, repr=False)
class Diagnostic:
    """One finding: a rule's code and name, its severity, where, what, and an optional fix."""

    code: str
    name: str
    severity: Severity
    span: Span
    message: str
    fix: Fix | None = None
    related: tuple[Related, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        return self.span.path

    def sort_key(self) -> tuple:
        return (self.span.path, self.span.start, self.code, self.message)


def applicable(diag: Diagnostic, unsafe: bool) -> bool:
    """Whether `--fix` (or `--fix --unsafe-fixes`) may apply this diagnostic's fix."""
    fix = diag.fix
    if fix is None or not fix.edits:
        return False
    if fix.applicability == Applicability.SAFE:
        return True
    return unsafe and fix.applicability == Applicability.UNSAFE
