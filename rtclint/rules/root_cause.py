"""One finding per cause: when findings share a place and one of them explains the
others, only that one is reported, and its message names the others.

A placeholder secret (`(livekit_api_secret)`, `changeme`) is also shorter than LiveKit
wants and also written in plain text, but replacing the placeholder is the one thing to
do: three findings on one value would read as three problems. The table below says
which code explains which; it runs once over the diagnostics, after the rules and the
suppressions (a suppressed cause does not hide what it would have explained)."""

from __future__ import annotations

# cause -> the codes it explains when they sit on the same value (or the same line:
# RTC901 reports `key: secret` once, on the key)
ALSO = "this also explains"
EXPLAINS: dict[str, tuple[str, ...]] = {
    "RTC901": ("RTC401", "RTC900"),  # a placeholder is also short, and also plain text
}


def fold(diagnostics: list, documents: dict) -> list:
    """`diagnostics` with every explained finding folded into its cause's message.
    An explained finding that offers a fix stays: folding must not lose a fix."""
    causes = [d for d in diagnostics if d.code in EXPLAINS]
    if not causes:
        return diagnostics
    by_path: dict[str, list] = {}  # a cause explains findings in its own file only
    for cause in causes:
        by_path.setdefault(cause.span.path, []).append(cause)
    folded: dict[int, list] = {}  # id(cause) -> the findings it explains
    hidden: set[int] = set()
    for diag in diagnostics:
        if diag.fix is not None:
            continue
        for cause in by_path.get(diag.span.path, ()):
            if diag.code in EXPLAINS[cause.code] and _same_place(cause, diag, documents):
                folded.setdefault(id(cause), []).append(diag)
                hidden.add(id(diag))
                break
    out = []
    for diag in diagnostics:
        if id(diag) in hidden:
            continue
        explained = folded.get(id(diag))
        if explained:
            codes = sorted({f"{d.code} ({d.name})" for d in explained})
            import copy  # only when there is something to fold: it costs a start-up

            diag = copy.copy(diag)
            diag.message = f"{diag.message} ({ALSO} {', '.join(codes)} here)"
        out.append(diag)
    return out


def explained_codes(message: str) -> list[str]:
    """The codes a folded finding's message says it also explains (for tools and tests
    that look for the explained findings by code)."""
    head, found, tail = message.rpartition(f"({ALSO} ")
    if not found:
        return []
    return [part.split(" ", 1)[0] for part in tail.removesuffix(" here)").split(", ")]


def _same_place(a, b, documents: dict) -> bool:
    if a.span.path != b.span.path:
        return False
    if a.span.start < b.span.end and b.span.start < a.span.end or a.span == b.span:
        return True
    doc = documents.get(a.span.path)
    return doc is not None and doc.line_col(a.span.start)[0] == doc.line_col(b.span.start)[0]
