"""What a Caddy `file_server` route needs to name the file it serves: the `root`s in effect,
`try_files`, and the prefix `handle_path`/`uri strip_prefix` removed (model/static_files.py
does the path arithmetic against the tree).

As `caddy adapt` (v2.11) writes them: `root [matcher] path` is a `vars` handler setting
`{http.vars.root}`; with one argument that argument is the path, never a matcher
(httpcaddyfile/builtins.go parseRoot). The `root` directives of one block form a route
group, sorted most specific first, so the first whose matcher takes the request wins; an
inner block's root is set later and overrides. `try_files files…` takes no matcher of its
own: it is a `file` matcher over the same root and a rewrite to the first file that
exists. `file_server { root path }` overrides the variable for that handler only.
"""

from __future__ import annotations

from rtclint.model.proxy import PathMatch
from rtclint.parsers.caddy_matchers import matcher_token
from rtclint.parsers.caddy_syntax import Directive


def root_entry(d: Directive, enclosing: PathMatch, scope: PathMatch,
               own_facts: dict) -> tuple[PathMatch, str | None, bool]:
    """(the paths it applies to, its path, whether it has a matcher of its own) for one
    `root` directive; the path is None when a non-path matcher (header, method, …) decides
    whether it applies: unknown here."""
    if len(d.args) == 2:
        return enclosing, d.args[1].text, False
    token = matcher_token(d)
    args = d.args[2:] if token is not None else d.args[1:]
    conditional = bool(own_facts.get("conditions") or own_facts.get("unknown_matcher"))
    return scope, (args[0].text if args and not conditional else None), token is not None and token.text != "*"


def root_group(entries: list[tuple[PathMatch, str | None, bool]]) -> tuple:
    """A block's `root`s in the order Caddy tries them: those with a matcher first (in
    the specificity order the directives were sorted in), then those without (`*` or the
    one-argument form, which rtclint's sort may have taken for a path matcher)."""
    return tuple((scope, path) for scope, path, _ in sorted(entries, key=lambda e: not e[2]))


def try_files_entry(d: Directive, enclosing: PathMatch) -> tuple[PathMatch, tuple[str, ...]]:
    """`try_files files…` takes no matcher (parseTryFiles reads every argument as a file):
    a first argument `/x` is a file, and the directive applies wherever its block does."""
    return enclosing, tuple(t.text for t in d.args[1:])


def file_server_facts(d: Directive, roots: tuple, try_files: tuple, strip: str) -> dict:
    """Route.facts of a `file_server` route: 'roots' (groups of (PathMatch, path) from the
    outermost block in), 'try_files' ((PathMatch, files) in order), 'strip', 'file_root'."""
    facts: dict = {"roots": roots, "try_files": try_files, "strip": strip}
    for block in d.blocks:
        for line in block.lines:
            if line.name == "root" and len(line.args) == 2:
                facts["file_root"] = line.args[1].text
    return facts
