"""Inline suppressions: `# rtclint: disable=RTC101,RTC106 -- reason`.

- On the flagged line (a trailing comment) or on its own line above it (several
  suppression comments may be stacked above one line), and `# rtclint: disable-file=…`
  anywhere in a file for the whole file.
- Works in every format with `#` comments: Caddyfile, nginx, HAProxy, YAML and `.env`.
  Each format has its own idea of where a comment starts (a `#` inside a quoted string,
  a Caddy backtick body or a YAML block scalar is not a comment), so each gets a small
  scanner that follows that format's quoting rules.
- A finding inside a multi-line token (a JSON body in a Caddy backtick string or an nginx
  `return 200 '…'`, a YAML block scalar) belongs to the line where the token starts: put
  the comment above the directive, or after the token's closing quote.
- A suppression (or one of its codes) that suppresses nothing is reported as RTC010, with
  a safe fix that removes it. `--no-suppressions` turns all of this off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rtclint.diagnostics import Applicability, Diagnostic, Edit, Fix
from rtclint.document import Document, Span

MARKER = "rtclint:"
_DIRECTIVE = re.compile(
    r"#\s*rtclint:\s*(?P<kind>disable-file|disable)\s*=\s*(?P<codes>[A-Za-z0-9]+(?:[ \t]*,[ \t]*[A-Za-z0-9]+)*)"
    r"(?P<rest>[^\r\n]*)"
)
_LOOSE = re.compile(r"#\s*rtclint\s*:")
_CODE = re.compile(r"[A-Za-z0-9]+")
_REASON = re.compile(r"^\s*(--\s*(?P<reason>.*?))?\s*$")


@dataclass(slots=True)
class Suppression:
    """One `# rtclint: disable=...` comment: the codes it names and what it covers."""

    doc: Document
    file_level: bool
    start: int  # offset of the '#'
    end: int  # end of the comment (before the line break)
    codes: dict[str, tuple[int, int]]  # code -> its offsets, in order of appearance
    codes_span: tuple[int, int]
    targets: frozenset[int]  # 1-based lines whose findings it covers (empty for file-level)
    own_line: bool
    reason: str | None
    used: set[str] = field(default_factory=set)

    def covers(self, diag: Diagnostic, line: int, anchor: int) -> bool:
        if diag.code not in self.codes:
            return False
        return self.file_level or line in self.targets or anchor in self.targets


@dataclass(slots=True)
class Malformed:
    """A comment that looks like a suppression but is not one."""

    doc: Document
    start: int
    end: int


# --- where comments start, per format -------------------------------------------------


@dataclass(slots=True)
class Scan:
    """Where a file's comments and multi-line tokens are, for placing suppressions."""

    comments: list[int] = field(default_factory=list)  # offsets of '#' that start comments
    multiline: list[tuple[int, int]] = field(default_factory=list)  # tokens spanning lines


def scan(doc: Document) -> Scan:
    scanner = _SCANNERS.get(doc.kind)
    return scanner(doc.text) if scanner else Scan()


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end == -1 else end


def _quoted_end(text: str, i: int, quote: str, escapes: bool) -> int:
    """Offset just past the closing `quote` of a string opened at `i` (or the end)."""
    j = i + 1
    n = len(text)
    while j < n:
        ch = text[j]
        if escapes and ch == "\\":
            j += 2
            continue
        if ch == quote:
            return j + 1
        j += 1
    return n


def _add_token(result: Scan, text: str, start: int, end: int) -> None:
    if "\n" in text[start:end]:
        result.multiline.append((start, end))


_HEREDOC = re.compile(r"<<([A-Za-z0-9_-]+)[ \t]*\r?\n")


def _scan_caddy(text: str) -> Scan:
    """Caddy's lexer: `#` starts a comment only at the start of a token; `"…"` (with `\\`
    escapes), backticks and `<<MARKER` heredocs open only at a token start."""
    result, i, n, token_start = Scan(), 0, len(text), True
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            token_start, i = True, i + 1
            continue
        if token_start:
            end = _caddy_token_end(text, i, result)
            if end is not None:
                token_start, i = False, end
                continue
        if ch == "\\":
            i += 1
        token_start, i = False, i + 1
    return result


def _caddy_token_end(text: str, i: int, result: Scan) -> int | None:
    ch = text[i]
    if ch == "#":
        result.comments.append(i)
        return _line_end(text, i)
    if ch in "\"`":
        end = _quoted_end(text, i, ch, escapes=ch == '"')
        _add_token(result, text, i, end)
        return end
    heredoc = _HEREDOC.match(text, i)
    if heredoc:
        closing = re.compile(r"^[ \t]*" + re.escape(heredoc.group(1)) + r"[ \t]*$", re.M).search(text, heredoc.end())
        end = closing.end() if closing else len(text)
        _add_token(result, text, i, end)
        return end
    return None


def _scan_nginx(text: str) -> Scan:
    """nginx's ngx_conf_read_token: `#` and quotes count only at a token start; `;`, `{`
    and `}` end tokens like whitespace; backslash escapes inside quotes."""
    result, i, n, token_start = Scan(), 0, len(text), True
    while i < n:
        ch = text[i]
        if ch in " \t\r\n;{}":
            token_start, i = True, i + 1
            continue
        if token_start and ch == "#":
            result.comments.append(i)
            i = _line_end(text, i)
            continue
        if token_start and ch in "\"'":
            end = _quoted_end(text, i, ch, escapes=True)
            _add_token(result, text, i, end)
            token_start, i = False, end
            continue
        if ch == "\\":
            i += 1
        token_start, i = False, i + 1
    return result


def _scan_haproxy(text: str) -> Scan:
    """HAProxy's parse_line: an unescaped `#` outside quotes starts a comment anywhere on
    the line; `'…'` is strong, `"…"` weak quoting; no line continuation."""
    result = Scan()
    pos = 0
    for line in text.splitlines(keepends=True):
        squote = dquote = False
        j = 0
        while j < len(line):
            ch = line[j]
            if ch == "\\" and not squote:
                j += 2
                continue
            if ch == "'" and not dquote:
                squote = not squote
            elif ch == '"' and not squote:
                dquote = not dquote
            elif ch == "#" and not squote and not dquote:
                result.comments.append(pos + j)
                break
            j += 1
        pos += len(line)
    return result


def _scan_env(text: str) -> Scan:
    """.env files (Compose's parser): a `#` at the start of a line or after whitespace
    outside a quoted value starts a comment; a quoted value may span lines."""
    result, i, n = Scan(), 0, len(text)
    while i < n:
        line_end = _line_end(text, i)
        j = i
        eq = text.find("=", i, line_end)
        if eq != -1 and "#" not in text[i:eq]:
            j = eq + 1
            if j < n and text[j] in "\"'":
                end = _quoted_end(text, j, text[j], escapes=text[j] == '"')
                _add_token(result, text, j, end)
                j = min(end, n)
                line_end = _line_end(text, j)
        for k in range(j, line_end):
            if text[k] == "#" and (k == 0 or text[k - 1] in " \t\n"):
                result.comments.append(k)
                break
        i = line_end + 1
    return result


def _scan_yaml(text: str) -> Scan:
    """YAML: a `#` at a line start or after whitespace is a comment unless it lies inside
    a scalar token (quoted, plain or block). PyYAML's pure-Python scanner gives the
    tokens with character offsets; after a syntax error the rest is judged by the
    whitespace rule alone."""
    from rtclint.parsers.pyyaml import yaml

    result = Scan()
    scalars: list[tuple[int, int]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.ScalarToken):
                start, end = token.start_mark.index, token.end_mark.index
                scalars.append((start, end))
                _add_token(result, text, start, end)
    except yaml.YAMLError:
        pass
    for match in re.finditer(r"(?:^|(?<=[ \t]))#", text, re.M):
        offset = match.start()
        if not any(start <= offset < end for start, end in scalars):
            result.comments.append(offset)
    return result


_SCANNERS = {"caddy": _scan_caddy, "nginx": _scan_nginx, "haproxy": _scan_haproxy, "env": _scan_env,
             "yaml": _scan_yaml}


# --- reading the suppressions of a document -------------------------------------------


@dataclass(slots=True)
class FileSuppressions:
    """A file's suppressions, the malformed ones, and the lines that belong to multi-line tokens."""

    doc: Document
    suppressions: list[Suppression]
    malformed: list[Malformed]
    anchors: dict[int, int]  # line inside a multi-line token -> the token's first line


def read_file(doc: Document) -> FileSuppressions:
    found = FileSuppressions(doc, [], [], {})
    if MARKER not in doc.text:
        return found
    scanned = scan(doc)
    for start, end in scanned.multiline:
        first, last = doc.line_col(start)[0], doc.line_col(end)[0]
        for line in range(first + 1, last + 1):
            found.anchors.setdefault(line, first)
    comment_lines = {doc.line_col(c)[0] for c in scanned.comments if _own_line(doc, c)}
    for offset in scanned.comments:
        end = doc.line_end(doc.line_col(offset)[0])
        if not _LOOSE.match(doc.text, offset, end):
            continue
        parsed = _parse(doc, offset, end, found.anchors, comment_lines)
        if parsed is None:
            found.malformed.append(Malformed(doc, offset, end))
        else:
            found.suppressions.append(parsed)
    return found


def _own_line(doc: Document, offset: int) -> bool:
    line = doc.line_col(offset)[0]
    return not doc.text[doc.offset(line, 1) : offset].strip()


def _parse(doc: Document, start: int, end: int, anchors: dict[int, int], comment_lines: set[int]) -> Suppression | None:
    match = _DIRECTIVE.match(doc.text, start, end)
    if match is None:
        return None
    rest = _REASON.match(match.group("rest"))
    if rest is None:
        return None
    codes = {}
    base = match.start("codes")
    for code in _CODE.finditer(match.group("codes")):
        codes.setdefault(code.group().upper(), (base + code.start(), base + code.end()))
    line = doc.line_col(start)[0]
    own = _own_line(doc, start)
    if match.group("kind") == "disable-file":
        targets: frozenset[int] = frozenset()
    elif own:
        target = line + 1
        while target in comment_lines:
            target += 1
        targets = frozenset({target})
    else:
        targets = frozenset({line, anchors.get(line, line)})
    reason = rest.group("reason") or None
    return Suppression(doc, match.group("kind") == "disable-file", start, end, codes,
                       (match.start("codes"), match.end("codes")), targets, own, reason)


# --- applying them ---------------------------------------------------------------------


def apply(diagnostics: list[Diagnostic], documents: dict[str, Document], config) -> list[Diagnostic]:
    """Drop suppressed findings and add RTC010 for suppressions that matched nothing."""
    if not getattr(config, "use_suppressions", True):
        return list(diagnostics)
    files = {path: read_file(doc) for path, doc in documents.items() if MARKER in doc.text}
    files = {path: f for path, f in files.items() if f.suppressions or f.malformed}
    if not files:
        return list(diagnostics)
    kept = [d for d in diagnostics if not _suppressed(d, files.get(d.path))]
    if config.enabled("RTC010"):
        for f in files.values():
            kept += unused(f, config)
    return kept


def _suppressed(diag: Diagnostic, found: FileSuppressions | None) -> bool:
    if found is None:
        return False
    line = found.doc.line_col(diag.span.start)[0]
    anchor = found.anchors.get(line, line)
    hit = False
    for s in found.suppressions:
        if s.covers(diag, line, anchor):
            s.used.add(diag.code)
            hit = True  # keep going: every suppression that covers it counts as used
    return hit


def unused(found: FileSuppressions, config) -> Iterable[Diagnostic]:
    from rtclint.rules import known_codes
    from rtclint.rules.registry import make_diagnostic

    known = known_codes()
    doc = found.doc
    for m in found.malformed:
        yield make_diagnostic("RTC010", doc.span(m.start, m.end),
                              "not a valid suppression, so it suppresses nothing: write "
                              "`# rtclint: disable=CODE[,CODE] -- reason`")
    for s in found.suppressions:
        # A code that is switched off in this run (--select/--ignore) cannot be judged.
        stale = [c for c in s.codes if c not in s.used and (c not in known or config.enabled(c))]
        if not stale:
            continue
        yield make_diagnostic("RTC010", doc.span(s.start, s.end), _unused_message(s, stale, known),
                              fix=_removal(s, stale))


def _unused_message(s: Suppression, stale: list[str], known) -> str:
    unknown = [c for c in stale if c not in known]
    where = "in this file" if s.file_level else "on the line it covers"
    parts = []
    if unknown:
        parts.append(f"{', '.join(unknown)} {'is not a rule code' if len(unknown) == 1 else 'are not rule codes'}")
    found = [c for c in stale if c in known]
    if found:
        parts.append(f"no {', '.join(found)} finding {where}")
    return "unused suppression: " + "; ".join(parts)


def _removal(s: Suppression, stale: list[str]) -> Fix:
    doc = s.doc
    keep = [c for c in s.codes if c not in stale]
    if keep:
        start, end = s.codes_span
        return Fix(Applicability.SAFE, f"remove {', '.join(stale)} from the suppression",
                   (Edit(Span(doc.path, start, end), ",".join(keep)),))
    line = doc.line_col(s.start)[0]
    if s.own_line:
        start = doc.offset(line, 1)
        end = doc.offset(line + 1, 1) if line < doc.line_count else len(doc.text)
        if line == doc.line_count and start > 0:  # last line: take the break before it instead
            start = doc.line_end(line - 1)
        end = max(end, s.end)
    else:
        start = s.start
        while start > 0 and doc.text[start - 1] in " \t":
            start -= 1
        end = s.end
    return Fix(Applicability.SAFE, "remove the unused suppression comment", (Edit(Span(doc.path, start, end), ""),))
