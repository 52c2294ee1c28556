"""Shared by the discovery and routing rules: where a well-known body sits in its file,
how to edit inside it, and how to add a directive to a proxy route or site in the
file's own syntax and indentation."""

from __future__ import annotations

import re

from rtclint.diagnostics import Edit
from rtclint.document import Span

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model import Deployment, Route, Site, WellKnown

EDITABLE_SOURCES = ("proxy", "static-file")


def body_bounds(wk: "WellKnown") -> tuple[int, int] | None:
    """[start, end) of the body's characters in the source, for editable well-knowns."""
    if wk.source not in EDITABLE_SOURCES:
        return None
    if wk.respond is not None and wk.respond.body_span is not None:
        return wk.respond.body_span.start, wk.respond.body_span.end
    if wk.source == "static-file":
        return wk.span.start, wk.span.end
    return None


def body_offset(wk: "WellKnown", index: int) -> int:
    """Source offset of body position `index` (the body's end maps to the span end)."""
    return _offset(wk, body_bounds(wk), index)


def _offset(wk: "WellKnown", bounds: tuple[int, int] | None, index: int) -> int:
    if bounds is not None and index >= len(wk.body):
        return bounds[1]
    return wk.source_offset(index)


def body_span(wk: "WellKnown", start: int, end: int) -> Span:
    """The source span of body[start:end] (the whole well-known when it has no body text)."""
    bounds = body_bounds(wk)  # once, not once per end (a dozen rules point into bodies)
    if bounds is None and wk.value is not None:
        return wk.span
    a = _offset(wk, bounds, start)
    b = max(a, _offset(wk, bounds, end))
    return Span(wk.span.path, a, b)


def body_edit(dep: "Deployment", wk: "WellKnown", start: int, end: int, content: str) -> Edit | None:
    """Replace body[start:end] with `content` (JSON text), escaped for the string that
    holds the body; None when the body cannot be edited safely (a bare word, YAML)."""
    bounds = body_bounds(wk)
    doc = dep.documents.get(wk.span.path)
    if bounds is None or doc is None:
        return None
    from rtclint.rules.common.jsonedit import escape_for_host, host_quote  # only for an edit

    quote = host_quote(doc.text, *bounds)
    heredoc = _heredoc_indent(doc.text, bounds[0]) if quote is None and wk.site is not None \
        and wk.site.kind == "caddy" else None
    if quote is None and heredoc is None:
        return None
    if heredoc:
        # Caddy strips the closing marker's indentation from every heredoc line: new lines need it.
        content = content.replace("\n", "\n" + heredoc)
    kind = wk.site.kind if wk.site is not None else "file"
    if quote == "`" and "`" in content:
        return None
    text = escape_for_host(content, quote, kind)
    if kind == "nginx" and "$" in content:
        return None  # nginx would expand it as a variable
    return Edit(body_span(wk, start, end), text)


def _heredoc_indent(text: str, body_start: int) -> str | None:
    """The indentation of a Caddy heredoc body starting at `body_start` (after `<<MARKER`
    and a newline), or None when the body is not a heredoc."""
    start = line_start(text, body_start)
    lead = text[start:body_start]
    if lead.strip() or start == 0:
        return None
    previous = text[line_start(text, start - 1):start - 1].rstrip("\r")
    return lead if re.search(r"<<[A-Za-z0-9_]+$", previous) else None


def where(wk: "WellKnown") -> str:
    """How messages name a well-known: its host(s), else its file."""
    bound = wk.route.facts.get("hosts") if wk.route is not None else None
    hosts = [h for h in (bound or wk.hosts) if h not in ("*", "", "_")]
    if hosts:
        return "the client well-known served on " + ", ".join(hosts[:3]) + (" …" if len(hosts) > 3 else "")
    if wk.source == "proxy":
        return "the client well-known served by this site"
    return f"the client well-known in {wk.span.path}"


# -- adding directives ----------------------------------------------------------------------

def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def indent_of_line(text: str, offset: int) -> str:
    start = line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


def insert_directive(dep: "Deployment", where_: "Route | Site", directive: str) -> Edit | None:
    """An edit adding `directive` (one line, no indentation, no newline) at the
    route's/site's insertion point, indented like its other directives."""
    at = getattr(where_, "insert_at", None)
    span = where_.span
    doc = dep.documents.get(span.path)
    if at is None or doc is None:
        return None
    indent = where_.indent
    nl = doc.newline
    text = doc.text
    if at <= span.start and "{" in text[at:span.start]:
        # The directive shares its block's opening line (`example.com { respond …`): the
        # start of that line is outside the block. The caller falls back to the site.
        return None
    start = line_start(text, at)
    if text[start:at].strip() == "":
        # At the start of a line (before the closing brace, or after the last directive's line).
        return Edit(Span(span.path, start, start), f"{indent}{directive}{nl}")
    line_end = text.find("\n", at)
    rest = text[at: len(text) if line_end == -1 else line_end].strip()
    tail = f"{nl}{indent_of_line(text, start)}" if rest else ""  # keep a '}' on its own line
    return Edit(Span(span.path, at, at), f"{nl}{indent}{directive}{tail}")


def insert_line_before(dep: "Deployment", span: Span, directive: str) -> Edit | None:
    """A new line holding `directive` just before the line of `span`, same indentation."""
    doc = dep.documents.get(span.path)
    if doc is None:
        return None
    start = line_start(doc.text, span.start)
    return Edit(Span(span.path, start, start), indent_of_line(doc.text, span.start) + directive + doc.newline)


def delete_line_of(dep: "Deployment", span: Span) -> Edit | None:
    """Delete the directive at `span`: its whole line when nothing else is on it."""
    doc = dep.documents.get(span.path)
    if doc is None:
        return None
    text = doc.text
    start = line_start(text, span.start)
    end = text.find("\n", span.end)
    end = len(text) if end == -1 else end + 1
    rest = text[span.end:end].strip().lstrip(";").strip()
    before = text[start:span.start].split()
    alone = not before or (len(before) <= 2 and before[0] in _HEADER_KEYWORDS)
    if alone and (rest == "" or rest.startswith("#")):
        return Edit(Span(span.path, start, end), "")
    if not before or before[0] not in _HEADER_KEYWORDS:
        return Edit(span, "")
    return None  # other words share the line: no safe deletion


_HEADER_KEYWORDS = ("header", "add_header", "http-response", "http-after-response", "proxy_set_header")
