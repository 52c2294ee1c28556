"""The module tree of a .nix file: the file and every module its `imports` name, as
lib/modules.nix collectModules gathers them (each module once, imports of imports
followed). A path (`./matrix.nix`, a directory meaning its default.nix) inside the
checked tree is read; an inline module (`{ … }` or `{ config, ... }: { … }`) is taken as
written; what Nix must compute (`<nixpkgs/…>`, `inputs.x.nixosModules.y`, `modulesPath +
…`) is a module rtclint cannot see, and the options it could set are not known to it.

A file that another file of the tree imports is read through that file only, so its
settings are merged once, with the others (`imported_elsewhere`).
"""

from __future__ import annotations

import os

from rtclint.document import Document
from rtclint.parsers.nix_syntax import Parsed, parse, unify_module
from rtclint.parsers.nix_values import UNKNOWN, NixValue

MAX_MODULES = 500
MAX_CACHED = 256
_PARSED: dict[str, tuple[str, Parsed]] = {}  # abspath -> (text, parse) for files read more than once


def parsed(doc: Document) -> Parsed:
    """The parse of a .nix file, once per text: a module is parsed for its own reading and
    again when the files that import it are read."""
    cached = _PARSED.get(doc.abspath)
    if cached is not None and cached[0] is doc.text:
        return cached[1]
    result = parse(doc)
    if len(_PARSED) >= MAX_CACHED:  # a long-lived process (the language server): keep it bounded
        _PARSED.clear()
    _PARSED[doc.abspath] = (doc.text, result)
    return result


def import_target(base: str, value: NixValue) -> str | None:
    """The file a path literal in `base` names (a directory: its default.nix)."""
    if value.kind == UNKNOWN and isinstance(value.value, NixValue):  # `import ./x.nix`
        value = value.value
    if value.kind != "path" or not isinstance(value.value, str) or value.value.startswith(("<", "~")):
        return None
    path = os.path.normpath(os.path.join(os.path.dirname(base), value.value))
    return os.path.join(path, "default.nix") if os.path.isdir(path) else path


def inline_module(value: NixValue) -> tuple[NixValue | None, NixValue | None] | None:
    """(config, imports) of a module written in place; None when Nix must compute it."""
    if value.kind == UNKNOWN and value.body is not None:  # `{ config, ... }: { … }`
        value = value.body
    if value.kind != "attrs":
        return None
    return unify_module(value)


def collect(doc: Document, first: list[NixValue], tree, seen: set[str] | None = None) -> list[NixValue]:
    """The configs of the modules `first` (items of a module list written in `doc`) and
    of everything they import; `seen` gathers the files read."""
    configs: list[NixValue] = []
    seen = set() if seen is None else seen
    queue: list[tuple[Document, NixValue]] = [(doc, item) for item in first]
    while queue and len(configs) < MAX_MODULES:
        base, item = queue.pop(0)
        target = import_target(base.abspath, item)
        if target is not None:
            if target in seen or not _readable(target, tree):
                continue
            seen.add(target)
            other = tree.load(target)
            result = parsed(other) if other is not None and other.kind == "nix" else None
            if result is None or result.root is None:
                continue
            configs.append(result.root)
            queue += [(other, i) for i in _items(result.imports)]
            continue
        module = inline_module(item)
        if module is not None:
            config, imports = module
            configs.append(config)
            queue += [(base, i) for i in _items(imports)]
    return configs


def module_tree(doc: Document, result: Parsed, tree, seen: set[str] | None = None) -> list[NixValue]:
    """The configs of `doc`'s own module and all it imports."""
    own = [result.root] if result.root is not None else []
    seen = set() if seen is None else seen
    seen.add(doc.abspath)  # each module once (collectModules keys them): `imports = [ ./. ]` is itself
    return own + collect(doc, _items(result.imports), tree, seen)


def depends_on(doc: Document, tree, read: set[str]) -> list[str]:
    """The files a .nix file's reading depends on, for the parse cache: those it read,
    and every other .nix file of the run (any of them may import it, which changes what
    it gives)."""
    kinds = getattr(tree, "kinds", None) or {}
    others = {path for path, kind in kinds.items() if kind == "nix"}
    return sorted((read | others) - {doc.abspath})


def _items(imports: NixValue | None) -> list[NixValue]:
    return list(imports.value) if imports is not None and imports.kind == "list" else []


def _readable(path: str, tree) -> bool:
    kinds = getattr(tree, "kinds", None)
    if kinds is not None:
        return kinds.get(path) == "nix"
    return tree.inside(path) and tree.isfile(path)


def _direct_imports(doc: Document, result: Parsed) -> set[str]:
    listed = _items(result.imports) + [m for host in result.hosts for m in host] + list(result.exported.values())
    return {t for t in (import_target(doc.abspath, i) for i in listed) if t is not None}


def imported_elsewhere(doc: Document, tree) -> bool:
    """Another .nix file of the run imports this one (and this one does not import it
    back: in a cycle each file is still read)."""
    kinds = getattr(tree, "kinds", None)
    if not kinds:
        return False
    mine = parsed(doc)
    reach = set(_direct_imports(doc, mine))
    for path, kind in kinds.items():
        if kind != "nix" or path == doc.abspath or path in reach:
            continue
        other = tree.load(path)
        if other is not None and doc.abspath in _direct_imports(other, parsed(other)):
            return True
    return False
