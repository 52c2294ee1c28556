"""A flake's NixOS modules: the `modules = [ … ]` list of every
`nixosConfigurations.<host> = <nixpkgs>.lib.nixosSystem { … }` (one module tree per
host), and the modules it exports as `nixosModules.<name>` (also flake-parts'
`flake.nixosModules.<name>`). `self.nixosModules.<name>` in a host's list is the
exported module of that name. Found wherever they stand in `outputs` (inside its
function, `let`, flake-parts' `mkFlake`): the flake itself is never evaluated.
"""

from __future__ import annotations

import re

from rtclint.parsers.nix_values import NixValue

MAX_NODES = 200_000
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
                exported[names[-1]] = reader.value(node.child_by_field_name("expression"), {})
            elif names and names[-1] == "nixosModules":
                found = reader.value(node.child_by_field_name("expression"), {})
                exported.update(found.value if found.kind == "attrs" else {})
        stack.extend(reversed(node.named_children))
    return [[_exported(text, value, exported) for text, value in modules] for modules in hosts], exported


def _modules_list(reader, argument) -> list[tuple[str, NixValue]] | None:
    """The `modules` list of a nixosSystem call: (source text, value) of each item."""
    while argument is not None and argument.type == "parenthesized_expression":
        argument = argument.child_by_field_name("expression")
    if argument is None or argument.type not in ("attrset_expression", "rec_attrset_expression"):
        return None
    for binding_set in (c for c in argument.named_children if c.type == "binding_set"):
        for binding in (b for b in binding_set.named_children if b.type == "binding"):
            if _attrpath(reader, binding) == ["modules"]:
                listed = binding.child_by_field_name("expression")
                if listed is None or listed.type != "list_expression":
                    return []
                return [(reader.text(item), reader.value(item, {})) for item in listed.named_children
                        if item.type != "comment"]
    return None


def _attrpath(reader, binding) -> list[str]:
    path = binding.child_by_field_name("attrpath")
    if path is None:
        return []
    return [reader.text(p) for p in path.named_children if p.type == "identifier"]


def _exported(text: str, module: NixValue, exported: dict[str, NixValue]) -> NixValue:
    """`self.nixosModules.x` / `inputs.self.nixosModules.x` → the module exported as x."""
    named = SELF_MODULE.fullmatch(text.strip())
    return exported.get(named.group(1), module) if named else module
