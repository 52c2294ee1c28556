"""What a template engine would hand the program, as far as rtclint can know it.

A template (Jinja2 `*.j2` as Ansible renders it, Helm/Go `{{ }}`, envsubst `${VAR}`,
a `*.sample`/`*.example` file's `<placeholder>`) is read as the file it renders to,
with every placeholder kept *opaque*:

- an expression (`{{ matrix_domain }}`, `<your-domain>`, `${HOST}`) becomes a token of
  the same length, made of letters, digits and dots (a host name with labels, valid in a
  URL, a YAML or JSON string), the same for the same expression: two files naming one
  variable agree, and the model links them as it would the real value; an expression
  alone on its line (it inserts lines of its own) becomes blanks;
- a tag (`{% if %}`, `{{ end }}`, `{# … #}`) becomes blanks; of an `if`, only the first
  branch is kept (a template is written for its feature on), loops keep their body once,
  macro and `define` bodies (not rendered in place) are blanked.

Blanks and tokens keep every offset, so whatever the program's parser finds in the
rendered text points at the same character of the template, and a finding that rests on
a placeholder (its place or a place it relates touches one, its message compares two, or
its file has a placeholder that inserts lines of its own) is dropped (`opaque_findings`):
a value that depends on a placeholder is unknown, never a defect. Messages name a
placeholder as the template writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

# {{ … }} (Jinja, Helm/Go), {% … %}, {# … #}; ${VAR} and <placeholder> only where the
# template's kind uses them (see render's `dollar`/`angle`).
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_DOLLAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}\n]*)?\}|\$[A-Z_][A-Z0-9_]*\b")
_ANGLE = re.compile(r"<[A-Za-z_][A-Za-z0-9_ .:/-]*>(?!\s*:)")
_GO_CONTROL = re.compile(r"\{\{-?\s*(/\*|if\b|else\b|end\b|range\b|with\b|define\b|block\b|template\b|break\b|"
                         r"continue\b)")
_HARMLESS = re.compile(r"ansible_managed|\|\s*comment\b")  # Ansible's "managed by" header line
_JINJA_WORD = re.compile(r"\{%[-+]?\s*(\w+)")
_JINJA_OPENERS = {"if", "for", "macro", "call", "filter", "block", "with", "raw", "autoescape", "set"}
_NOT_RENDERED_IN_PLACE = {"macro", "define", "set", "call", "filter"}


@dataclass
class Rendered:
    """A template rendered for parsing: placeholders opaque, with where each one was."""

    text: str
    placeholders: list[tuple[int, int]] = field(default_factory=list)  # tokens (offsets as in the template)
    tags: list[tuple[int, int]] = field(default_factory=list)  # blanked tags, comments and dropped branches
    tokens: dict[str, str] = field(default_factory=dict)  # token -> the placeholder as written
    # the rendering may replace references by values of another length (envsubst from a
    # container's environment): the findings' places hold, their fixes are not offered
    shifted: bool = False
    # placeholders alone on their line: they insert lines of their own (`{{ extra | to_nice_yaml }}`), so
    # what the file holds is unknown beyond what is written
    insertions: list[tuple[int, int]] = field(default_factory=list)

    @property
    def has_blocks(self) -> bool:
        return bool(self.tags)

    def touches(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a placeholder (an empty range: touches one)."""
        end = max(end, start + 1)
        return any(s < end and start < e for s, e in self.placeholders)


# A value a sample leaves to the user: `<your-domain>`, `{{ x }}`, `${X}`, `changeme`,
# `your_secret_here`, `xxxx`, `...`, an empty one, or LiveKit's public dev credentials.
_PLACEHOLDER_VALUE = re.compile(r"<.*>|\{\{.*\}\}|\$\{.*\}|.*change[-_ ]?me.*|.*\byour[-_ ].*|x{3,}|\.{3}|todo|"
                                r"replace[-_ ]?(me|this).*|secret|password|devkey", re.I)


def is_placeholder_value(value: str | None) -> bool:
    return value is None or not value.strip() or bool(_PLACEHOLDER_VALUE.fullmatch(value.strip()))


def token(expression: str, length: int) -> str:
    """The opaque stand-in for an expression: `length` letters, digits and dots, starting
    with a letter, the same for the same expression (spaces inside it do not count)."""
    import hashlib  # only for a tree with templates: a one-file run does not load OpenSSL

    key = re.sub(r"\s+", "", expression.strip("{}%#-+ "))
    digest = hashlib.sha1(key.encode()).hexdigest()
    plain = ("x" + digest * (length // len(digest) + 1))[:length]
    # a dot every sixth character: a host name with labels, as a domain would be (a bare
    # word reads as `localhost`-like and claims no public host)
    return "".join("." if i % 6 == 5 and 0 < i < length - 1 else ch for i, ch in enumerate(plain))


def render(text: str, *, jinja: bool = True, dollar: bool = False, angle: bool = False) -> Rendered:
    chars = list(text)
    out = Rendered(text)
    marks = []  # (start, end, kind) of every template construct, in order
    if jinja and ("{{" in text or "{%" in text or "{#" in text):
        marks += [(m.start(), m.end(), "jinja") for m in _JINJA.finditer(text)]
    if dollar and "$" in text:
        marks += [(m.start(), m.end(), "expr") for m in _DOLLAR.finditer(text)]
    if angle and "<" in text:
        marks += [(m.start(), m.end(), "expr") for m in _ANGLE.finditer(text)]
    marks.sort()
    stack: list[list] = []  # [opener, dropping]
    dropped_from: int | None = None
    last_end = 0
    for start, end, what in marks:
        if start < last_end:
            continue  # inside an earlier construct (`${X}` within `{{ }}`)
        last_end = end
        piece = text[start:end]
        control = _control(piece) if what == "jinja" else None
        if control is None:
            out.placeholders.append((start, end))
            if _alone_on_its_line(text, start, end):
                _blank(chars, start, end)
                if not _HARMLESS.search(piece):
                    out.insertions.append((start, end))
            else:
                _put(chars, start, token(piece, end - start))
                out.tokens[token(piece, end - start)] = piece
            continue
        was_dropping = any(d for _o, d in stack)
        _blank(chars, start, end)
        out.tags.append((start, end))
        word, opens = control
        if opens:
            stack.append([word, word in _NOT_RENDERED_IN_PLACE])
        elif word in ("elif", "else") and stack:
            stack[-1][1] = True  # only the first branch is rendered
        elif word.startswith("end") and stack:
            stack.pop()
        dropping = any(d for _o, d in stack)
        if dropping and not was_dropping:
            dropped_from = end
        elif was_dropping and not dropping and dropped_from is not None:
            _blank(chars, dropped_from, start)
            out.tags.append((dropped_from, start))
            dropped_from = None
    if dropped_from is not None:  # an unclosed block: blank to the end
        _blank(chars, dropped_from, len(text))
        out.tags.append((dropped_from, len(text)))
    # placeholders inside dropped branches are blanks now, not tokens
    out.placeholders = [(s, e) for s, e in out.placeholders if not _inside(s, out.tags)]
    out.insertions = [(s, e) for s, e in out.insertions if not _inside(s, out.tags)]
    out.text = "".join(chars)
    return out


def _control(piece: str) -> tuple[str, bool] | None:
    """(keyword, opens a block) for a tag or Go control action; None for an expression."""
    if piece.startswith("{#"):
        return ("comment", False)
    if piece.startswith("{%"):
        m = _JINJA_WORD.match(piece)
        word = m.group(1) if m else ""
        if word == "set" and "=" in piece:
            return ("set=", False)  # `{% set x = … %}` has no body
        return (word, word in _JINJA_OPENERS)
    m = _GO_CONTROL.match(piece)
    if m is None:
        return None
    word = m.group(1).rstrip()
    if word == "/*":
        return ("comment", False)
    word = "endgo" if word == "end" else word
    return (word, word in ("if", "range", "with", "define", "block"))


def _alone_on_its_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    rest = text[end:len(text) if line_end < 0 else line_end]
    return not text[line_start:start].strip(" \t-") and not rest.strip()


def _inside(offset: int, regions: list[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in regions)


def _put(chars: list[str], start: int, text: str) -> None:
    chars[start:start + len(text)] = list(text)


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "


def opaque_findings(diagnostics: list, rendered_by_path: dict[str, Rendered]) -> list:
    """The findings that do not rest on a placeholder: none of their places (nor a place
    they relate) touches one, their message does not compare two, and they are not in a
    template that inserts lines of its own (whatever it says is set or missing there
    may be what the insertion holds)."""
    if not rendered_by_path:
        return diagnostics
    tokens = {t: e for r in rendered_by_path.values() for t, e in r.tokens.items() if len(t) >= 6}
    kept = []
    for diag in diagnostics:
        spans = [diag.span, *(r.span for r in diag.related)]
        own = rendered_by_path.get(diag.span.path)
        if own is not None and own.insertions:
            continue
        if any(s.path in rendered_by_path and rendered_by_path[s.path].touches(s.start, s.end) for s in spans):
            continue
        if tokens and sum(1 for t in tokens if t in diag.message) >= 2:
            continue  # it compares unknowns (a host it names is fine: the same variable, the same host)
        if own is not None and own.shifted and diag.fix is not None:
            diag = replace(diag, fix=None)  # its edits were computed on the rendered text
        kept.append(_as_written(diag, tokens) if tokens else diag)
    return kept


def _as_written(diag, tokens: dict[str, str]):
    """The finding with each token in its message, notes and fix as the template writes
    it (a fix copies `{{ matrix_domain }}`, never its stand-in)."""
    def back(text: str) -> str:
        for tok in (t for t in tokens if t in text):
            text = text.replace(tok, tokens[tok])
        return text

    fix = diag.fix
    if fix is not None and any(t in e.content or t in fix.message for e in fix.edits for t in tokens):
        fix = replace(fix, message=back(fix.message), edits=tuple(replace(e, content=back(e.content))
                                                                  for e in fix.edits))
    related = tuple(replace(r, message=back(r.message)) for r in diag.related)
    return replace(diag, message=back(diag.message), fix=fix, related=related)


def render_for(doc, env: dict[str, str | None] | None = None) -> tuple[str | None, Rendered]:
    """(the kind of file a template stands for, its rendered text) for a Document of kind
    `template`; the kind is None when neither name nor content tells. `env`: the
    environment of the container that renders an nginx envsubst template, when known
    (template_envsubst.py): then only the variables it declares without a value are
    placeholders, and the text is the template's with those as tokens."""
    from rtclint.discover import kind_from_name, template_of
    from rtclint.sniff import kind_from_content

    stem, style = template_of(doc.path) or (doc.path, "jinja")
    options = {"dollar": style in ("envsubst", "sample"), "angle": style == "sample"}
    kind = kind_from_name(stem)
    if kind is None or kind == "template":
        kind = kind_from_content(render(doc.text, **options).text, stem)
    if kind == "nginx" and style == "envsubst" and env is not None:
        from rtclint.parsers.template_envsubst import references

        rendered = render(doc.text)
        for start, end, name in references(doc.text, env):
            if env[name] is None:
                rendered.placeholders.append((start, end))
                rendered.tokens[token(doc.text[start:end], end - start)] = doc.text[start:end]
            rendered.shifted = rendered.shifted or len(env[name] or "") != end - start
        return kind, rendered
    rendered = render(doc.text, **options)
    rendered.shifted = kind == "nginx" and style == "envsubst" and bool(rendered.placeholders)
    return kind, rendered


def is_envsubst(path: str) -> bool:
    from rtclint.discover import template_of

    return (template_of(path) or ("", ""))[1] == "envsubst"


def rendered_templates(documents: dict, files: dict, services: list = ()) -> dict[str, Rendered]:
    """path -> rendered text of every template of the run (kind `template`) and every
    YAML file the reader found templated (Helm, Jinja), for `opaque_findings`;
    `services`, the deployment's, give an envsubst template its container's environment."""
    out = {}
    for path, facts in files.items():
        doc = documents.get(path)
        if doc is None:
            continue
        if doc.kind == "template":
            env = None
            if is_envsubst(path):
                from rtclint.parsers.template_envsubst import env_from_services

                env = env_from_services(doc, services, documents)
            out[path] = render_for(doc, env)[1]
        elif getattr(facts, "templated", False):
            out[path] = render(doc.text)
    return out
