"""The rule registry: every rule module declares its code, name, severity, fix and the
file kinds it reads as module constants; its docstring is its documentation
(`rtclint rule CODE`, rules/CODE.md, SARIF help). The list of rule modules is
`rtclint.rules.RULE_MODULES`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

from rtclint.diagnostics import Diagnostic, Fix, Related, Severity
from rtclint.document import Span

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.config import Config
    from rtclint.model import Deployment

FIX_KINDS = ("safe", "unsafe", "manual")


@dataclass(frozen=True, slots=True)
class Rule:
    """A registered rule: code, name, severity, best fix, the kinds it reads, its check and its page."""

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


# code -> Rule, filled once by rtclint.rules.load_all() (tests may add a rule for a test).
_RULES: dict[str, Rule] = {}


def register(r: Rule) -> Rule:
    if r.fix not in FIX_KINDS:
        raise ValueError(f"{r.code}: fix must be one of {FIX_KINDS}")
    if r.code in _RULES:
        raise ValueError(f"rule {r.code} registered twice")
    _RULES[r.code] = r
    return r


def rule_from_module(module: ModuleType) -> Rule:
    """The Rule a rule module declares: CODE, NAME, SEVERITY, FIX, WHERE, its docstring,
    and `check(ctx)` — absent for the codes the parsers or the engine report
    (RTC001-RTC003, RTC010), whose module is only their documentation."""
    return Rule(module.CODE, module.NAME, module.SEVERITY, module.FIX, tuple(module.WHERE),
                getattr(module, "check", None), cleandoc(module.__doc__ or ""))


def rule(code: str, name: str, severity: Severity, fix: str = "manual", where: Iterable[str] = ("all",),
         *, reported_by_parsers: bool = False):
    """Register a function as a rule (its docstring is the page). The rules in
    rtclint/rules/ are modules instead; this serves rules defined elsewhere."""

    def decorate(func: Callable) -> Callable:
        check = None if reported_by_parsers else func
        register(Rule(code, name, severity, fix, tuple(where), check, cleandoc(func.__doc__ or "")))
        return func

    return decorate


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


def registered_codes() -> set[str]:
    """The codes registered so far (rules defined outside RULE_MODULES among them)."""
    return set(_RULES)


def rules_reading(kinds: set[str]) -> list[Rule]:
    """The rules that may find something in a deployment holding these kinds of facts
    (rules/scope.py), by code: only their modules are imported. Rules registered outside
    RULE_MODULES (a test's) always run."""
    from rtclint.rules import READS, RULE_MODULES, code_of, load
    from rtclint.rules.scope import family_may_fire, may_fire

    wanted = [module for module, name in zip(RULE_MODULES, READS)
              if may_fire(READS[name], kinds) and family_may_fire(name, kinds)]
    load(wanted)
    listed = {code_of(module) for module in RULE_MODULES}
    codes = {code_of(module) for module in wanted} | {code for code in _RULES if code not in listed}
    return [_RULES[code] for code in sorted(codes)]


def get_rule(code: str) -> Rule | None:
    """The rule of a code, importing only its module."""
    from rtclint.rules import RULE_MODULES, code_of, load

    code = code.upper()
    if code not in _RULES:
        load([module for module in RULE_MODULES if code_of(module) == code])
    return _RULES.get(code)


class RuleContext:
    """What a rule sees: the deployment, the configuration, a way to report, and a cache
    that lives as long as this run (rules keep no state of their own)."""

    def __init__(self, deployment: "Deployment", config: "Config") -> None:
        self.deployment = deployment
        self.config = config
        self.rule: Rule | None = None
        self.cache: dict = {}

    def memo(self, key, compute: Callable[[], object]):
        """`compute()` once per run under `key`: facts several rules ask for."""
        try:
            return self.cache[key]
        except KeyError:
            value = self.cache[key] = compute()
            return value

    def tree_memo(self, key, compute: Callable[[], object]):
        """`compute()` once per run for the whole tree (every document, not only this
        deployment's), shared by every deployment of the run."""
        facts = self.deployment.tree_facts
        try:
            return facts[key]
        except KeyError:
            value = facts[key] = compute()
            return value

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
        related = [r for r in related if r.span != span]  # a note is about another place
        if fix is not None and not self.deployment.edits_fit(fix.edits):
            fix = None  # it would write a homeserver setting into the manifest holding it
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
