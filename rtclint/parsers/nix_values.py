"""What the Nix reader gives: `NixValue`, a value as written with its spans, and the
merging of attribute sets Nix itself does when one name is bound twice in a literal.

Kinds: 'str', 'int', 'float', 'bool', 'null', 'path', 'list', 'attrs', 'unknown' (Nix
would have to compute it), and the module system's properties before `nix_modules`
resolves them: 'if' (`mkIf`), 'override' (`mkOverride`, `mkDefault`, `mkForce`, …) and
'merge' (`mkMerge`); 'order' (`mkOrder`, `mkBefore`, `mkAfter`), which the module system
sorts by after choosing the winning priority; 'option', an option declaration (`mkOption`,
`mkEnableOption`) whose default `nix_calls.option_defaults` turns into a definition; and
'interp', a string with `${…}` of option references (`"http://127.0.0.1:${toString
cfg.port}"`) that `nix_refs` completes once the options are merged.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtclint.document import Span

UNKNOWN = "unknown"
PROPERTIES = ("if", "override", "merge")  # the module system's wrappers, resolved by nix_modules
OPTION = "option"  # `mkOption { … }` / `mkEnableOption …`: value is its default (a NixValue) or None
ORDER = "order"  # `mkOrder n x`: value x, priority n (mkBefore 500, default 1000, mkAfter 1500)
# a string waiting for references: value (chars, deferred) — chars as nix_strings keeps
# them, PLACEHOLDER standing for each deferred (NixValue, how: a COERCIONS key) in turn
INTERP = "interp"
PLACEHOLDER = "\0"  # never in a Nix string (they cannot hold NUL)
NOT_A_VALUE = (UNKNOWN, OPTION, ORDER, INTERP, *PROPERTIES)
# how a `${…}` turns a value into text: as it is (a string), `toString`, `builtins.toJSON`
COERCIONS = {"": "", "toString": "toString", "builtins.toString": "toString", "builtins.toJSON": "toJSON"}


@dataclass(slots=True)
class NixValue:
    """A value as written (kinds: the module docstring). Strings carry the source offset
    of each character (`offsets`), lists a list of NixValue, attribute sets a dict name ->
    NixValue; 'if' and 'override' the NixValue they wrap, 'merge' a list of them."""

    kind: str
    value: object
    span: Span
    key_span: Span | None = None  # the attribute name it is bound to
    offsets: list[int] | None = None
    why: str = ""  # for 'unknown': what rtclint could not evaluate
    partial: bool = False  # attrs: some attributes have names rtclint cannot know
    # 'unknown' standing for `config.<path>` (also through `cfg = config.services.x`):
    # a `mkIf` condition rtclint may decide from the options set literally
    ref: tuple[str, ...] | None = None
    cond: tuple | None = None  # 'if': the condition (nix_modules.decide reads it)
    priority: int | None = None  # 'override': mkOverride's priority (lower wins); 'order': mkOrder's
    body: "NixValue | None" = None  # 'unknown' for a function: what it returns (a module's `{ … }`)
    paths: list[str] | None = None  # 'str' joined from several files (types.lines): each character's file
    # 'attrs': bindings whose name waits for option references, (name 'interp', the names
    # after it, value); nix_refs.settle names them once the options are merged
    pending: list | None = None

    @property
    def known(self) -> bool:
        """No part of the value is unknown."""
        if self.kind in NOT_A_VALUE or self.partial or self.pending:
            return False
        if self.kind == "list":
            return all(v.known for v in self.value)
        if self.kind == "attrs":
            return all(v.known for v in self.value.values())
        return True

    @property
    def bindable(self) -> bool:
        """Worth keeping as a `let` binding: known, or made of literals, the module
        system's properties and `config.*` references (resolved later, by nix_modules)."""
        if self.kind == UNKNOWN:
            return self.ref is not None
        if self.kind in ("if", "override", ORDER):
            return self.value.bindable
        if self.kind == INTERP:
            return all(deferred.bindable for deferred, _ in self.value[1])
        if self.kind in ("merge", "list"):
            return all(v.bindable for v in self.value)
        if self.kind == "attrs":
            return not self.partial and all(v.bindable for v in self.value.values()) and \
                all(name.bindable and value.bindable for name, _, value in self.pending or ())
        return True

    def get(self, *names: str) -> "NixValue | None":
        """The value at an attribute path; None when absent. Walking into an unknown
        value gives that unknown value (what it holds cannot be known)."""
        node: NixValue | None = self
        for name in names:
            if node is None or node.kind == UNKNOWN:
                return node
            if node.kind != "attrs":
                return None
            nxt = node.value.get(name)
            if nxt is None and (node.partial or node.pending):
                return NixValue(UNKNOWN, None, node.span, why="an attribute name rtclint cannot evaluate")
            node = nxt
        return node

    def python(self):
        """The plain Python value (None for unknown parts)."""
        if self.kind == "list":
            return [v.python() for v in self.value]
        if self.kind == "attrs":
            return {k: v.python() for k, v in self.value.items()}
        return None if self.kind in NOT_A_VALUE else self.value


def merge_bound_twice(old: NixValue, new: NixValue) -> NixValue:
    """`a.b = 1; a = { c = 2; };` — Nix merges attribute sets bound to the same name."""
    if old.kind == "attrs" and new.kind == "attrs":
        merged = NixValue("attrs", dict(old.value), old.span, old.key_span, partial=old.partial or new.partial,
                          pending=[*(old.pending or ()), *(new.pending or ())] or None)
        for key, value in new.value.items():
            merged.value[key] = merge_bound_twice(merged.value[key], value) if key in merged.value else value
        return merged
    return NixValue(UNKNOWN, None, new.span, new.key_span, why="an attribute defined twice")


def waits_for_references(value: NixValue) -> bool:
    """Not known yet, but made of literals and option references: `nix_refs` can
    complete it (a property or a value Nix must compute it cannot)."""
    return not value.known and value.bindable and value.kind not in (*PROPERTIES, ORDER, OPTION)


def coerce(value: NixValue, how: str) -> str | None:
    """The text Nix makes of a known value in `${…}` [nix src/libexpr: coerceToString,
    printValueAsJSON]: a string as it is; toString also of an integer, a bool ("1" or
    "") and null (""); toJSON of literals (keys sorted, no spaces; floats and paths, which
    Nix prints its own way or copies to the store, left unknown). None when it cannot."""
    if how == "toJSON":
        return _json(value)
    if value.kind == "str":
        return value.value
    if how == "toString" and value.kind == "int":
        return str(value.value)
    if how == "toString" and value.kind in ("bool", "null"):
        return "1" if value.value is True else ""
    return None


def _json(value: NixValue) -> str | None:
    import json

    def plain(v: NixValue, depth: int = 0):
        if depth > 64 or v.kind in ("float", "path") or not v.known:
            raise ValueError(v.kind)
        if v.kind == "list":
            return [plain(item, depth + 1) for item in v.value]
        if v.kind == "attrs":
            return {name: plain(item, depth + 1) for name, item in v.value.items()}
        return v.value

    try:
        return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    except ValueError:
        return None
