"""Templates and samples, read as the file they stand for.

`nginx.conf.j2` (an Ansible role), `default.conf.template` (the official nginx image
renders `/etc/nginx/templates/*.template` into `conf.d` with envsubst),
`homeserver.yaml.sample`, `livekit.yaml.example`: discover.py gives them the kind
`template` when the name without its suffix is a kind rtclint reads and the real file
is not beside them. template_render.py turns the placeholders into opaque values of the
same length; the program's own parser reads the result, so every fact points into the
template itself, and the engine drops the findings that rest on a placeholder.

A template is not the program's input until rendered: a syntax error is reported only
where no template construct can have caused it (a file without `{% %}` blocks, a line
without a placeholder).
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree
from rtclint.parsers.unmodelled import SUBKIND as UNMODELLED
from rtclint.parsers.template_envsubst import back_onto_template, container_env, substitute
from rtclint.parsers.template_render import Rendered, is_envsubst, render, render_for, token


def read(doc: Document, tree: Tree) -> FileFacts:
    from rtclint.parsers import parser_for

    kind, rendered = render_for(doc)
    if kind == "foreign":  # an Apache vhost template: named by RTC004 like the file it renders to
        return FileFacts(doc.path, subkind=UNMODELLED, templated=True)
    parser = parser_for(kind) if kind not in (None, "template") else None
    if parser is None:
        return FileFacts(doc.path, templated=True)
    text, moves, read_from = rendered.text, [], []
    found = container_env(doc, tree) if kind == "nginx" and is_envsubst(doc.path) else None
    if found is not None:  # rendered as the nginx image will, from the mounting service's environment
        env, read_from = found
        text, moves = substitute(render(doc.text, dollar=False).text, env, lambda ref: token(ref, len(ref)))
    as_rendered = Document(path=doc.path, abspath=doc.abspath, kind=kind, text=text,  # type: ignore[arg-type]
                           encoding=doc.encoding, bom=doc.bom)
    facts = parser.read(as_rendered, tree)
    back_onto_template(facts, doc.path, moves)
    facts.includes += [p for p in read_from if p not in facts.includes]
    facts.templated = True
    facts.diagnostics = [d for d in facts.diagnostics if not _caused_by_template(d, doc, rendered)]
    return facts


def _caused_by_template(diag, doc: Document, rendered: Rendered) -> bool:
    if diag.code != "RTC001" or diag.span.path != doc.path:
        return False
    if rendered.has_blocks:
        return True
    line_start = doc.text.rfind("\n", 0, diag.span.start) + 1
    line_end = doc.text.find("\n", diag.span.start)
    return rendered.touches(line_start, len(doc.text) if line_end < 0 else line_end)
