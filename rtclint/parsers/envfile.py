"""`.env` files: `NAME=value` lines, as Docker Compose reads them (`env_file:`, the project
`.env`) and as systemd `EnvironmentFile=` mostly does.

A file on its own becomes a Service(source='env-file') whose role comes from its
variables; when a Compose service names it in `env_file:`, the Compose reader merges the
variables into that service instead (and the deployment drops the stand-alone copy).
Quoting follows compose-go's dotenv: `'single'` is literal, `"double"` knows `\\n`, `\\"`
and `\\\\`, an unquoted value ends at ` #`; `expand_references` expands `${VAR}` as
Compose does for env files. A template to copy (`.env.example`, `.env.sample`, …) is no
program's file: it gives no Service. Malformed lines are RTC001, never a crash.
"""

from __future__ import annotations

import functools
import os
import re

from rtclint.document import Document
from rtclint.model import EnvVar, FileFacts, Service
from rtclint.model.roles import role_from_env
from rtclint.parsers.base import Tree, parse_error
from rtclint.resolve.compose_interpolate import InterpolationError, interpolate


@functools.cache  # at first use (~0.2 ms): a Compose run imports this module, and rarely has a .env
def _line() -> re.Pattern:
    return re.compile(r"[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")


_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}

def expand_references(doc: Document, variables: list[EnvVar], known: dict[str, str]) -> tuple[list[EnvVar], set[str]]:
    """The variables with `${VAR}` in their values expanded as Compose's dotenv does:
    from `known` (the project's variables), then from the file's earlier lines; a
    single-quoted value is literal. Returns (variables, names whose value needs a
    variable set nowhere: their value stays as written)."""
    seen: dict[str, str] = {}
    unknown: set[str] = set()
    for var in variables:
        if var.value is not None and "$" in var.value and not _single_quoted(doc, var):
            try:
                expansion = interpolate(var.value, {**seen, **known})
            except InterpolationError:
                expansion = None
            if expansion is None or expansion.value is None:
                unknown.add(var.name)
            else:
                var.value = expansion.value
        if var.value is not None and var.name not in unknown:
            seen[var.name] = var.value
    return variables, unknown


def _single_quoted(doc: Document, var: EnvVar) -> bool:
    span = var.value_span
    return span is not None and span.start > 0 and doc.text[span.start - 1] == "'"


def parse_env(doc: Document) -> tuple[list[EnvVar], list]:
    """(variables in file order, RTC001 diagnostics for lines that are not assignments)."""
    found: list[EnvVar] = []
    problems = []
    text = doc.text
    pos = 0
    while pos < len(text):
        eol = text.find("\n", pos)
        eol = len(text) if eol == -1 else eol
        line = text[pos:eol].rstrip("\r")
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            match = _line().match(line)
            if match is None:
                col = len(line) - len(line.lstrip())
                problems.append(parse_error(doc, pos + col, "expected NAME=value"))
            else:
                var, eol = _assignment(doc, pos, match, eol)
                found.append(var)
        pos = eol + 1
    return found, problems


def _assignment(doc: Document, line_start: int, match: re.Match, eol: int) -> tuple[EnvVar, int]:
    """One `NAME=value`; a quoted value may run over several lines (returns its end)."""
    text = doc.text
    name = match.group("name")
    name_start = line_start + match.start("name")
    vstart = line_start + match.end()
    quote = text[vstart : vstart + 1]
    if quote in ("'", '"'):
        value, close = _quoted(text, vstart, quote)
        if close is not None:
            eol = max(eol, text.find("\n", close) if text.find("\n", close) != -1 else len(text))
            value_span = doc.span(vstart + 1, close)
            end = close + 1
        else:  # unterminated: the rest of the line, as compose-go does
            value, value_span, end = text[vstart + 1 : eol].rstrip("\r"), doc.span(vstart + 1, eol), eol
    else:
        raw = text[vstart:eol].rstrip("\r")
        comment = re.search(r"[ \t]#", raw)
        if comment:
            raw = raw[: comment.start()]
        value = raw.rstrip()
        value_span = doc.span(vstart, vstart + len(value))
        end = vstart + len(value)
    var = EnvVar(name, value, doc.span(name_start, end), value_span=value_span,
                 name_span=doc.span(name_start, name_start + len(name)), from_file=doc.path)
    return var, eol


def _quoted(text: str, start: int, quote: str) -> tuple[str, int | None]:
    out = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i
        if quote == '"' and ch == "\\" and i + 1 < len(text):
            out.append(_DQ_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out), None


# `.env.example`, `env.sample`, `.env.dist`: a template for the user to copy, loaded by no
# program (unless a Compose `env_file:` names it; the Compose reader merges it then).
_TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl", ".tpl")


def read(doc: Document, tree: Tree) -> FileFacts:
    env, problems = parse_env(doc)
    facts = FileFacts(doc.path, diagnostics=problems, subkind="env")
    if env and not os.path.basename(doc.path).lower().endswith(_TEMPLATE_SUFFIXES):
        name = os.path.basename(doc.path)
        service = Service(name=name, role=role_from_env(v.name for v in env) or "other", source="env-file",
                          span=env[0].span, env={v.name: v for v in env}, group=os.path.dirname(doc.path))
        facts.services.append(service)
        keys = service.env.get("LIVEKIT_KEYS")
        if keys is not None and keys.value is not None:
            from rtclint.parsers.compose_links import keys_config  # only for LIVEKIT_KEYS (loads PyYAML)

            cfg = keys_config(keys, tree, name)
            cfg.facts["env_file"] = True
            facts.livekit.append(cfg)
    return facts
