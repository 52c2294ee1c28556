"""The NixOS module system's merging, for the literal definitions rtclint reads
[nixpkgs lib/modules.nix: pushDownProperties, dischargeProperties, filterOverrides].

Every module of a tree (a file, what its `imports` name, the modules of a flake's
`nixosSystem`) gives a config with properties still in it. `ModuleTree.config()` merges
them as the module system does, option by option:

- `mkMerge [ a b ]` is the definitions a and b; `mkIf c x` and `mkOverride n x` on an
  attribute set are pushed down onto each of its attributes;
- `mkIf` conditions are decided: `true`/`false`, `!`, `&&`, `||`, `==`/`!=` of literals,
  and `config.<option>` (or `cfg.<…>` with `cfg = config.<…>`) when the tree sets that
  option to a literal; `mkIf false x` drops the definition; a condition rtclint cannot decide makes
  the value unknown where it could win;
- of the remaining definitions of an option only those of the highest priority (lowest
  number: mkForce 50 < plain 100 < mkDefault 1000 < mkOptionDefault 1500) count;
- attribute sets merge attribute by attribute. Where the set is a group of options (the
  module tree, a submodule: `services.nginx`, one virtual host) properties are pushed
  down onto each attribute first, so `mkDefault { a = 1; }` and `{ b = 2; }` give both;
  where it is the value of one option (`attrsOf`: `virtualHosts`, `locations`; the
  freeform values under `settings`) the priorities are compared between whole sets, so
  `mkForce { a = 1; }` drops `{ b = 2; }` (`ATTRS_OF`). The winning definitions of one
  option are then sorted by mkOrder/mkBefore/mkAfter, their references to other options
  resolved, and combined (`nix_refs`): lists concatenate (listOf), strings of a
  `types.lines` option join with "\n", equal values are one value; anything else (two
  different strings of a `types.str` option, which it rejects) is unknown. Definitions
  come in lib/modules.nix's order: the module list reversed (`reverseList collected`).
  Attribute names made of option references (`virtualHosts."${cfg.domain}"`) are named
  when their set is merged (`nix_refs.settle`).

A property under an mkOverride that is not on an attribute set is left unknown: the
module system does not discharge it there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rtclint.parsers import nix_refs
from rtclint.parsers.nix_values import PROPERTIES, UNKNOWN, NixValue

DEFAULT_PRIORITY = 100
# option values that are attribute sets (`*`: any name) — their priorities are not pushed
# down [nixos/modules/services/web-servers/nginx, caddy; networking/firewall]; every level
# under a program's freeform `settings` (below Continuwuity's/Tuwunel's declared `global`)
ATTRS_OF = (("services", "nginx", "virtualHosts"), ("services", "nginx", "virtualHosts", "*", "locations"),
            ("services", "nginx", "upstreams"), ("services", "nginx", "upstreams", "*", "servers"),
            ("services", "caddy", "virtualHosts"), ("networking", "firewall", "interfaces"),
            ("services", "lk-jwt-service", "environment"))
FREEFORM = {"matrix-synapse": 3, "livekit": 3, "matrix-continuwuity": 4, "conduwuit": 4, "matrix-tuwunel": 4}
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Definition:
    """One definition of a NixOS option: its value, the `mkIf` conditions over it, its priority."""

    value: NixValue
    conditions: tuple = ()
    priority: int | None = None  # None: the default priority (100)
    module: int = 0  # the index of the module that made it in the tree's list

    @property
    def rank(self) -> int:
        return DEFAULT_PRIORITY if self.priority is None else self.priority


def _unknown(at: NixValue, why: str) -> NixValue:
    return NixValue(UNKNOWN, None, at.span, at.key_span, why=why)


def expand(definition: Definition, depth: int = 0) -> list[Definition]:
    """dischargeProperties without deciding: mkMerge split, mkIf conditions and the
    mkOverride priority moved onto the definition."""
    value = definition.value
    if value.kind not in PROPERTIES:
        return [definition]
    if definition.priority is not None or depth > MAX_DEPTH:
        return [replace(definition, value=_unknown(value, "a property inside mkOverride"))]
    if value.kind == "merge":
        return [d for item in value.value for d in expand(replace(definition, value=item), depth + 1)]
    if value.kind == "if":
        inner = replace(definition, value=value.value, conditions=(*definition.conditions, value.cond))
        return expand(inner, depth + 1)
    return expand(replace(definition, value=value.value, priority=value.priority), depth + 1)


class ModuleTree:
    """The merged config of a list of module configs (unresolved NixValues)."""

    def __init__(self, configs: list[NixValue]) -> None:
        self.configs = [c for c in configs if c is not None]
        self._resolved: dict[tuple[str, ...], NixValue | None] = {}
        self._busy: set[tuple[str, ...]] = set()

    def config(self) -> NixValue | None:
        return self.lookup(())

    def lookup(self, path: tuple[str, ...]) -> NixValue | None:
        """The merged value of the option at `path`; None when nothing defines it."""
        if path in self._resolved:
            return self._resolved[path]
        if path in self._busy:  # a condition that depends on itself
            return NixValue(UNKNOWN, None, self.configs[0].span, why="a condition that depends on itself")
        self._busy.add(path)
        try:
            definitions: list[Definition] | None = [Definition(c, module=i) for i, c in enumerate(self.configs)]
            for index, name in enumerate(path):
                if not pushes_down(path[:index]):
                    definitions = self._winning_sets(path[:index], definitions)
                definitions = self._children(path[:index], definitions, name) if definitions is not None else None
                if definitions is None:
                    return NixValue(UNKNOWN, None, self.configs[0].span, why="an option set Nix must compute")
            result = self._merge(path, definitions)
        finally:
            self._busy.discard(path)
        self._resolved[path] = result
        return result

    def _children(self, path: tuple[str, ...], definitions: list[Definition], name: str) -> list[Definition] | None:
        """The definitions of attribute `name`, properties pushed down; None when a
        definition that may count is not an attribute set (its attributes are unknown)."""
        out = []
        for definition in (d for item in definitions for d in expand(item)):
            value = self._settled(definition.value, path)
            if value.kind != "attrs":
                if self.decide_all(definition.conditions) is False:
                    continue
                return None
            child = value.value.get(name)
            if child is not None:
                out.append(replace(definition, value=child))
        return out

    def _split(self, path: tuple[str, ...], definitions: list[Definition]) -> tuple[list[Definition], list[Definition]]:
        """(definitions whose conditions hold, those rtclint cannot decide); the ones
        whose condition is false are gone."""
        live, undecided = [], []
        for definition in (d for item in definitions for d in expand(item)):
            verdict = self.decide_all(definition.conditions)
            if verdict is not False:
                settled = replace(definition, value=self._settled(definition.value, path))
                (live if verdict else undecided).append(settled)
        return live, undecided

    def _settled(self, value: NixValue, path: tuple[str, ...]) -> NixValue:
        """A definition as merging reads it: a reference to an attribute set is that set
        (`settings = cfg.settings;` merges with the other definitions), pending names named."""
        if value.kind == UNKNOWN and value.ref:
            target = nix_refs.resolve(self, value)
            value = target if target.kind == "attrs" else value
        return nix_refs.settle(self, value, path)

    def _winning_sets(self, path: tuple[str, ...], definitions: list[Definition]) -> list[Definition] | None:
        """filterOverrides between whole values (an `attrsOf` option's definitions); None
        when an undecided definition could win. The priorities stay here."""
        live, undecided = self._split(path, definitions)
        best = min((d.rank for d in live), default=None)
        if best is None and not undecided:
            return []
        if best is None or any(d.rank < best for d in undecided):
            return None
        return [replace(d, priority=None) for d in live + undecided if d.rank == best]

    def _merge(self, path: tuple[str, ...], definitions: list[Definition]) -> NixValue | None:
        live, undecided = self._split(path, definitions)
        candidates = live + undecided
        if not candidates:
            return None  # absent: mkIf false (or nothing) defines it
        if all(d.value.kind == "attrs" for d in candidates):
            if pushes_down(path):
                return self._merge_attrs(path, candidates)
            kept = self._winning_sets(path, candidates)
            if kept is None:
                return _unknown(candidates[0].value, "set behind a mkIf condition rtclint cannot decide")
            return self._merge_attrs(path, kept)
        best = min((d.rank for d in live), default=None)
        first = candidates[0].value
        if best is None or any(d.rank <= best for d in undecided):
            return _unknown(first, "set behind a mkIf condition rtclint cannot decide")
        winners = sorted((d for d in live if d.rank == best), key=lambda d: -d.module)  # reverseList
        values = [nix_refs.resolve(self, v) for v in nix_refs.ordered([d.value for d in winners])]
        if len(values) > 1 and nix_refs.is_lines(path) and all(v.kind == "str" for v in values):
            return nix_refs.join_lines(values)
        return _combine(values)

    def _merge_attrs(self, path: tuple[str, ...], candidates: list[Definition]) -> NixValue:
        first = candidates[0].value
        merged = NixValue("attrs", {}, first.span, first.key_span,
                          partial=any(d.value.partial for d in candidates))
        names = list(dict.fromkeys(name for d in candidates for name in d.value.value))
        for name in names:
            sub = (*path, name)
            if sub in self._resolved:
                value = self._resolved[sub]
            else:
                children = [replace(d, value=d.value.value[name]) for d in candidates if name in d.value.value]
                value = self._resolved[sub] = self._merge(sub, children)
            if value is not None:
                merged.value[name] = value
        return merged

    # -- conditions -----------------------------------------------------------------------

    def _operand(self, operand: tuple):
        """The plain value of an `==` operand; _UNDECIDED when it is not known."""
        if operand[0] == "value":
            return operand[1]
        if operand[0] == "ref":
            value = self.lookup(operand[1])
            if value is not None and value.known and value.kind not in ("attrs", "list"):
                return value.python()
        return _UNDECIDED

    def decide_all(self, conditions: tuple) -> bool | None:
        verdicts = [self.decide(c) for c in conditions]
        if False in verdicts:
            return False
        return None if None in verdicts else True

    def decide(self, condition: tuple) -> bool | None:
        """True, False, or None when rtclint cannot tell."""
        op = condition[0]
        if op == "lit":
            return condition[1]
        if op == "ref":
            value = self.lookup(condition[1])
            return value.value if value is not None and value.kind == "bool" else None
        if op == "not":
            inner = self.decide(condition[1])
            return None if inner is None else not inner
        if op in ("==", "!="):
            left, right = self._operand(condition[1]), self._operand(condition[2])
            if left is _UNDECIDED or right is _UNDECIDED:
                return None
            return (left == right) == (op == "==")
        if op in ("and", "or"):
            left, right = self.decide(condition[1]), self.decide(condition[2])
            decisive = op == "or"  # the value that settles it whatever the other side is
            if decisive in (left, right):
                return decisive
            return None if None in (left, right) else not decisive
        return None


_UNDECIDED = object()


def _combine(values: list[NixValue]) -> NixValue:
    """Definitions of one option at one priority (listOf concatenates; one value stays)."""
    if len(values) == 1:
        return values[0]
    if all(v.kind == "list" for v in values):
        return NixValue("list", [item for v in values for item in v.value], values[0].span, values[0].key_span)
    if all(v.known for v in values) and all(v.kind == values[0].kind and v.python() == values[0].python()
                                            for v in values):
        return values[0]
    return _unknown(values[0], "set in several modules with different values")


def pushes_down(path: tuple[str, ...]) -> bool:
    """Whether the attribute set at `path` is a group of options (properties pushed down
    to each attribute) rather than one option's value."""
    if len(path) >= 3 and path[0] == "services" and path[1] in FREEFORM and path[2] == "settings":
        return len(path) < FREEFORM[path[1]]
    return not any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path)) for p in ATTRS_OF)
