"""The fix loop: check, apply a conflict-free set of fixes in memory, re-check, repeat
until nothing changes; then write the changed files (or only show the diff).

Everything before the write happens on an in-memory overlay of the tree
(`engine.overlaid`), so a fix that breaks a file is simply not kept, and `--diff`
never touches the disk."""

from __future__ import annotations

import os

from rtclint.config import Config
from rtclint.diagnostics import Diagnostic, Fix, applicable
from rtclint.document import Document
from rtclint.fix.consequences import bringing_new_findings, without_fix
from rtclint.fix.edits import Failure, apply_edits, choose, edits_by_path, fix_key
from rtclint.fix.writer import WriteRefused, atomic_write, unchanged_on_disk, write_target
from dataclasses import dataclass, field

MAX_ROUNDS = 10
UNPARSED = ("RTC001", "RTC002")  # files with these findings are never edited (rules.withheld says why)


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Plan:
    """The outcome of fixing in memory: the final check, what was fixed, the new text
    of every changed file, and what could not be done."""

    result: object  # engine.Result of the fixed text
    originals: dict[str, Document]  # display path -> the document as first read
    texts: dict[str, str] = field(default_factory=dict)  # display path -> fixed text
    fixed: list[Diagnostic] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    rounds: int = 0
    paths: list[str] = field(default_factory=list)
    config: Config | None = None
    overlay: dict[str, bytes] = field(default_factory=dict)  # abspath -> current bytes
    checked: list = field(default_factory=list)  # per round: the diagnostics of its check
    applied: list = field(default_factory=list)  # (round, documents, fixes kept) per round that fixed

    def recheck(self, extra: dict[str, bytes]):
        """The whole tree checked with the current fixes plus `extra` contents."""
        from rtclint.engine import check, overlaid

        with overlaid({**self.overlay, **extra}):
            return check(self.paths, self.config)

    def changed(self) -> list[str]:
        return sorted(p for p, t in self.texts.items() if t != self.originals[p].text)

    def new_bytes(self, path: str) -> bytes:
        return self.originals[path].encode(self.texts[path])


@dataclass(eq=False, repr=False)
class Outcome:
    """What a fix run did: the files written, the fixes that failed, and those withdrawn (with why)."""

    plan: Plan
    written: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    withdrawn: dict[tuple, Failure] = field(default_factory=dict)  # fix key -> why it is not applied

    @property
    def result(self):
        return self.plan.result

    @property
    def fixed(self) -> list[Diagnostic]:
        return self.plan.fixed

    @property
    def all_failures(self) -> list[Failure]:
        return self.plan.failures + self.failures


def fix_paths(paths: list[str], config: Config | None = None, *, unsafe: bool = False, write: bool = True,
              max_rounds: int = MAX_ROUNDS, exclude: frozenset[tuple] = frozenset()) -> Outcome:
    """Fix the tree under `paths`. With `write=False` nothing on disk changes (`--diff`).
    Fixes whose key is in `exclude` are left out (a plain check verifies only the fixes
    that can change what other rules see: fix/promises.py)."""
    config = config or Config()
    roots = [p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in (paths or ["."])]
    frozen: dict[str, str] = {}  # display path -> why it must not be written
    withdrawn: dict[tuple, Failure] = {}  # fixes that would bring a new finding
    while True:
        plan = plan_fixes(paths, config, unsafe=unsafe, frozen=set(frozen), max_rounds=max_rounds,
                          exclude=set(exclude) | set(withdrawn))
        refusals = _refusals(plan, roots)
        if refusals and not set(refusals) <= set(frozen):
            # A fix may span files: re-plan without the refused ones, so no fix is half written.
            frozen.update(refusals)
            continue
        bringing, notes = bringing_new_findings(plan)
        bringing = {k: f for k, f in bringing.items() if k not in withdrawn}
        if not bringing:
            break
        withdrawn.update(bringing)  # re-plan without them: the tree must not end worse
    if withdrawn:
        plan.result.diagnostics = [without_fix(d, withdrawn) for d in plan.result.diagnostics]
    outcome = Outcome(plan, withdrawn=withdrawn)
    outcome.failures += list(withdrawn.values()) + notes
    outcome.failures += [Failure(p, f"not written: {why}") for p, why in sorted(frozen.items())]
    if write:
        _write(plan, roots, outcome)
    return outcome


def plan_fixes(paths: list[str], config: Config, *, unsafe: bool = False, frozen: set[str] = frozenset(),
               max_rounds: int = MAX_ROUNDS, exclude: set[tuple] = frozenset()) -> Plan:
    """Apply fixes round after round in memory until the tree is stable; fixes whose
    key is in `exclude` are never applied."""
    from rtclint.engine import check, overlaid

    overlay: dict[str, bytes] = {}
    blocked: set[tuple] = set(exclude)
    plan: Plan | None = None
    seen_states: set[tuple] = set()
    for round_no in range(max_rounds + 1):
        with overlaid(overlay):
            result = check(paths, config)
        if plan is None:
            plan = Plan(result, dict(result.documents), paths=list(paths), config=config, overlay=overlay)
            frozen = set(frozen) | unparsed_files(result)
        plan.result, plan.rounds = result, round_no
        plan.checked.append(result.diagnostics)
        if round_no == max_rounds:
            plan.failures.append(Failure("", f"fixes did not settle after {max_rounds} rounds"))
            break
        progress = _one_round(plan, result, overlay, blocked, frozen, unsafe)
        state = (tuple(sorted(plan.texts.items())), len(blocked))
        if not progress or state in seen_states:
            break
        seen_states.add(state)
    assert plan is not None
    return plan


def unparsed_files(result) -> set[str]:
    """Files that did not parse or could not be read. Read from the parsers' own findings,
    which `--select`/`--ignore` do not filter, so `--fix --select X` never edits them."""
    found = {d.path for d in result.diagnostics if d.code in UNPARSED}
    for facts in result.deployment.files.values():
        found |= {d.path for d in facts.diagnostics if d.code in UNPARSED}
    return found


def _one_round(plan: Plan, result, overlay: dict[str, bytes], blocked: set[tuple], frozen: set[str],
               unsafe: bool) -> bool:
    """Apply one conflict-free set of fixes; False when there was nothing left to do."""
    docs: dict[str, Document] = result.documents
    candidates = [d for d in result.diagnostics if applicable(d, unsafe) and fix_key(d.fix) not in blocked
                  and _editable(d.fix, docs, plan.originals, frozen)]
    chosen = choose(candidates)
    if not chosen.fixes:
        return False
    kept = _apply_checked(plan, result, chosen.fixes, blocked)
    if not kept:
        return bool(blocked)  # everything was reverted; retry without the blocked fixes
    kept_keys = {fix_key(f) for f in kept}
    plan.applied.append((len(plan.checked) - 1, docs, kept))
    plan.fixed += [d for d in chosen.fixed if fix_key(d.fix) in kept_keys]
    for path, text in _texts_after(docs, kept).items():
        plan.texts[path] = text
        overlay[docs[path].abspath] = docs[path].encode(text)
    return True


def _editable(fix: Fix, docs: dict[str, Document], originals: dict[str, Document], frozen: set[str]) -> bool:
    """Every edit lies inside a file that was read at the start and may be edited, and
    the fix changes something (a fix that rewrites text as it is would count forever)."""
    changes = False
    for edit in fix.edits:
        doc = docs.get(edit.span.path)
        if doc is None or edit.span.path in frozen or edit.span.path not in originals:
            return False
        if not (0 <= edit.span.start <= edit.span.end <= len(doc.text)):
            return False
        changes = changes or doc.text[edit.span.start : edit.span.end] != edit.content
    return changes


def _texts_after(docs: dict[str, Document], fixes: list[Fix]) -> dict[str, str]:
    out = {}
    for path, edits in edits_by_path(fixes).items():
        doc = docs[path]
        new = apply_edits(doc.text, edits, doc.newline)
        if new != doc.text:
            out[path] = new
    return out


def _apply_checked(plan: Plan, result, fixes: list[Fix], blocked: set[tuple]) -> list[Fix]:
    """The fixes that keep every file parseable. When the set breaks a file, its fixes
    are tried one by one and each one that breaks it alone is blocked and reported."""
    docs: dict[str, Document] = result.documents
    broken = _broken_files(plan, result, _texts_after(docs, fixes))
    if not broken:
        return fixes
    suspects = [f for f in fixes if any(e.span.path in broken for e in f.edits)]
    kept = [f for f in fixes if f not in suspects]
    for fix in suspects:
        trial = kept + [fix]
        newly = _broken_files(plan, result, _texts_after(docs, trial))
        if newly:
            blocked.add(fix_key(fix))
            for path, why in sorted(newly.items()):
                plan.failures.append(Failure(path, f"fix not applied, the file would no longer parse "
                                                   f"({why}): {fix.message}"))
        else:
            kept = trial
    return kept


def _broken_files(plan: Plan, result, texts: dict[str, str]) -> dict[str, str]:
    """Changed files that no longer parse (a new RTC001): path -> the parser's message.
    A file rtclint reads only through another one (an nginx include without a telling
    name) has no parser of its own: the whole tree is re-checked for it instead."""
    from rtclint.parsers import parser_for

    docs: dict[str, Document] = result.documents
    changed = {docs[p].abspath: docs[p].encode(t) for p, t in texts.items()}
    overlay = {**plan.overlay, **changed}  # with earlier rounds' fixes, for includes
    broken = {}
    for path, text in texts.items():
        why = parse_problem(docs[path], text, overlay)
        if why:
            broken[path] = why
    if any(parser_for(docs[p].kind) is None for p in texts) and not broken:
        broken.update(_new_parse_errors(plan, result, changed, set(texts)))
    return broken


def _new_parse_errors(plan: Plan, result, overlay: dict[str, bytes], changed: set[str]) -> dict[str, str]:
    """Parse errors a full re-check finds that the checked tree did not have, charged to
    the changed files (an error in an including file comes from its changed include)."""
    before = {(d.path, d.message) for d in result.diagnostics if d.code == "RTC001"}
    after = plan.recheck(overlay)
    new = [d for d in after.diagnostics if d.code == "RTC001" and (d.path, d.message) not in before]
    return {path: new[0].message for path in changed} if new else {}


def parse_problem(doc: Document, text: str, overlay: dict[str, bytes]) -> str | None:
    """The first RTC001 message when `text` (in place of `doc`) does not parse, else None."""
    from rtclint.engine import Loader, overlaid
    from rtclint.parsers import parser_for
    from rtclint.parsers.base import Tree

    parser = parser_for(doc.kind)
    if parser is None:
        return None
    candidate = Document(doc.path, doc.abspath, doc.kind, text, doc.encoding, doc.bom)
    with overlaid(overlay):
        loader = Loader()
        loader.documents[doc.abspath] = candidate
        root = os.path.dirname(doc.abspath)
        try:
            facts = parser.read(candidate, Tree([root], loader.load))
        except Exception as exc:  # a parser crash on the new text counts as "does not parse"
            return f"{type(exc).__name__}: {exc}"
    for diag in facts.diagnostics:
        if diag.code == "RTC001" and diag.path == doc.path:
            line, col = candidate.line_col(diag.span.start)
            return f"{line}:{col}: {diag.message}"
    return None


def _refusals(plan: Plan, roots: list[str]) -> dict[str, str]:
    """Changed files that must not be written, and why."""
    out = {}
    by_target: dict[str, list[str]] = {}
    for path in plan.changed():
        doc = plan.originals[path]
        if doc.encoding != "utf-8":  # decoding refuses them already (RTC002): never write one
            out[path] = f"a {doc.encoding} file: rtclint writes UTF-8 files only"
            continue
        try:
            target = write_target(doc.abspath, roots)
        except WriteRefused as exc:
            out[path] = str(exc)
            continue
        if not unchanged_on_disk(target, doc.encode()):
            out[path] = "the file changed on disk since rtclint read it"
        by_target.setdefault(target, []).append(path)
    for target, names in by_target.items():
        # One file reached by two names (a symlink inside the tree): both names must
        # agree on the new content, or neither is written.
        if len({plan.new_bytes(p) for p in names}) > 1:
            for p in names:
                out[p] = f"reached by several paths ({', '.join(names)}) whose fixes disagree"
    return out


def _write(plan: Plan, roots: list[str], outcome: Outcome) -> None:
    done: set[str] = set()
    for path in plan.changed():
        doc = plan.originals[path]
        try:
            target = write_target(doc.abspath, roots)
            if target in done:
                outcome.written.append(path)
                continue
            if not unchanged_on_disk(target, doc.encode()):
                raise WriteRefused("the file changed on disk since rtclint read it")
            atomic_write(target, plan.new_bytes(path))
        except (WriteRefused, OSError) as exc:
            why = str(exc) if isinstance(exc, WriteRefused) else (exc.strerror or str(exc))
            outcome.failures.append(Failure(path, f"not written: {why}"))
            continue
        done.add(target)
        outcome.written.append(path)
