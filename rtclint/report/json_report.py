"""`--output-format json`: the contract other tools read (docs/json.md). Keys never change;
new keys may be added (and raise `minor_version`). The call path of each deployment
(`call_paths`) is built here from the model's hops (model/callpath.py) and the findings
placed on them, for this report and for the HTML and Mermaid pictures."""

from __future__ import annotations

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.report.positions import region

JSON_VERSION = 1
# 1: call_paths (the hops of each deployment's call path, with their findings)
JSON_MINOR_VERSION = 1


def diagnostic_dict(diag: Diagnostic, documents, deployment: str | None = None) -> dict:
    # `_value_` (the enum member's own attribute) rather than `.value`, a descriptor
    # call each: the report asks it of every finding
    line, col, end_line, end_col = region(diag.span, documents)
    fix = None
    if diag.fix is not None:
        edits = []
        for edit in diag.fix.edits:
            e_line, e_col, e_end_line, e_end_col = region(edit.span, documents)
            edits.append({"path": edit.span.path, "line": e_line, "column": e_col, "end_line": e_end_line,
                          "end_column": e_end_col, "content": edit.content})
        fix = {"applicability": diag.fix.applicability._value_, "message": diag.fix.message, "edits": edits}
    return {
        "code": diag.code, "name": diag.name, "severity": diag.severity._value_, "path": diag.span.path,
        "line": line, "column": col, "end_line": end_line, "end_column": end_col,
        "message": diag.message, "fix": fix, "deployment": deployment,
    }


def render(result, config=None) -> str:
    return "".join(render_chunks(result, config))


def render_chunks(result, config=None):
    """The report's text in pieces of a few hundred findings, for writing as they are
    made: a big run's whole text, its pieces and its bytes at once were its peak."""
    names = _names(result)
    payload = {
        "version": JSON_VERSION,
        "minor_version": JSON_MINOR_VERSION,
        "files_checked": result.files_checked,
        "files_recognised": _recognised(result),
        "diagnostics": _Findings(result, names),
    }
    if _deployments(result):  # only then: a one-deployment report keeps its old shape
        payload["deployments"] = _deployments(result)
    payload["call_paths"] = call_paths(result, config, names)
    yield from dumps_chunks(payload)


def _names(result) -> list[str | None]:
    """Each finding's deployment, in order: asked once for the findings and their hops."""
    name_of = getattr(result, "deployment_name", None)
    if name_of is None:
        return [None] * len(result.diagnostics)
    return [name_of(diag.span.path, diag) for diag in result.diagnostics]


class _Findings:
    """The findings as they are written: made into their JSON objects a batch at a time
    (all of them at once, with the text, were ~10 MB of a big run's peak)."""

    def __init__(self, result, names: list[str | None] | None = None) -> None:
        self.result = result
        self.names = names if names is not None else _names(result)

    def batches(self):
        result, names = self.result, self.names
        diagnostics, documents = result.diagnostics, result.documents
        for start in range(0, len(diagnostics), FINDINGS_AT_ONCE):
            yield [diagnostic_dict(diag, documents, name)
                   for diag, name in zip(diagnostics[start: start + FINDINGS_AT_ONCE],
                                         names[start: start + FINDINGS_AT_ONCE])]


# How many findings are encoded and written at a time.
FINDINGS_AT_ONCE = 200


def dumps_chunks(payload: dict):
    """`json.dumps(payload, indent=2, ensure_ascii=False) + "\\n"` in chunks: a key at a time,
    and the findings a batch at a time. A chunk ends between values, so a string is never
    split (each chunk is masked on its own)."""
    from rtclint.report.json_text import dumps as text, dumps_list_items

    if not payload:
        yield "{}\n"
        return
    opening = "{"
    for key, value in payload.items():
        head = f"{opening}\n  {text(key)}: "
        opening = ","
        if not isinstance(value, _Findings):
            yield head + text(value, 1)
            continue
        batches = value.batches()
        first = next(batches, None)
        if first is None:
            yield head + "[]"
            continue
        yield head + "[" + dumps_list_items(first, 2)
        for batch in batches:
            yield "," + dumps_list_items(batch, 2)
        yield "\n  ]"
    yield "\n}\n"


def _recognised(result) -> int:
    """Files holding a part of a call setup rtclint models (report/summary.py); 0 says the
    run recognised nothing, so an empty `diagnostics` is no all-clear."""
    from rtclint.report.summary import recognised_files

    return recognised_files(result)


# The hop a finding of each code is about; codes not named here are placed by where they
# point (inside a place that decides a hop), else among the deployment's other findings.
HOP_OF_CODE = {
    **dict.fromkeys(("RTC100", "RTC101", "RTC102", "RTC105", "RTC106", "RTC107", "RTC110", "RTC111",
                     "RTC114", "RTC115", "RTC600", "RTC601"), "well-known"),
    **dict.fromkeys(("RTC112", "RTC307", "RTC500", "RTC501", "RTC511", "RTC512", "RTC700", "RTC701"),
                    "transports"),
    **dict.fromkeys(("RTC103", "RTC113", "RTC200", "RTC201", "RTC202", "RTC203", "RTC208", "RTC300", "RTC301",
                     "RTC303", "RTC304", "RTC305", "RTC306", "RTC308", "RTC414"), "jwt"),
    **dict.fromkeys(("RTC204", "RTC205", "RTC206", "RTC209", "RTC210", "RTC302", "RTC400", "RTC401", "RTC402",
                     "RTC405", "RTC408", "RTC409", "RTC410", "RTC411", "RTC412"), "sfu"),
    **dict.fromkeys(("RTC403", "RTC404", "RTC406", "RTC413", "RTC415", "RTC602"), "media"),
    # homeserver settings calls need, but not on the way to the SFU
    **dict.fromkeys(("RTC502", "RTC503", "RTC504", "RTC505", "RTC506", "RTC507", "RTC509"), ""),
}


def call_paths(result, config=None, names: list[str | None] | None = None) -> list[dict]:
    """Each deployment's call path (docs/json.md "The call path"): the model's hops with
    the findings on each (as indexes into `diagnostics`); an error on a hop breaks it.
    `names`: each finding's deployment (`_names`), when the caller has them."""
    from rtclint.model.callpath import build

    role_of = _role_reader(config)
    deployments = list(getattr(result, "deployments", []))
    many = len(deployments) > 1
    by_deployment: dict = {}  # each finding named once: per deployment it would be quadratic
    if not many:
        by_deployment[None] = list(range(len(result.diagnostics)))
    else:
        for i, name in enumerate(names if names is not None else _names(result)):
            by_deployment.setdefault(name, []).append(i)
    out = []
    for dep in deployments:
        path = build(dep, role_of(dep))
        mine = by_deployment.get(dep.name if many else None, [])
        placed = _place(path, [(i, result.diagnostics[i]) for i in mine])
        hops = [_hop_dict(hop, placed.get(hop.hop, []), result) for hop in path.hops]
        out.append({"deployment": dep.name, "server_name": path.server_name, "hops": hops,
                    "other_findings": placed.get("", [])})
    return out


def _role_reader(config):
    """The rules' reading of which program a proxy upstream is (rules/common/roles.py),
    imported at the first proxied answer: a tree without a proxy never asks."""
    from rtclint.config import Config
    from rtclint.rules.registry import RuleContext

    def for_deployment(dep):
        ctx = RuleContext(dep, config or Config())

        def role_of(route, site):
            from rtclint.rules.common.roles import upstream_role

            return upstream_role(ctx, route, site)

        return role_of

    return for_deployment


def _place(path, numbered) -> dict[str, list[int]]:
    """hop → indexes of its findings: by code, else by the smallest deciding place the
    finding points into, else '' (the deployment's other findings)."""
    placed: dict[str, list[int]] = {}
    for index, diag in numbered:
        hop = HOP_OF_CODE.get(diag.code)
        if hop is None:
            hop = _by_location(path, diag.span)
        placed.setdefault(hop, []).append(index)
    return placed


def _by_location(path, span) -> str:
    best, best_size = "", None
    for hop in path.hops:
        for place in [span for span, _what in hop.decided_at] + hop.covers:
            if place.path == span.path and place.start <= span.start <= max(place.end, place.start):
                size = place.end - place.start
                if best_size is None or size < best_size:
                    best, best_size = hop.hop, size
    return best


def _hop_dict(hop, findings: list[int], result) -> dict:
    state, reason = hop.state, hop.reason
    errors = [result.diagnostics[i] for i in findings if result.diagnostics[i].severity is Severity.ERROR]
    if errors:  # rtclint's verdicts on this hop: it breaks whatever the answer alone says
        codes = ", ".join(sorted({d.code for d in errors}))
        state, reason = "broken", f"{reason}; errors on this hop: {codes}" if state == "broken" else \
            f"errors on this hop: {codes}; apart from them: {reason}"
    places = []
    for span, what in hop.decided_at:
        line, column, _end_line, _end_column = region(span, result.documents)
        places.append({"path": span.path, "line": line, "column": column, "what": what})
    return {
        "hop": hop.hop, "title": hop.title, "state": state, "reason": reason,
        "requests": [{"method": r.method, "url": r.url, "answer": r.answer} for r in hop.requests],
        "decided_at": places, "findings": findings,
    }


def _deployments(result) -> list[str]:
    """The run's deployments by name, when it found more than one (docs/json.md)."""
    found = getattr(result, "deployments", [])
    return [dep.name for dep in found] if len(found) > 1 else []


def render_statistics(result, unsafe_fixes: bool = False) -> str:
    """`--statistics --output-format json`: the per-rule counts instead of the findings."""
    from rtclint.report.statistics import rows

    payload = {"version": JSON_VERSION, "minor_version": JSON_MINOR_VERSION, "files_checked": result.files_checked,
               "statistics": rows(result.diagnostics, unsafe_fixes)}
    from rtclint.report.json_text import dumps as text

    return text(payload) + "\n"
