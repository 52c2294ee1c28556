"""What the probe found: one Step per thing a client does, each with its evidence."""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"
BODY_EXCERPT = 300  # characters of a body kept as evidence


@dataclass
class Evidence:
    """One HTTP exchange (or TLS handshake) as observed."""

    request: str  # e.g. "OPTIONS https://rtc.example.org/livekit/jwt/get_token"
    sent: dict[str, str] = field(default_factory=dict)  # the request headers that matter (Origin, Upgrade, …)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # only the headers that matter
    body: str = ""
    error: str = ""  # connection/TLS error, when there was no response
    redirected_from: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {"request": self.request, "sent": self.sent, "status": self.status, "headers": self.headers,
               "body": self.body}
        if self.error:
            out["error"] = self.error
        if self.redirected_from:
            out["redirected_from"] = self.redirected_from
        return out


@dataclass
class Step:
    """One step of a probe: its status, message, and the rule that explains a failure."""

    id: str  # stable machine name, e.g. "jwt-preflight"
    title: str
    status: str = PASS
    message: str = ""
    code: str | None = None  # the RTC rule that explains a failure or warning
    hint: str = ""  # what to change
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "status": self.status, "code": self.code,
                "rule": rule_name(self.code), "message": self.message, "hint": self.hint,
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class ProbeReport:
    """Every step a probe took for one server name."""

    server_name: str
    steps: list[Step] = field(default_factory=list)

    @property
    def first_failure(self) -> Step | None:
        return next((s for s in self.steps if s.status == FAIL), None)

    @property
    def ok(self) -> bool:
        return self.first_failure is None

    @property
    def reached(self) -> bool:
        """Whether any request got an HTTP answer (False: DNS, TLS or connections failed)."""
        return any(e.status is not None for s in self.steps for e in s.evidence)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a step failed, 2 nothing could be reached at all."""
        if not self.reached:
            return 2
        return 0 if self.ok else 1

    def to_json(self) -> dict:
        first = self.first_failure
        return {"server_name": self.server_name, "ok": self.ok,
                "first_failure": None if first is None else {"id": first.id, "title": first.title, "code": first.code,
                                                             "rule": rule_name(first.code), "message": first.message},
                "counts": {k: sum(1 for s in self.steps if s.status == k) for k in (PASS, WARN, FAIL, SKIP)},
                "steps": [s.to_json() for s in self.steps]}


RANK = {PASS: 0, SKIP: 0, WARN: 1, FAIL: 2}


def problem(step: Step, status: str, message: str, code: str | None = None, hint: str = "") -> None:
    """Add a problem to a step; the worst one sets the step's status and code."""
    step.message = f"{step.message} {message}".strip() if step.message else message
    if RANK[status] > RANK[step.status]:
        step.status, step.code = status, code
        step.hint = hint or step.hint
    elif step.code is None and code and RANK[status] == RANK[step.status]:
        step.code = code
        step.hint = hint or step.hint


def rule_name(code: str | None) -> str | None:
    """The rule's name from the catalogue; the probe still works if a rule module is broken."""
    if not code:
        return None
    try:
        from rtclint.rules.registry import get_rule

        found = get_rule(code)
    except Exception:  # another family failing to import must not break the probe
        return None
    return found.name if found else None


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
