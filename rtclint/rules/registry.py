"""The rule registry: every rule declares its code, name, severity, fix and the file
kinds it reads; its docstring is its documentation (`rtclint rule CODE`, SARIF help)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from rtclint.diagnostics import Diagnostic, Fix, Related, Severity
from rtclint.document import Span
from rtclint.record import record

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.config import Config
    from rtclint.model import Deployment

FIX_KINDS = ("safe", "unsafe", "manual")


@record(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    fix: str  # 'safe', 'unsafe' or 'manual': the best fix the rule can offer
    where: tuple[str, ...]
    check: Callable[["RuleContext"], Iterable[Diagnostic]] | None
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    @property
    def family(self) -> str:
        return self.code[:4] + "xx"


_RULES: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, fix: str = "manual", where: Iterable[str] = ("all",),
         *, reported_by_parsers: bool = False):
    """Register a rule. The decorated function takes a RuleContext and yields Diagnostics
    (made with `ctx.report`). Codes whose findings come from the parsers or the engine
    (RTC001-RTC003, RTC010) pass `reported_by_parsers=True`: their function is only a
    docstring carrier and is never called."""
    if fix not in FIX_KINDS:
        raise ValueError(f"{code}: fix must be one of {FIX_KINDS}")

    def register(func: Callable) -> Callable:
        if code in _RULES:
            raise ValueError(f"rule {code} registered twice")
        doc = cleandoc(func.__doc__ or "")
        check = None if reported_by_parsers else func
        _RULES[code] = Rule(code, name, severity, fix, tuple(where), check, doc)
        return func

    return register


def cleandoc(doc: str) -> str:
    """A docstring without its indentation, as `inspect.cleandoc` (importing `inspect`
    costs a pre-commit run more than registering every rule)."""
    lines = doc.expandtabs().split("\n")
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents, default=0)
    lines = [lines[0].lstrip()] + [ln[margin:] for ln in lines[1:]]
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def all_rules() -> dict[str, Rule]:
    from rtclint.rules import load_all

    load_all()
    return dict(sorted(_RULES.items()))


def get_rule(code: str) -> Rule | None:
    return all_rules().get(code.upper())


class RuleContext:
    """What a rule sees: the deployment, the configuration, and a way to report."""

    def __init__(self, deployment: "Deployment", config: "Config") -> None:
        self.deployment = deployment
        self.config = config
        self.rule: Rule | None = None

    def report(
        self,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        related: Iterable[Related] = (),
        severity: Severity | None = None,
    ) -> Diagnostic:
        assert self.rule is not None
        return Diagnostic(
            code=self.rule.code,
            name=self.rule.name,
            severity=severity or self.rule.severity,
            span=span,
            message=message,
            fix=fix,
            related=tuple(related),
        )

    def run(self, rules: Iterable[Rule]) -> Iterator[Diagnostic]:
        for r in rules:
            if r.check is None:
                continue
            self.rule = r
            yield from r.check(self)
        self.rule = None


def make_diagnostic(code: str, span: Span, message: str, *, fix: Fix | None = None,
                    severity: Severity | None = None) -> Diagnostic:
    """A diagnostic for a registered code, outside a rule (parsers: RTC001-RTC003)."""
    r = get_rule(code)
    if r is None:
        raise KeyError(code)
    return Diagnostic(code, r.name, severity or r.severity, span, message, fix)
