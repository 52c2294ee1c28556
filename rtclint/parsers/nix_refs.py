"""What the module system does with the definitions of one option once the winning
priority is chosen, for the values rtclint reads [nixpkgs lib/modules.nix at c59305b:
mergeDefinitions, sortProperties; lib/types.nix: separatedString]:

- `mkOrder n` / `mkBefore` (500) / `mkAfter` (1500): the definitions are sorted by that
  number, stably, those without one counting as defaultOrderPriority (1000);
- options of `types.lines` (`LINES`: nginx's `extraConfig` of a virtual host, a location,
  an upstream, `commonHttpConfig`, `appendHttpConfig`…; Caddy's `extraConfig`,
  `globalConfig`, a virtual host's `extraConfig`) join their definitions with "\\n"; each
  character keeps its own file and offset, so findings point into the module that wrote it;
- references to options (`cfg.port`, `config.services.livekit.settings.port`, `inherit
  (cfg) port;`, a name under `with cfg;`) become the value the tree gives that option
  when it is known, and strings that interpolate them (`"http://127.0.0.1:${toString
  cfg.port}"`) the string Nix makes; an option the tree does not set, a cycle, or a value
  that is not literal stays unknown.

The definitions come in the order lib/modules.nix merges them: the modules' list
reversed (`mergeModules prefix (reverseList collected)`), a module's mkMerge items in
their order.
"""

from __future__ import annotations

from dataclasses import replace

from rtclint.parsers.nix_strings import INTERPOLATED
from rtclint.parsers.nix_values import INTERP, NOT_A_VALUE, ORDER, PLACEHOLDER, UNKNOWN, NixValue, coerce

DEFAULT_ORDER = 1000  # lib/modules.nix defaultOrderPriority
MAX_DEPTH = 64
# options of types.lines [nixos/modules/services/web-servers/nginx/{default,vhost-options,
# location-options}.nix, caddy/{default,vhost-options}.nix]; `*`: any name
LINES = (("services", "nginx", "commonHttpConfig"), ("services", "nginx", "appendHttpConfig"),
         ("services", "nginx", "appendConfig"), ("services", "nginx", "eventsConfig"),
         ("services", "nginx", "httpConfig"), ("services", "nginx", "streamConfig"),
         ("services", "nginx", "virtualHosts", "*", "extraConfig"),
         ("services", "nginx", "virtualHosts", "*", "locations", "*", "extraConfig"),
         ("services", "nginx", "upstreams", "*", "extraConfig"),
         ("services", "caddy", "extraConfig"), ("services", "caddy", "globalConfig"),
         ("services", "caddy", "virtualHosts", "*", "extraConfig"),
         ("services", "caddy", "virtualHosts", "*", "logFormat"))


def _unknown(at: NixValue, why: str) -> NixValue:
    return NixValue(UNKNOWN, None, at.span, at.key_span, why=why, ref=at.ref)


def ordered(values: list[NixValue]) -> list[NixValue]:
    """sortProperties: by mkOrder's number, stably; the 'order' wrappers taken off."""
    if not any(v.kind == ORDER for v in values):
        return values
    keyed = sorted(values, key=lambda v: v.priority if v.kind == ORDER else DEFAULT_ORDER)
    return [v.value if v.kind == ORDER else v for v in keyed]


def is_lines(path: tuple[str, ...]) -> bool:
    return any(len(p) == len(path) and all(a in ("*", b) for a, b in zip(p, path)) for p in LINES)


def join_lines(values: list[NixValue]) -> NixValue:
    """types.lines: the strings joined with "\\n" (which stands where the next begins)."""
    text: list[str] = []
    offsets: list[int] = []
    paths: list[str] = []
    for index, value in enumerate(values):
        if index:
            text.append("\n")
            offsets.append(value.span.start)
            paths.append(value.span.path)
        own = value.value
        text.append(own)
        offsets += value.offsets if value.offsets and len(value.offsets) == len(own) else [value.span.start] * len(own)
        paths += value.paths if value.paths else [value.span.path] * len(own)
    first = values[0]
    return NixValue("str", "".join(text), first.span, first.key_span, offsets=offsets, paths=paths)


def settle(tree, value: NixValue, path: tuple[str, ...]) -> NixValue:
    """An attribute set (the definition of the option or group at `path`) with its
    pending names (`"${cfg.domain}" = …`) named by what `tree` gives them. A name that
    stays unknown, one the set binds already (an error in Nix: "dynamic attribute already
    defined"), or one made of an option under `path` (Nix recurses forever: reading that
    option needs this set's names) makes it partial."""
    if value.kind != "attrs" or not value.pending:
        return value
    attrs, partial = dict(value.value), value.partial
    for name_value, rest, child in value.pending:
        inside = any(ref[:len(path)] == path for ref in _references(name_value))
        name = _unknown(name_value, "a name that needs itself") if inside else resolve(tree, name_value)
        if name.kind != "str" or name.value in attrs:
            partial = True
            continue
        for inner in reversed(rest):  # `${name}.a.b = v` is `${name} = { a = { b = v; }; }`
            child = NixValue("attrs", {inner: child}, child.span, name_value.span)
        attrs[name.value] = child
    return replace(value, value=attrs, partial=partial, pending=None)


def _references(value: NixValue, depth: int = 0) -> list[tuple[str, ...]]:
    """The option paths a name's 'interp' reads (its let-bound strings followed)."""
    if value.kind == UNKNOWN and value.ref is not None:
        return [value.ref]
    if value.kind != INTERP or depth > MAX_DEPTH:
        return []
    return [ref for deferred, _ in value.value[1] for ref in _references(deferred, depth + 1)]


def resolve(tree, value: NixValue, depth: int = 0) -> NixValue:
    """`value` with its references replaced by what `tree` (a ModuleTree) gives them;
    what stays unknown is 'unknown' (never an 'interp' or a property left over)."""
    if depth > MAX_DEPTH:
        return _unknown(value, "references nested too deeply")
    kind = value.kind
    if kind == UNKNOWN and value.ref:
        target = tree.lookup(value.ref)
        if target is None or not target.known:
            return _unknown(value, f"`config.{'.'.join(value.ref)}` is not set to a literal in the tree")
        return replace(target, key_span=value.key_span or target.key_span)
    if kind == INTERP:
        return _interpolate(tree, value, depth)
    if kind == "list":
        items = [resolve(tree, item, depth + 1) for item in value.value]
        return replace(value, value=items) if any(a is not b for a, b in zip(items, value.value)) else value
    if kind == "attrs":
        attrs = {name: resolve(tree, item, depth + 1) for name, item in value.value.items()}
        return replace(value, value=attrs) if any(attrs[n] is not value.value[n] for n in attrs) else value
    if kind in NOT_A_VALUE and kind != UNKNOWN:
        return _unknown(value, "a property where the module system does not take it off")
    return value


def _interpolate(tree, value: NixValue, depth: int) -> NixValue:
    """The string an 'interp' makes: each placeholder the text of its reference (a
    string, or what toString / builtins.toJSON make of it), standing at the `${`."""
    chars, deferred = value.value
    pending = iter(deferred)
    text: list[str] = []
    offsets: list[int] = []
    for ch, offset, how in chars:
        if ch != PLACEHOLDER or how != INTERPOLATED:
            text.append(ch)
            offsets.append(offset)
            continue
        reference, how = next(pending)
        target = resolve(tree, reference, depth + 1)
        part = coerce(target, how) if target.known else None
        if part is None:
            return _unknown(value, "a string with `${…}` of a value rtclint cannot know")
        text.append(part)
        offsets += [offset] * len(part)
    return NixValue("str", "".join(text), value.span, value.key_span, offsets=offsets)
