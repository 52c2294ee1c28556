"""The few Nix calls and references the reader keeps instead of calling them unknown:

- the module system's properties [nixpkgs lib/modules.nix]: `mkIf cond x` ('if', its
  condition read by `condition`), `mkMerge [ … ]` ('merge'), `mkOverride n x` and the
  priorities named after it — `mkOptionDefault` 1500, `mkDefault` 1000, `mkImageMediaOverride`
  60, `mkForce` 50, `mkVMOverride` 10 ('override'); written bare (under `with lib;`) or as
  `lib.…`, `lib.modules.…`, `pkgs.lib.…`, `nixpkgs.lib.…`; `mkOrder n x` and `mkBefore`
  (500) / `mkAfter` (1500) ('order', sorted by after the priorities, defaultOrderPriority
  1000);
- option declarations, `mkOption { default = …; }` and `mkEnableOption` (default false)
  [lib/options.nix]: their defaults are definitions at mkOptionDefault's priority, as
  evalOptionValue adds them (`option_defaults`);
- `toString x` and `builtins.toJSON x` of literals, or of option references (an 'interp'
  `nix_refs` completes);
- `config.a.b` and `cfg.b` where `cfg = config.a` is let-bound: an unknown value that
  remembers the option path (`NixValue.ref`), so that `nix_modules` can decide a `mkIf`
  on an option the tree sets literally.

`nix_modules` resolves them as the module system does; tests/test_nix_modules.py holds
that against `nix-instantiate --eval` with stand-ins written as lib/modules.nix has them.
"""

from __future__ import annotations

from dataclasses import replace

from rtclint.parsers.nix_strings import INTERPOLATED
from rtclint.parsers.nix_values import (COERCIONS, INTERP, OPTION, ORDER, PLACEHOLDER, UNKNOWN, NixValue, coerce,
                                       waits_for_references)

ORDERS = {"mkBefore": 500, "mkAfter": 1500}
PRIORITIES = {"mkOptionDefault": 1500, "mkDefault": 1000, "mkImageMediaOverride": 60, "mkForce": 50,
              "mkVMOverride": 10}
LIB_PREFIXES = ("lib.modules.", "lib.", "pkgs.lib.", "nixpkgs.lib.")
MAX_DEPTH = 200  # as the reader's: nesting no real condition has


def lib_function(text: str) -> str:
    """`lib.mkIf` → `mkIf`; a name not from lib is returned as written."""
    for prefix in LIB_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def call(reader, node, env, depth: int) -> NixValue | None:
    """The property an application of mkIf/mkMerge/mkOverride… makes; None for any
    other call."""
    args = []
    while node.type == "apply_expression":
        args.insert(0, node.child_by_field_name("argument"))
        node = node.child_by_field_name("function")
    if node.type not in ("variable_expression", "select_expression") or None in args:
        return None
    name = lib_function(reader.text(node))
    span = reader.span(node.parent) if node.parent is not None else reader.span(node)
    if name in ("import", "builtins.import") and len(args) == 1:  # in a module list: that file's module
        target = reader.value(args[0], env, depth + 1)
        if target.kind == "path":
            return NixValue(UNKNOWN, target, span, why="`import` of a file")
        return None
    if name in COERCIONS and len(args) == 1:  # `toString cfg.port` outside a string: as "${…}" makes it
        argument = reader.value(args[0], env, depth + 1)
        how = COERCIONS[name]
        if argument.known:
            text = coerce(argument, how)
            return NixValue("str", text, span, offsets=[span.start] * len(text)) if text is not None else None
        if waits_for_references(argument):
            return NixValue(INTERP, ([(PLACEHOLDER, span.start, INTERPOLATED)], [(argument, how)]), span)
        return None
    if name == "mkEnableOption" and len(args) == 1:  # lib/options.nix: default = false
        return NixValue(OPTION, NixValue("bool", False, span), span)
    if name == "mkOption" and len(args) == 1:
        declared = reader.value(args[0], env, depth + 1)
        default = declared.value.get("default") if declared.kind == "attrs" else None
        return NixValue(OPTION, default, span)
    if name == "mkIf" and len(args) == 2:
        body = reader.value(args[1], env, depth + 1)
        return NixValue("if", body, span, cond=condition(reader, args[0], env, depth + 1))
    if name == "mkMerge" and len(args) == 1:
        items = reader.value(args[0], env, depth + 1)
        if items.kind != "list":
            return NixValue(UNKNOWN, None, span, why="`mkMerge` of a list Nix must compute")
        return NixValue("merge", items.value, span)
    if name in PRIORITIES and len(args) == 1:
        return NixValue("override", reader.value(args[0], env, depth + 1), span, priority=PRIORITIES[name])
    if name in ORDERS and len(args) == 1:
        return NixValue(ORDER, reader.value(args[0], env, depth + 1), span, priority=ORDERS[name])
    if name == "mkOrder" and len(args) == 2:
        order = reader.value(args[0], env, depth + 1)
        if order.kind != "int":
            return NixValue(UNKNOWN, None, span, why="`mkOrder` with a priority Nix must compute")
        return NixValue(ORDER, reader.value(args[1], env, depth + 1), span, priority=order.value)
    if name == "mkOverride" and len(args) == 2:
        priority = reader.value(args[0], env, depth + 1)
        if priority.kind != "int":
            return NixValue(UNKNOWN, None, span, why="`mkOverride` with a priority Nix must compute")
        return NixValue("override", reader.value(args[1], env, depth + 1), span, priority=priority.value)
    return None


def condition(reader, node, env, depth: int) -> tuple:
    """A mkIf condition as ('lit', bool), ('ref', option path), ('not', c), ('and', a, b),
    ('or', a, b), ('==' or '!=', operand, operand) with operands ('value', python value)
    or ('ref', path), or ('?', text) for anything else (never decided)."""
    while node.type == "parenthesized_expression":
        node = node.child_by_field_name("expression")
    if depth > MAX_DEPTH:
        return ("?", "nested too deeply")
    if node.type == "unary_expression" and reader.text(node).lstrip().startswith("!"):
        return ("not", condition(reader, node.child_by_field_name("argument"), env, depth + 1))
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        op = reader.text(operator) if operator is not None else ""
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op in ("&&", "||"):
            return ("and" if op == "&&" else "or", condition(reader, left, env, depth + 1),
                    condition(reader, right, env, depth + 1))
        if op in ("==", "!="):
            return (op, _operand(reader, left, env, depth), _operand(reader, right, env, depth))
    value = reader.value(node, env, depth + 1)
    if value.kind == "bool":
        return ("lit", value.value)
    if value.ref is not None:
        return ("ref", value.ref)
    return ("?", reader.text(node)[:60])


def _operand(reader, node, env, depth: int) -> tuple:
    value = reader.value(node, env, depth + 1)
    if value.ref is not None:
        return ("ref", value.ref)
    return ("value", value.python()) if value.known else ("?", reader.text(node)[:60])


def select(reader, node, env) -> NixValue | None:
    """`config.a.b` / `cfg.b` (cfg let-bound to `config.a`, or a name a `with` of an option
    gives): an unknown value with its option path; `s.b` of a let-bound literal set: that
    attribute. None for any other selection. A `… or default` is left unknown."""
    if node.child_by_field_name("default") is not None:
        return None
    base, path = node.child_by_field_name("expression"), node.child_by_field_name("attrpath")
    if base is None or path is None or base.type != "variable_expression":
        return None
    parts = [p for p in path.named_children if p.type != "comment"]
    if any(p.type != "identifier" for p in parts):
        return None
    names = [reader.text(p) for p in parts]
    bound = reader.value(base, env)  # a let binding, the module's `config`, or from a `with`
    while names and bound.kind == "attrs" and not bound.partial and names[0] in bound.value:
        bound, names = bound.value[names[0]], names[1:]
    if not names:
        return replace(bound)
    if bound.ref is None:
        return None
    ref = (*bound.ref, *names)
    return NixValue(UNKNOWN, None, reader.span(node), why=f"`config.{'.'.join(ref)}` is an option's value", ref=ref)


def option_defaults(options: NixValue | None) -> NixValue | None:
    """A module's `options` tree → the definitions its defaults make (mkOptionDefault,
    priority 1500); None when it declares no default rtclint can read."""
    if options is None:
        return None
    if options.kind == OPTION:
        default = options.value
        if default is None:
            return None
        return NixValue("override", default, default.span, priority=PRIORITIES["mkOptionDefault"])
    if options.kind != "attrs":
        return None
    found = {}
    for name, sub in options.value.items():
        made = option_defaults(sub)
        if made is not None:
            found[name] = made
    return NixValue("attrs", found, options.span) if found else None
