"""What a plain check may promise: `[*]`, "N fixable", the statistics' fixable column,
SARIF `fixes` and JSON fix data are shown only for fixes `--fix` (or `--fix
--unsafe-fixes`, for the unsafe ones) will apply.

`--fix` withdraws a fix that would bring a new finding (consequences.py), and only a
re-check of the fixed text shows that. Running the whole fix loop on every check is
exact but costs six checks (46 s against 7.9 s on the bench's 660-file corpus, where
1776 findings are fixable). Yet a new finding must sit on the text a fix inserted, and
most fixes only write the one setting their own finding is about — a response header,
a proxy timeout, an upgrade header, a Synapse flag or rate limit, LiveKit's
auto_create, a targetPort set to the port the container listens on — text no other
rule reads for anything else. Only the other fixes (a new site, route or well-known
body; a changed host, URL or port; anything a rule not listed here offers) are
verified: by the fix loop itself, run in memory with the local fixes left out, over
only the deployments those fixes touch. A check without such a fix pays nothing.

tests/test_fixable_means_fixed.py holds every fixture tree and example to it: what a
plain check marks fixable is exactly what `--fix` fixes."""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Diagnostic, applicable

# Rules whose fixes only write the setting their own finding is about (see above). A
# rule missing here is verified, never trusted: adding one is a speed-up, not a fix.
LOCAL_FIXES = frozenset({
    "RTC106",  # add_header / header Access-Control-Allow-Origin on the well-known
    "RTC107",  # the well-known's Content-Type
    "RTC203",  # removes a duplicated CORS header
    "RTC205",  # the websocket upgrade headers in the location that proxies it
    "RTC206",  # proxy_read_timeout / timeout tunnel
    "RTC408",  # room.auto_create: false
    "RTC504",  # experimental_features.msc4222_enabled: true
    "RTC505",  # rc_message / rc_delayed_event_mgmt raised
    "RTC603",  # targetPort set to the port the container already listens on
})


def keep_promises(paths: list[str], config, result, unsafe: bool):
    """`result` with every fix `--fix` would not apply taken off its finding, which says
    why. Safe fixes are judged as `--fix` applies them, unsafe ones as `--fix
    --unsafe-fixes` does (with `--unsafe-fixes`, every fix as the latter)."""
    if any(_offered(d) and _inapplicable(d, result.documents) for d in result.diagnostics):
        result.diagnostics = [_without_inapplicable(d, result.documents) for d in result.diagnostics]
    to_verify = [d for d in result.diagnostics if _offered(d) and d.code not in LOCAL_FIXES]
    if not to_verify:
        return result
    verdicts: dict[bool, dict[tuple, str]] = {}  # mode (unsafe?) -> fix key -> why not applied
    for mode in sorted({unsafe or d.fix.applicability == Applicability.UNSAFE for d in to_verify}):
        verdicts[mode] = _not_applied(paths, config, result, mode, [d for d in to_verify if applicable(d, mode)])
    result.diagnostics = [_withheld(d, verdicts, unsafe) for d in result.diagnostics]
    return result


def _offered(diag: Diagnostic) -> bool:
    return applicable(diag, True)


def _inapplicable(diag: Diagnostic, documents: dict) -> str | None:
    """Why the fix loop would never take this fix (runner._editable), judged on the text
    the check read: an edit outside the files read, or edits that change nothing."""
    changes = False
    for edit in diag.fix.edits:  # type: ignore[union-attr]
        doc = documents.get(edit.span.path)
        if doc is None:
            return f"{edit.span.path} was not read"
        if not 0 <= edit.span.start <= edit.span.end <= len(doc.text):
            return f"its edit lies outside {edit.span.path}"
        changes = changes or doc.text[edit.span.start:edit.span.end] != edit.content
    return None if changes else "it would change nothing"


def _without_inapplicable(diag: Diagnostic, documents: dict) -> Diagnostic:
    why = _inapplicable(diag, documents) if _offered(diag) else None
    if why is None:
        return diag
    from rtclint.fix.consequences import not_promised  # only for a fix taken back

    return not_promised(diag, why)


def _withheld(diag: Diagnostic, verdicts: dict[bool, dict[tuple, str]], unsafe: bool) -> Diagnostic:
    from rtclint.fix.edits import fix_key

    if not _offered(diag):
        return diag
    mode = unsafe or diag.fix.applicability == Applicability.UNSAFE  # type: ignore[union-attr]
    why = verdicts.get(mode, {}).get(fix_key(diag.fix))  # type: ignore[arg-type]
    if why is None:
        return diag
    from rtclint.fix.consequences import not_promised

    return not_promised(diag, why)


def _not_applied(paths: list[str], config, result, unsafe: bool, findings: list[Diagnostic]) -> dict[tuple, str]:
    """fix key -> why `--fix` would not apply it, for the fixes of `findings`: the fix
    loop in memory, over the deployments they touch, without the local fixes."""
    from rtclint.fix.edits import fix_key
    from rtclint.fix.runner import fix_paths

    local = frozenset(fix_key(d.fix) for d in result.diagnostics  # type: ignore[arg-type]
                      if _offered(d) and d.code in LOCAL_FIXES)
    outcome = fix_paths(_scope(paths, config, result, findings), config, unsafe=unsafe, write=False, exclude=local)
    why = {key: f"it would bring a new finding: {failure.reason}" for key, failure in outcome.withdrawn.items()}
    frozen = {f.path: f.message.removeprefix("not written: ") for f in outcome.failures
              if f.message.startswith("not written: ")}
    for diag in findings:
        key = fix_key(diag.fix)  # type: ignore[arg-type]
        blocked = sorted({e.span.path for e in diag.fix.edits} & set(frozen))  # type: ignore[union-attr]
        if key not in why and blocked:
            why[key] = f"{blocked[0]} would not be written: {frozen[blocked[0]]}"
    return why


def _scope(paths: list[str], config, result, findings: list[Diagnostic]) -> list[str]:
    """The folders of the deployments the fixes touch, or `paths` when that is the whole
    run (one deployment, a root of '.', files named one by one) or when a walk from those
    folders would see other files (excludes and .gitignore files apply relative to where
    the walk starts)."""
    import os

    if len(result.deployments) < 2 or config.exclude or any(os.path.isfile(p) for p in paths):
        return paths
    roots = set()
    for diag in findings:
        for edit in diag.fix.edits:  # type: ignore[union-attr]
            name = result.deployment_name(edit.span.path)
            if name is None:
                return paths
            roots.add(name.split(" [", 1)[0])  # "k8s [namespace call]" lives in k8s
    if "." in roots or not all(os.path.isdir(r) for r in roots) or any(_gitignore_above(r, paths) for r in roots):
        return paths
    return sorted(r for r in roots if not any(r.startswith(o + "/") for o in roots))


def _gitignore_above(root: str, paths: list[str]) -> bool:
    """Whether a .gitignore sits between one of `paths` and `root` (a walk from `root`
    would not read it)."""
    import os

    here = os.path.dirname(os.path.abspath(root))
    tops = {os.path.abspath(p) for p in paths}
    while True:
        if os.path.exists(os.path.join(here, ".gitignore")):
            return True
        if here in tops or os.path.dirname(here) == here:
            return False
        here = os.path.dirname(here)
