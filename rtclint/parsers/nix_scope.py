"""How the Nix reader binds names, as Nix scopes them: a function's arguments and the
names of a `let` or `rec { }` are lexical; a name no lexical scope binds comes from the
innermost `with` (`with cfg;` of an option gives a reference to its attribute, exact when
the tree sets it; a `with` Nix must compute may hold any name, so the name is unknown);
Nix's global scope is lexical too, so `toString` never comes from a `with`.
`reader` is nix_syntax's reader (its `value`, `text`, `span`).
"""

from __future__ import annotations

from dataclasses import replace

from rtclint.document import Span
from rtclint.parsers.nix_values import UNKNOWN, NixValue

WITH = "\0with"  # the env's entry for the `with` scopes around an expression (no Nix name has NUL)
# Nix's global scope [nix src/libexpr/eval.cc createBaseEnv]: lexical, so a `with` never hides it
GLOBALS = frozenset({"abort", "baseNameOf", "builtins", "derivation", "derivationStrict", "dirOf",
                     "false", "fetchGit", "fetchMercurial", "fetchTarball", "fetchTree", "fromTOML", "import",
                     "isNull", "map", "null", "placeholder", "removeAttrs", "scopedImport", "throw",
                     "toString", "true"})



def bind_arguments(reader, function, env: dict[str, NixValue]) -> None:
    """A function's arguments are lexical names Nix binds when it is called: unknown
    (`config` stays the option tree, read by nix_calls.select)."""
    names = [c for c in function.named_children if c.type == "identifier"]  # `x: …`, `args@{ … }`
    for formals in (c for c in function.named_children if c.type == "formals"):
        names += [f.child_by_field_name("name") for f in formals.named_children if f.type == "formal"]
    for ident in (n for n in names if n is not None):
        name = reader.text(ident)
        if name != "config":
            env[name] = NixValue(UNKNOWN, None, reader.span(ident), why=f"`{name}` is a function's argument")


def bind_lexically(reader, sets, env: dict[str, NixValue], why: str) -> None:
    """The names a `let` or `rec { }` binds, unknown until read: in scope before a
    `with` is (a binding that uses a later one must not take it from a `with`)."""
    for binding in (b for binding_set in sets for b in binding_set.named_children):
        if binding.type == "binding":
            path = binding.child_by_field_name("attrpath")
            first = path.named_children[0] if path is not None and path.named_children else None
            idents = [first] if first is not None and first.type == "identifier" else []
        else:
            idents = [i for a in binding.named_children if a.type == "inherited_attrs" for i in a.named_children]
        for ident in idents:
            env[reader.text(ident)] = NixValue(UNKNOWN, None, reader.span(ident), why=why)


def bind_with(reader, node, env: dict[str, NixValue], depth: int) -> None:
    scope = node.child_by_field_name("environment")
    value = reader.value(scope, env, depth + 1) if scope is not None else NixValue(UNKNOWN, None, reader.span(node))
    outer = env.get(WITH)
    env[WITH] = NixValue("list", [*(outer.value if outer is not None else ()), value], reader.span(node))


def variable(reader, name: str, env: dict[str, NixValue], span: Span) -> NixValue:
    """A name: lexical bindings first, then the `with` scopes, innermost first. A
    scope that is an option (`with cfg;`) gives a reference to its attribute, exact
    when the tree sets it (nix_refs); a scope Nix must compute may hold any name."""
    bound = env.get(name)  # a copy: the binding that uses it sets its own key_span
    if bound is not None:
        return replace(bound)
    if name == "config":
        return NixValue(UNKNOWN, None, span, why="the module's `config`", ref=())
    scopes = env.get(WITH)
    if scopes is not None and name not in GLOBALS and not name.startswith("__"):
        for scope in reversed(scopes.value):
            if scope.kind == "attrs" and not scope.partial:
                if name in scope.value:
                    return replace(scope.value[name])
                continue
            if scope.kind == UNKNOWN and scope.ref is not None:
                return NixValue(UNKNOWN, None, span, why=f"`{name}` from `with`", ref=(*scope.ref, name))
            break
    return NixValue(UNKNOWN, None, span, why=f"`{name}` is not a literal")
