"""Rule pages: the Markdown in rules/CODE.md is generated from each rule's docstring.

`python -m rtclint.rules.docs` (or `make docs`) writes them; a test checks they are
current, so the docstring stays the one source."""

from __future__ import annotations

import os
import sys

from rtclint.rules.registry import Rule, all_rules

FIX_TEXT = {"safe": "safe automatic fix (`--fix`)", "unsafe": "unsafe fix (`--fix --unsafe-fixes`)",
            "manual": "manual fix only"}
DOCS_URL = "https://github.com/rtclint/rtclint/blob/main/rules/{code}.md"


def render_page(r: Rule) -> str:
    body = r.doc.strip().split("\n", 1)
    summary = body[0].strip()
    rest = body[1].strip() if len(body) > 1 else ""
    head = [
        f"# {r.code} {r.name}",
        "",
        f"*{summary}*",
        "",
        f"- Severity: **{r.severity.value}**",
        f"- Fix: {FIX_TEXT[r.fix]}",
        f"- Reads: {', '.join(r.where)}",
        "",
        "",
    ]
    return "\n".join(head) + rest + "\n"


def write_pages(directory: str) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    written = []
    for r in all_rules().values():
        path = os.path.join(directory, f"{r.code}.md")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(render_page(r))
        written.append(path)
    return written


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "rules"
    for p in write_pages(out):
        print(p)
