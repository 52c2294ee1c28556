"""nginx files as a configuration: contexts, includes, and crossplane's directive checks.

Each file is lexed once (`nginx_lexer`). Its context comes from the file that includes
it, or — for a standalone snippet such as `sites-enabled/example` or `conf.d/x.conf`
holding bare `server {}` blocks — from its own top-level directives: the first of main,
http, server, location in which crossplane's directive table allows all of them.
Directive placement and argument counts are checked with crossplane's analyzer, in that
context, so a snippet is judged as nginx judges it once it is included.

Include policy (RTC003):
- relative patterns resolve against the nginx prefix (the directory of the main file,
  or for a snippet its own directory, then its parent — `sites-enabled/x` includes
  `snippets/y.conf` relative to /etc/nginx); an unmatched one is reported, globs too
  (nginx then silently includes nothing), except the files Debian's nginx package
  ships next to nginx.conf (`mime.types`, `fastcgi_params`, `proxy_params`…);
- an absolute pattern that points into the checked tree is resolved there;
- an absolute pattern under a standard nginx prefix (`/etc/nginx/…`) is mapped onto
  the main file's directory (the repository mirrors /etc/nginx) and reported only when
  the tree holds that directory (`snippets/`, or nginx.conf for files directly in it);
- any other absolute path (`/etc/letsencrypt/options-ssl-nginx.conf`) belongs to the
  host, not the repository, and is never reported.
"""

from __future__ import annotations

import functools
import os
import weakref
from dataclasses import dataclass, field

from rtclint.document import Document
from rtclint.parsers.nginx_lexer import IncludedFile, Parsed, Stmt, Word, parse_text

MAIN: tuple = ()
HTTP = ("http",)
SERVER = ("http", "server")
LOCATION = ("http", "location")
_GUESS_ORDER = (HTTP, SERVER, LOCATION)

# Files the Debian/upstream nginx packages install next to nginx.conf: a repository
# that keeps only its own files does not have them, and that is not a mistake.
STOCK_FILES = {"mime.types", "fastcgi_params", "fastcgi.conf", "proxy_params", "scgi_params", "uwsgi_params",
               "koi-utf", "koi-win", "win-utf", "snippets/fastcgi-php.conf", "snippets/snakeoil.conf"}
NGINX_PREFIXES = ("/etc/nginx/", "/usr/local/nginx/conf/", "/usr/local/etc/nginx/", "/opt/homebrew/etc/nginx/",
                  "/etc/openresty/", "/usr/local/openresty/nginx/conf/")
_SNIPPET_DIRS = {"sites-enabled", "sites-available", "conf.d", "snippets", "http.d", "vhosts.d", "servers",
                 "includes", "include", "stream.d", "streams-enabled", "default.d"}
MAX_INCLUDE_DEPTH = 16


@dataclass
class Problem:
    """A finding about a file: RTC001 (syntax/directive) or RTC003 (include)."""

    code: str
    path: str
    start: int
    end: int
    message: str


def directives_table():
    from crossplane import analyzer

    return analyzer


def guess_context(stmts: list[Stmt]) -> tuple:
    """The context a standalone file's top-level directives belong to."""
    an = directives_table()
    directives = an.DIRECTIVES
    names = frozenset([s.name for s in stmts if s.name in directives])
    return _guess(an, names)


# the answer depends on the set of names only, and a tree's files share a few sets
@functools.lru_cache(maxsize=1024)
def _guess(an, names: frozenset) -> tuple:
    if any(_allowed(an, n, MAIN) and not _allowed(an, n, HTTP) for n in names):
        return MAIN
    for ctx in _GUESS_ORDER:
        if all(_allowed(an, n, ctx) for n in names):
            return ctx
    return HTTP


def _allowed(an, name: str, ctx: tuple) -> bool:
    return any(mask & an.CONTEXTS[ctx] for mask in an.DIRECTIVES[name])


@dataclass
class Include:
    """An nginx `include` and the files it matches (or the RTC003 message when none)."""

    stmt: Stmt
    ctx: tuple
    matches: list[str]  # absolute paths
    report: str | None  # RTC003 message, when the include matches nothing and that counts


@dataclass
class NginxState:
    """Per-run cache: every nginx file parsed once; who includes whom."""

    tree: object
    parsed: dict[str, Parsed] = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)
    _includers: dict[str, tuple[str, tuple]] | None = None
    _kinds: dict[str, str] | None = None
    # Bumped whenever `expand` attaches includes (statements change): memos built from
    # statements (`nginx.all_upstreams`) are valid for one generation only.
    generation: int = 0
    memo: dict = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict)
    _mentions: dict[tuple[str, str], bool] = field(default_factory=dict)

    def text_of(self, path: str) -> str:
        """The text of a parsed file by its display path (KeyError if none is parsed)."""
        if path not in self._texts:
            self._texts.update((d.path, d.text) for d in self.docs.values())
        return self._texts[path]

    def parse(self, doc: Document) -> Parsed:
        if doc.abspath not in self.parsed:
            self.parsed[doc.abspath] = parse_text(doc.text, doc.path)
            self.docs[doc.abspath] = doc
            self._texts[doc.path] = doc.text
        return self.parsed[doc.abspath]

    def load(self, abspath: str) -> tuple[Document, Parsed] | None:
        doc = self.docs.get(abspath) or self.tree.load(abspath)
        if doc is None:
            return None
        return doc, self.parse(doc)

    def nginx_files(self) -> list[str]:
        """The nginx files of this run: `tree.kinds` when the engine provides it, else
        found by the same discovery over the tree's roots (once per run)."""
        kinds = self.kinds()
        return sorted(p for p, k in kinds.items() if k == "nginx")

    def kinds(self) -> dict[str, str]:
        kinds = getattr(self.tree, "kinds", None)
        if kinds:
            return kinds
        if self._kinds is None:
            from rtclint.discover import discover

            self._kinds = {c.abspath: c.kind for c in discover(self.tree.roots) if c.kind and c.problem is None}
        return self._kinds

    def includer_of(self, abspath: str) -> tuple[str, tuple] | None:
        """(including file, context at the include) when another checked nginx file
        includes this one; then that file's model already covers this one."""
        if self._includers is None:
            self._includers = self._include_graph()
        return self._includers.get(abspath)

    def _include_graph(self) -> dict[str, tuple[str, tuple]]:
        """Walk from the files nothing includes (the real roots), carrying each file's
        context down, so a file gets the context of the include nginx follows, not the
        guess from its own content or a loop back."""
        own_ctx: dict[str, tuple] = {}
        targets: set[str] = set()
        for path in self.nginx_files():
            if not self.mentions(path, "include"):
                continue  # includes nothing: no edges, and parse workers need not lex it
            loaded = self.load(path)
            if loaded is None:
                continue
            own_ctx[path] = guess_context(loaded[1].stmts)
            targets.update(t for _, _, t in self._edges(path, own_ctx[path], conf_bases(path, own_ctx[path])))
        found: dict[str, tuple[str, tuple]] = {}
        for root in [p for p in own_ctx if p not in targets] + [p for p in own_ctx if p in targets]:
            if root in found:
                continue
            bases = conf_bases(root, own_ctx[root])
            queue = [(root, own_ctx[root])]
            while queue:
                current, ctx = queue.pop(0)
                for _, inc_ctx, target in self._edges(current, ctx, bases):
                    if target not in found and target != root:
                        found[target] = (current, inc_ctx)
                        queue.append((target, inc_ctx))
        return found

    def _edges(self, path: str, ctx: tuple, bases: list[str]) -> list[tuple[str, tuple, str]]:
        loaded = self.load(path)
        if loaded is None:
            return []
        doc, parsed = loaded
        return [(path, inc.ctx, t) for inc in find_includes(self, doc, parsed.stmts, ctx, bases)
                for t in inc.matches if t != path]

    def mentions(self, abspath: str, *words: str) -> bool:
        """Whether the file's text contains one of these words (escapes never make
        letters, so a directive name is always spelled out): a cheap test before parsing."""
        for word in words:
            found = self._mentions.get((abspath, word))
            if found is None:
                # remembered: every file is asked about `include` and `upstream` several
                # times per run, and each answer is a pass over its text
                doc = self.docs.get(abspath) or self.tree.load(abspath)
                found = self._mentions[(abspath, word)] = doc is not None and word in doc.text
            if found:
                return True
        return False

    def is_checked(self, abspath: str) -> bool:
        return abspath in self.kinds()


_STATES: "weakref.WeakKeyDictionary[object, NginxState]" = weakref.WeakKeyDictionary()


def state_for(tree) -> NginxState:
    state = _STATES.get(tree)
    if state is None:
        # a proxy: a value holding its own weak key strongly would keep every run's
        # parsed statements alive for the life of the process
        state = NginxState(weakref.proxy(tree))
        _STATES[tree] = state
    return state


def conf_bases(abspath: str, ctx: tuple) -> list[str]:
    """Directories relative include patterns are tried against, best first."""
    here = os.path.dirname(abspath)
    bases = [here]
    if ctx != MAIN or os.path.basename(here) in _SNIPPET_DIRS:
        parent = os.path.dirname(here)
        if parent and parent != here:
            bases.append(parent)
    return bases


def enter(stmt: Stmt, ctx: tuple) -> tuple:
    """The context inside `stmt`'s block (crossplane's `enter_block_ctx`: a `location`
    anywhere under http is ('http', 'location'), any other block appends its name)."""
    if ctx and ctx[0] == "http" and stmt.name == "location":
        return _HTTP_LOCATION
    return ctx + (stmt.name,)


_HTTP_LOCATION = ("http", "location")


def find_includes(state: NginxState, doc: Document, stmts: list[Stmt], ctx: tuple, bases: list[str]) -> list[Include]:
    """Every `include` in these statements (recursively into blocks, not into files)."""
    found: list[Include] = []
    for stmt in stmts:
        if stmt.name == "include" and len(stmt.args) == 1 and stmt.terminator == ";":
            found.append(resolve_include(state, stmt, ctx, bases))
        if stmt.block is not None and stmt.name:
            found += find_includes(state, doc, stmt.block, enter(stmt, ctx), bases)
    return found


def resolve_include(state: NginxState, stmt: Stmt, ctx: tuple, bases: list[str]) -> Include:
    pattern = stmt.args[0].value
    tree = state.tree
    if os.path.isabs(pattern):
        if tree.inside(pattern):
            matches = tree.glob(pattern, "/")
            return Include(stmt, ctx, matches, None if matches else _missing(pattern))
        relative = _strip_prefix(pattern)
        if relative is None:
            return Include(stmt, ctx, [], None)  # the host's file, not the repository's
    else:
        relative = pattern
    for base in bases:
        matches = tree.glob(relative, base)
        if matches:
            return Include(stmt, ctx, matches, None)
    if relative in STOCK_FILES:
        return Include(stmt, ctx, [], None)
    if os.path.isabs(pattern) and not _mirrors(tree, bases, relative):
        return Include(stmt, ctx, [], None)
    return Include(stmt, ctx, [], _missing(pattern))


def _missing(pattern: str) -> str:
    return f"include '{pattern}' matches no file in the tree"


def _strip_prefix(pattern: str) -> str | None:
    for prefix in NGINX_PREFIXES:
        if pattern.startswith(prefix):
            return pattern[len(prefix):]
    return None


def _mirrors(tree, bases: list[str], relative: str) -> bool:
    """Does the tree mirror the nginx prefix where this `/etc/nginx/…` path points?
    Yes when the file's directory is there (`snippets/`), or, for a file directly in
    the prefix, when the main `nginx.conf` is. Asked through the tree, so the parse
    cache knows the answer decides this file's facts (a `snippets/` folder added later)."""
    directory = os.path.dirname(relative)
    if directory:
        return any(tree.isdir(os.path.join(b, directory)) for b in bases)
    return any(tree.isfile(os.path.join(b, "nginx.conf")) for b in bases)


def expand(state: NginxState, doc: Document, stmts: list[Stmt], ctx: tuple, bases: list[str],
           seen: tuple[str, ...] = ()) -> None:
    """Attach the statements of included files to each `include` statement (in place),
    recursively, so the model sees what nginx sees."""
    if len(seen) > MAX_INCLUDE_DEPTH:
        return
    for inc in find_includes(state, doc, stmts, ctx, bases):
        state.generation += 1
        inc.stmt.includes = []
        for target in inc.matches:
            if target in seen or target == doc.abspath:
                continue
            loaded = state.load(target)
            if loaded is None:
                continue
            sub_doc, sub_parsed = loaded
            expand(state, sub_doc, sub_parsed.stmts, inc.ctx, bases, seen + (doc.abspath,))
            inc.stmt.includes.append(IncludedFile(target, sub_doc.path, sub_parsed.stmts))


def flatten(stmts: list[Stmt]) -> list[Stmt]:
    """Statements of a block with `include`s replaced by the included statements."""
    out: list[Stmt] = []
    for stmt in stmts:
        if stmt.name == "include" and stmt.includes:
            for inc in stmt.includes:
                out += flatten(inc.stmts)
            continue
        out.append(stmt)
    return out


__all__ = ["Word", "Stmt", "Problem", "state_for", "guess_context", "expand", "flatten", "conf_bases"]
