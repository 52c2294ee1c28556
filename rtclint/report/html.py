"""`--output-format html`: one self-contained page that shows where a call breaks.

Per deployment: the hops of its call path as a diagram (the JSON report's `call_paths`,
so both always agree; each hop element carries `data-hop` and `data-state`), then each
hop with its requests, the places that decide it, and its findings with the source lines
and the fix as a diff. Inline CSS and SVG only: no script, no font, no image is fetched
(a Content-Security-Policy says so to the browser), and the page works without
JavaScript. Every quoted text is masked (model/secrets.py) before it is escaped.
"""

from __future__ import annotations

import difflib
from html import escape

from rtclint import __version__
from rtclint.report.html_style import ARROW, CSS, icon
from rtclint.report.json_report import call_paths
from rtclint.report.positions import region

CONTEXT_LINES = 2  # source lines shown around a finding
MAX_SNIPPET_LINES = 12
STATE_WORDS = {"ok": "works", "broken": "broken", "unknown": "unknown"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def render(result, config=None) -> str:
    page = _Page(result)
    paths = call_paths(result, config)
    body = [page.header(paths)]
    body += [page.deployment(index, path) for index, path in enumerate(paths)]
    if not paths:
        body.append('<p class="muted">No file rtclint reads was found: there is no call path to draw.</p>')
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        '<title>rtclint: the call path</title>\n'
        f'<style>{CSS}</style>\n</head>\n<body>\n'
        + "\n".join(body)
        + f'\n<footer>rtclint {escape(__version__)} · the hops and their states are the JSON report\'s '
          '<code>call_paths</code> (docs/json.md)</footer>\n</body>\n</html>\n'
    )


class _Page:
    def __init__(self, result) -> None:
        from rtclint.model.secrets import of

        self.result = result
        self.documents = result.documents
        self.secrets = of(result.deployment)

    def text(self, value) -> str:
        """Masked, then escaped: a secret escaped first would no longer be found."""
        return escape(self.secrets.mask(str(value)))

    def header(self, paths) -> str:
        count = len(self.result.diagnostics)
        broken = sum(1 for p in paths for h in p["hops"] if h["state"] == "broken")
        return (f'<header><h1>Where the call breaks</h1><p class="summary">{self.result.files_checked} '
                f'file{"s" if self.result.files_checked != 1 else ""} checked · {count} finding'
                f'{"s" if count != 1 else ""} · {broken} broken hop{"s" if broken != 1 else ""} in '
                f'{len(paths)} deployment{"s" if len(paths) != 1 else ""}</p></header>\n<main>')

    # -- one deployment --------------------------------------------------------------------

    def deployment(self, index: int, path: dict) -> str:
        anchor = f"d{index}"
        name = self.text(path["deployment"])
        server = f' · server_name <code>{self.text(path["server_name"])}</code>' if path["server_name"] else ""
        parts = [f'<section class="deployment" id="{anchor}" data-deployment="{name}">',
                 f'<h2>Deployment <code>{name}</code>{server}</h2>', self.diagram(anchor, path["hops"])]
        parts += [self.hop(anchor, hop) for hop in path["hops"]]
        if path["other_findings"]:
            parts.append(f'<div class="detail" data-hop="other"><h3>Other findings '
                         f'<span class="badge muted">{len(path["other_findings"])}</span></h3>'
                         '<p class="reason muted">Findings that are on no hop of the call path.</p>'
                         + "".join(self.finding(i) for i in path["other_findings"]) + '</div>')
        parts.append("</section>")
        return "\n".join(parts)

    def diagram(self, anchor: str, hops: list[dict]) -> str:
        items = ['<li class="client"><div class="node"><span class="name">Client</span>'
                 '<span class="state muted">Element Call</span></div></li>']
        for hop in hops:
            state = hop["state"]
            items.append(f'<li class="arrow" aria-hidden="true">{ARROW}</li>')
            items.append(
                f'<li class="hop" data-hop="{hop["hop"]}" data-state="{state}">'
                f'<a class="node" href="#{anchor}-{hop["hop"]}"><span class="name">{self.text(hop["title"])}</span>'
                f'<span class="state {state}">{icon(state)}{STATE_WORDS[state]}'
                f'{self._count(hop["findings"])}</span></a></li>')
        return f'<ol class="path" aria-label="the call path, hop by hop">{"".join(items)}</ol>'

    def _count(self, findings: list[int]) -> str:
        if not findings:
            return ""
        return f' <span class="muted">· {len(findings)} finding{"s" if len(findings) != 1 else ""}</span>'

    def hop(self, anchor: str, hop: dict) -> str:
        state = hop["state"]
        rows = "".join(f'<tr><td>{self.text(r["method"])}</td><td><code>{self.text(r["url"])}</code></td>'
                       f'<td>{self.text(r["answer"])}</td></tr>' for r in hop["requests"])
        places = "".join(f'<li><code>{self.text(p["path"])}:{p["line"]}</code> {self.text(p["what"])}</li>'
                         for p in hop["decided_at"])
        return (
            f'<article class="detail" id="{anchor}-{hop["hop"]}" data-hop="{hop["hop"]}" data-state="{state}">'
            f'<h3>{icon(state)}{self.text(hop["title"])} <span class="badge {state}">{STATE_WORDS[state]}</span></h3>'
            f'<p class="reason">{self.text(hop["reason"])}</p>'
            + (f'<table class="requests"><tbody>{rows}</tbody></table>' if rows else "")
            + (f'<p class="muted">Decided at:</p><ul class="places">{places}</ul>' if places else "")
            + "".join(self.finding(i) for i in hop["findings"])
            + "</article>"
        )

    # -- one finding -----------------------------------------------------------------------

    def finding(self, index: int) -> str:
        diag = self.result.diagnostics[index]
        line, col, end_line, _end_col = region(diag.span, self.documents)
        severity = diag.severity.value
        out = [f'<div class="finding" data-code="{escape(diag.code)}"><p><span class="sev sev-{severity}">'
               f'{severity}</span> <code>{escape(diag.code)}</code> <span class="muted">{escape(diag.name)}</span> '
               f'<code class="muted">{self.text(diag.path)}:{line}:{col}</code></p>',
               f'<p>{self.text(diag.message)}</p>', self.snippet(diag.span.path, line, end_line)]
        if diag.fix is not None:
            out.append(f'<p class="muted">Fix ({escape(diag.fix.applicability.value)}): '
                       f'{self.text(diag.fix.message)}</p>{self.fix_diff(diag.fix)}')
        out.append("</div>")
        return "".join(out)

    def snippet(self, path: str, line: int, end_line: int) -> str:
        doc = self.documents.get(path)
        if doc is None:
            return ""
        end_line = min(end_line, line + MAX_SNIPPET_LINES)
        first, last = max(1, line - CONTEXT_LINES), min(doc.line_count, end_line + CONTEXT_LINES)
        rows = []
        for number in range(first, last + 1):
            start = doc.offset(number, 1)
            source = self.secrets.mask_line(path, start, doc.line_text(number))
            hit = ' class="hit"' if line <= number <= end_line else ""
            rows.append(f'<span{hit}><span class="ln">{number}</span>{escape(source)}</span>')
        return f'<pre class="snippet" aria-label="{escape(path)} lines {first}-{last}">' + "\n".join(rows) + "</pre>"

    def fix_diff(self, fix) -> str:
        """The fix as a unified diff of each file it edits (1 line of context)."""
        by_path: dict[str, list] = {}
        for edit in fix.edits:
            by_path.setdefault(edit.span.path, []).append(edit)
        chunks = []
        for path, edits in by_path.items():
            doc = self.documents.get(path)
            if doc is None:
                continue
            after = doc.text
            for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end), reverse=True):
                after = after[:edit.span.start] + edit.content + after[edit.span.end:]
            lines = difflib.unified_diff(doc.text.splitlines(), after.splitlines(), f"a/{path}", f"b/{path}",
                                         n=1, lineterm="")
            chunks += [self._diff_line(text) for text in lines]
        return f'<pre class="diff">{"".join(chunks)}</pre>' if chunks else ""

    def _diff_line(self, text: str) -> str:
        kind = ("hunk" if text.startswith("@@") else "add" if text.startswith("+")
                else "del" if text.startswith("-") else "")
        cls = f' class="{kind}"' if kind else ""
        return f"<span{cls}>{self.text(text)}</span>\n"
