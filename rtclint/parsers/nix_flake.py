"""A flake's NixOS modules: the `modules = [ … ]` list of every
`nixosConfigurations.<host> = <nixpkgs>.lib.nixosSystem { … }` (one module tree per
host), and the modules it exports as `nixosModules.<name>` (also flake-parts'
`flake.nixosModules.<name>`). The list may be bound by `let` (`inherit modules;`,
`modules = common ++ [ … ];`): names are followed through the `let`s and `rec { }`s
around them as Nix scopes them (a function argument of the same name hides them).
`self.nixosModules.<name>` in a host's list is the exported module of that name. A
module is read in the scope it is written in (the flake's `let` bindings). Found wherever they stand in `outputs` (inside its
function, `let`, flake-parts' `mkFlake`): the flake itself is never evaluated.
"""

from __future__ import annotations

import re

from rtclint.parsers import nix_scope
from rtclint.parsers.nix_values import UNKNOWN, NixValue

MAX_NODES = 200_000
MAX_LIST_DEPTH = 32  # `a ++ b` and let names followed no deeper than a real flake goes
SELF_MODULE = re.compile(r"(?:inputs\.)?self\.nixosModules\.([\w'-]+)")


def flake_modules(reader, root) -> tuple[list[list[NixValue]], dict[str, NixValue]]:
    """(the module list of each host, the exported modules by name)."""
    hosts: list[list[tuple[str, NixValue]]] = []
    exported: dict[str, NixValue] = {}
    stack, visited = [root], 0
    while stack and visited < MAX_NODES:
        node = stack.pop()
        visited += 1
        if node.type == "apply_expression" and reader.text(node.child_by_field_name("function")).endswith(
                "nixosSystem"):
            modules = _modules_list(reader, node.child_by_field_name("argument"))
            if modules is not None:
                hosts.append(modules)
        elif node.type == "binding":
            names = _attrpath(reader, node)
            if len(names) >= 2 and names[-2] == "nixosModules":
                expression = node.child_by_field_name("expression")
                exported[names[-1]] = reader.value(expression, _scope_at(reader, expression))
            elif names and names[-1] == "nixosModules":
                expression = node.child_by_field_name("expression")
                found = reader.value(expression, _scope_at(reader, expression))
                exported.update(found.value if found.kind == "attrs" else {})
        stack.extend(reversed(node.named_children))
    return [[_exported(text, value, exported) for text, value in modules] for modules in hosts], exported


def _modules_list(reader, argument) -> list[tuple[str, NixValue]] | None:
    """The `modules` list of a nixosSystem call: (source text, value) of each item.
    `modules = common ++ [ … ]` and `inherit modules;` follow `let` bindings; a list
    rtclint cannot follow is one module it cannot see."""
    while argument is not None and argument.type == "parenthesized_expression":
        argument = argument.child_by_field_name("expression")
    if argument is None or argument.type not in ("attrset_expression", "rec_attrset_expression"):
        return None
    for binding_set in (c for c in argument.named_children if c.type == "binding_set"):
        for binding in binding_set.named_children:
            if binding.type == "binding" and _attrpath(reader, binding) == ["modules"]:
                items = _list_items(reader, binding.child_by_field_name("expression"))
            elif binding.type == "inherit" and "modules" in _inherited(reader, binding):
                items = _list_items(reader, _bound(reader, argument.parent, "modules"))
            else:
                continue
            if items is None:  # modules rtclint cannot see: the host's options stay unknown
                return [("", NixValue(UNKNOWN, None, reader.span(binding), why="a module list Nix must compute"))]
            return [(reader.text(item), reader.value(item, _scope_at(reader, item))) for item in items]
    return None


def _list_items(reader, node, depth: int = 0) -> list | None:
    """The item nodes of a list expression: a list, `a ++ b`, a `let`-bound name of one;
    None when Nix must compute it. An item that is a let-bound name is its expression."""
    while node is not None and node.type == "parenthesized_expression":
        node = node.child_by_field_name("expression")
    if node is None or depth > MAX_LIST_DEPTH:
        return None
    if node.type == "variable_expression":
        return _list_items(reader, _bound(reader, node, reader.text(node)), depth + 1)
    if node.type == "binary_expression":
        operator = node.child_by_field_name("operator")
        if operator is None or reader.text(operator) != "++":
            return None
        left = _list_items(reader, node.child_by_field_name("left"), depth + 1)
        right = _list_items(reader, node.child_by_field_name("right"), depth + 1)
        return None if left is None or right is None else left + right
    if node.type != "list_expression":
        return None
    items = []
    for item in (c for c in node.named_children if c.type != "comment"):
        bound = _bound(reader, item, reader.text(item)) if item.type == "variable_expression" else None
        items.append(bound if bound is not None else item)
    return items


def _bound(reader, node, name: str):
    """The expression `name` is bound to by a `let` (or `rec { … }`) around `node`;
    None when a function argument or nothing binds it (what `with` gives is unknown)."""
    while node is not None:
        if node.type in ("let_expression", "rec_attrset_expression"):
            for binding_set in (c for c in node.named_children if c.type == "binding_set"):
                for binding in binding_set.named_children:
                    if binding.type == "binding" and _attrpath(reader, binding) == [name]:
                        return binding.child_by_field_name("expression")
                    if binding.type in ("inherit", "inherit_from") and name in _inherited(reader, binding):
                        return None  # `inherit (x) name;`: what x holds is computed
        elif node.type == "function_expression" and name in _formals(reader, node):
            return None
        node = node.parent
    return None


def _scope_at(reader, node) -> dict[str, NixValue]:
    """The names in scope where `node` is written (the `let`s, function arguments,
    `with`s and `rec { }`s around it, outermost first): a module in a host's list may use
    the flake's `let` bindings (`networking.domain = domain;`)."""
    around = []
    child, parent = node, node.parent
    while parent is not None:
        around.append((parent, child))
        child, parent = parent, parent.parent
    env: dict[str, NixValue] = {}
    for scope, inner in reversed(around):
        if scope.type == "let_expression":
            reader.bind_let(scope, env)
        elif scope.type == "function_expression" and inner == scope.child_by_field_name("body"):
            nix_scope.bind_arguments(reader, scope, env)
        elif scope.type == "with_expression" and inner == scope.child_by_field_name("body"):
            nix_scope.bind_with(reader, scope, env, 0)
        elif scope.type == "rec_attrset_expression":
            sets = [c for c in scope.named_children if c.type == "binding_set"]
            nix_scope.bind_lexically(reader, sets, env, "an attribute of a `rec` set")
    return env


def _formals(reader, function) -> set[str]:
    names = {reader.text(c) for c in function.named_children if c.type == "identifier"}  # `x: …`, `args@{ }`
    for formals in (c for c in function.named_children if c.type == "formals"):
        names |= {reader.text(f.child_by_field_name("name")) for f in formals.named_children
                  if f.type == "formal" and f.child_by_field_name("name") is not None}
    return names


def _inherited(reader, inherit) -> list[str]:
    return [reader.text(ident) for attrs in inherit.named_children if attrs.type == "inherited_attrs"
            for ident in attrs.named_children]


def _attrpath(reader, binding) -> list[str]:
    path = binding.child_by_field_name("attrpath")
    if path is None:
        return []
    return [reader.text(p) for p in path.named_children if p.type == "identifier"]


def _exported(text: str, module: NixValue, exported: dict[str, NixValue]) -> NixValue:
    """`self.nixosModules.x` / `inputs.self.nixosModules.x` → the module exported as x."""
    named = SELF_MODULE.fullmatch(text.strip())
    return exported.get(named.group(1), module) if named else module
