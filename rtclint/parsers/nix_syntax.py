"""Nix source → literal values with their spans, through tree-sitter-nix; no evaluation.

A NixOS module is read as the attribute set it returns: the function header
(`{ config, lib, ... }:`), `let … in` and `with …;` around it are stepped over, and
`config = { … }` is used when the module splits `options` from `config`. Literals are
kept (strings, numbers, bools, null, paths, lists, attribute sets, `''…''` strings with
Nix's indentation stripping); a `let` binding of a literal is followed. The module
system's `mkIf`, `mkMerge`, `mkOverride` and `mkOrder` families are kept as properties
(`nix_calls`) for `nix_modules` to resolve; `imports` is kept for the module tree.
References to options — `config.a.b`, `cfg.b` with `cfg = config.a` let-bound, `inherit
(cfg) b;`, a free name under `with cfg;` — are kept as the option path (`NixValue.ref`)
and strings that interpolate them as 'interp', both completed by `nix_refs` after the
merge. Names are scoped as Nix scopes them: `let` and the module's arguments first, then
the innermost `with` (a name of Nix's global scope, such as `toString`, never comes from
a `with`). Everything else — other function calls, `//`, `import`, a `${…}` other than of
a string, a reference or `toString` of an integer — is a `NixValue` of kind 'unknown', so
the readers can stay quiet about what they cannot know rather than call it missing.

Every position is a character offset into `Document.text` (tree-sitter counts bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rtclint.document import Document, Span
from rtclint.parsers import nix_calls, nix_scope
from rtclint.parsers.nix_strings import INTERPOLATED, strip_indentation, unescape
from rtclint.parsers.nix_values import (COERCIONS, INTERP, PLACEHOLDER, UNKNOWN, NixValue, coerce,
                                       merge_bound_twice, waits_for_references)

__all__ = ["NixValue", "Parsed", "UNKNOWN", "parse", "strip_indentation"]
_KEYWORDS = {"true": ("bool", True), "false": ("bool", False), "null": ("null", None)}
MAX_DEPTH = 200  # nesting deeper than any real module; keeps recursion bounded


@dataclass
class Parsed:
    """What a `.nix` file defines: its config, imports, and a flake's module lists, with syntax errors."""

    root: NixValue | None  # the module's config (properties unresolved), per unify_module
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, message)
    imports: NixValue | None = None  # the module's `imports` list
    top: NixValue | None = None  # the whole value the file returns (a flake's outputs…)
    hosts: list[list[NixValue]] = field(default_factory=list)  # a flake's nixosSystem module lists
    exported: dict[str, NixValue] = field(default_factory=dict)  # a flake's nixosModules.<name>


def unify_module(top: NixValue | None) -> tuple[NixValue | None, NixValue | None]:
    """(config, imports) of a module, as lib/modules.nix's unifyModuleSyntax splits it:
    with a `config` or `options` attribute the config is `config` (else empty) and the
    defaults its options declare; without,
    it is the set less `_file`, `key`, `disabledModules`, `require`, `imports`,
    `freeformType`."""
    if top is None or top.kind != "attrs":
        return top, None
    attrs = top.value
    imports = attrs.get("imports")
    if "config" in attrs or "options" in attrs:
        config = attrs.get("config") or NixValue("attrs", {}, top.span)
        defaults = nix_calls.option_defaults(attrs.get("options"))
        return (NixValue("merge", [config, defaults], config.span) if defaults else config), imports
    dropped = {"_file", "key", "disabledModules", "require", "imports", "freeformType"}
    config = replace(top, value={k: v for k, v in attrs.items() if k not in dropped})
    return config, imports


def parse(doc: Document) -> Parsed:
    import tree_sitter
    import tree_sitter_nix

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_nix.language()))
    data = doc.text.encode("utf-8")
    tree = parser.parse(data)
    reader = _Reader(doc, data)
    if tree.root_node.has_error:
        from rtclint.parsers.nix_syntax_errors import first_error

        return Parsed(None, first_error(tree.root_node, doc.text, reader.at))
    top = reader.module(tree.root_node)
    config, imports = unify_module(top)
    result = Parsed(config, imports=imports, top=top)
    if "nixosSystem" in doc.text or "nixosModules" in doc.text:
        from rtclint.parsers.nix_flake import flake_modules

        result.hosts, result.exported = flake_modules(reader, tree.root_node)
        if result.hosts or result.exported:
            result.root = None  # a flake is not a module: its module lists are read instead
    return result


class _Reader:
    def __init__(self, doc: Document, data: bytes) -> None:
        self.doc = doc
        self.data = data
        # byte offset -> character offset, needed only when the text is not ASCII
        self._chars: list[int] | None = None
        if len(data) != len(doc.text):
            self._chars = []
            for index, ch in enumerate(doc.text):
                self._chars.extend([index] * len(ch.encode("utf-8")))
            self._chars.append(len(doc.text))

    def at(self, byte: int) -> int:
        return byte if self._chars is None else self._chars[min(byte, len(self._chars) - 1)]

    def span(self, node) -> Span:
        return self.doc.span(self.at(node.start_byte), self.at(node.end_byte))

    def text(self, node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    # -- the module -----------------------------------------------------------------------

    def module(self, root) -> NixValue | None:
        """The value the file returns, past its function header, `let`, `with`."""
        env: dict[str, NixValue] = {}
        node = next((c for c in root.named_children if c.type != "comment"), None)
        for _ in range(MAX_DEPTH):
            if node is None:
                return None
            if node.type == "function_expression":
                nix_scope.bind_arguments(self, node, env)
                node = node.child_by_field_name("body")
            elif node.type == "with_expression":
                nix_scope.bind_with(self, node, env, 0)
                node = node.child_by_field_name("body")
            elif node.type == "let_expression":
                self.bind_let(node, env)
                node = node.child_by_field_name("body")
            elif node.type in ("parenthesized_expression", "assert_expression"):
                node = node.child_by_field_name("expression") if node.type == "parenthesized_expression" \
                    else node.child_by_field_name("body")
            else:
                break
        return self.value(node, env)

    def bind_let(self, node, env: dict[str, NixValue]) -> None:
        """`let` bindings see each other: read them again while that makes more known
        (a binding that uses a later one), a few rounds at most."""
        sets = [c for c in node.named_children if c.type == "binding_set"]
        nix_scope.bind_lexically(self, sets, env, "a `let` binding not read yet")
        known = -1
        for _ in range(4):
            local = dict(env)
            for binding_set in sets:
                attrs = self._attrs(binding_set, local, node)
                for name, value in attrs.value.items():
                    env[name] = value if value.bindable else NixValue(UNKNOWN, None, value.span,
                                                                  why=f"`{name}` is computed")
            now = sum(v.known for v in env.values())
            if now == known:
                break
            known = now

    # -- expressions ----------------------------------------------------------------------

    def value(self, node, env: dict[str, NixValue], depth: int = 0) -> NixValue:
        span = self.span(node)
        kind = node.type
        if depth > MAX_DEPTH:
            return NixValue(UNKNOWN, None, span, why="nested too deeply")
        if kind == "integer_expression":
            return NixValue("int", int(self.text(node)), span)
        if kind == "float_expression":
            return NixValue("float", float(self.text(node)), span)
        if kind in ("string_expression", "indented_string_expression"):
            return self._string(node, span, env)
        if kind in ("path_expression", "hpath_expression", "spath_expression"):
            if any(c.type == "interpolation" for c in node.children):
                return NixValue(UNKNOWN, None, span, why="a path with interpolation")
            return NixValue("path", self.text(node), span)
        if kind == "uri_expression":
            return NixValue("str", self.text(node), span, offsets=list(range(span.start, span.end)))
        if kind == "variable_expression":
            name = self.text(node)
            if name in _KEYWORDS:
                k, v = _KEYWORDS[name]
                return NixValue(k, v, span)
            return nix_scope.variable(self, name, env, span)
        if kind == "parenthesized_expression":
            inner = node.child_by_field_name("expression")
            return self.value(inner, env, depth + 1) if inner is not None else NixValue(UNKNOWN, None, span)
        if kind == "unary_expression" and self.text(node).startswith("-"):
            inner = self.value(node.named_children[0], env, depth + 1)
            if inner.kind in ("int", "float"):
                return NixValue(inner.kind, -inner.value, span)
        if kind == "list_expression":
            return NixValue("list", [self.value(c, env, depth + 1) for c in node.named_children
                                     if c.type != "comment"], span)
        if kind in ("attrset_expression", "rec_attrset_expression"):
            sets = [c for c in node.named_children if c.type == "binding_set"]
            if not sets:
                return NixValue("attrs", {}, span)
            if kind == "rec_attrset_expression":  # its names are lexical in it: never from a `with`
                env = dict(env)
                nix_scope.bind_lexically(self, sets, env, "an attribute of a `rec` set")
            return self._attrs(sets[0], env, node, depth)
        if kind == "let_expression":
            local = dict(env)
            self.bind_let(node, local)
            body = node.child_by_field_name("body")
            return self.value(body, local, depth + 1) if body is not None else NixValue(UNKNOWN, None, span)
        if kind == "function_expression":  # `{ config, ... }: { … }`: a module written in place
            body, local = node.child_by_field_name("body"), dict(env)
            nix_scope.bind_arguments(self, node, local)
            return NixValue(UNKNOWN, None, span, why="a function",
                            body=self.value(body, local, depth + 1) if body is not None else None)
        if kind == "with_expression":
            body, local = node.child_by_field_name("body"), dict(env)
            nix_scope.bind_with(self, node, local, depth)
            return self.value(body, local, depth + 1) if body is not None else NixValue(UNKNOWN, None, span)
        if kind == "apply_expression":  # mkIf, mkMerge, mkOverride… become properties
            called = nix_calls.call(self, node, env, depth)
            if called is not None:
                return called
        if kind == "select_expression":  # config.a.b: remembered for mkIf conditions
            selected = nix_calls.select(self, node, env)
            if selected is not None:
                return selected
        return NixValue(UNKNOWN, None, span, why=f"`{self.text(node)[:40]}` is evaluated by Nix")

    def _attrs(self, binding_set, env, owner, depth: int = 0) -> NixValue:
        out = NixValue("attrs", {}, self.span(owner))
        for binding in binding_set.named_children:
            if binding.type == "binding":
                self._binding(out, binding, env, depth)
            elif binding.type in ("inherit", "inherit_from"):
                self._inherit(out, binding, env, depth)
        return out

    def _inherit(self, out: NixValue, binding, env, depth: int) -> None:
        """`inherit a;` is `a = a;`; `inherit (x) a;` is `a = x.a;` (a reference when x is
        an option, the attribute when x is a literal set)."""
        expr = binding.child_by_field_name("expression") if binding.type == "inherit_from" else None
        source = self.value(expr, env, depth + 1) if expr is not None else None
        for attr in (c for c in binding.named_children if c.type == "inherited_attrs"):
            for ident in attr.named_children:
                name, span = self.text(ident), self.span(ident)
                if source is None:
                    value = nix_scope.variable(self, name, env, span)
                elif source.kind == "attrs" and not source.partial and name in source.value:
                    value = replace(source.value[name])
                elif source.kind == UNKNOWN and source.ref is not None:
                    value = NixValue(UNKNOWN, None, span, why=f"`{name}` inherited from an option", ref=(*source.ref, name))
                else:
                    value = NixValue(UNKNOWN, None, span, why=f"inherited from `{self.text(expr)[:40]}`")
                value.key_span = span
                out.value[name] = value

    def _binding(self, out: NixValue, binding, env, depth: int) -> None:
        path = binding.child_by_field_name("attrpath")
        expr = binding.child_by_field_name("expression")
        names = [self._attr_name(part, env) for part in path.named_children if part.type != "comment"]
        value = self.value(expr, env, depth + 1) if expr is not None else NixValue(UNKNOWN, None, self.span(binding))
        value.key_span = self.span(path.named_children[-1])
        node = out
        for i, name in enumerate(names):
            if name is None:
                node.partial = True
                return
            if not isinstance(name, str):  # `${cfg.domain}.x = …`: named once the options are merged
                rest = names[i + 1:]
                if not all(isinstance(r, str) for r in rest):
                    node.partial = True
                    return
                node.pending = [*(node.pending or ()), (name, tuple(rest), value)]
                return
            if i == len(names) - 1:
                old = node.value.get(name)
                node.value[name] = merge_bound_twice(old, value) if old is not None else value
                return
            nxt = node.value.get(name)
            if nxt is None or nxt.kind not in ("attrs", UNKNOWN):
                nxt = NixValue("attrs", {}, self.span(binding), key_span=self.span(path.named_children[i]))
                node.value[name] = nxt
            if nxt.kind == UNKNOWN:
                return
            node = nxt

    def _attr_name(self, part, env) -> str | NixValue | None:
        """The name an attribute path part gives; an 'interp' for one made of option
        references (`"${config.networking.domain}"`, `${fqdn}`); None when unknown."""
        if part.type == "identifier":
            return self.text(part)
        if part.type == "string_expression":
            s = self._string(part, self.span(part), env)
            return s.value if s.kind == "str" else s if s.kind == INTERP else None
        if part.type == "interpolation":  # `${host} = …`: a let-bound name, a reference, else unknown
            text, reference = self._interpolation(part, env)
            if reference is not None:
                chars = [(PLACEHOLDER, self.at(part.start_byte), INTERPOLATED)]
                return NixValue(INTERP, (chars, [reference]), self.span(part))
            return text
        return None

    # -- strings --------------------------------------------------------------------------

    def _string(self, node, span: Span, env: dict[str, NixValue]) -> NixValue:
        indented = node.type == "indented_string_expression"
        # (character, source offset, how it came: False written, True an escape, INTERPOLATED)
        chars: list[tuple[str, int, bool | int]] = []
        deferred: list[tuple[NixValue, bool]] = []  # references the string waits for (nix_refs)
        for part in node.children:
            start = self.at(part.start_byte)
            if part.type == "interpolation":
                text, reference = self._interpolation(part, env)
                if reference is not None:  # one character that never strips, stands for it
                    deferred.append(reference)
                    chars.append((PLACEHOLDER, start, INTERPOLATED))
                    continue
                if text is None:
                    return NixValue(UNKNOWN, None, span, why="a string with `${…}` Nix must compute")
                chars.extend((ch, start, INTERPOLATED) for ch in text)
                continue
            if part.type == "string_fragment":
                text = self.doc.text[start:self.at(part.end_byte)]
                chars.extend((ch, start + i, False) for i, ch in enumerate(text))
            elif part.type == "escape_sequence":
                chars.extend((ch, start, True) for ch in unescape(self.text(part), indented))
            # a `dollar_escape` is the `''` / `\\` before a literal `$`, which follows as a fragment
        if indented:
            chars = strip_indentation(chars)
        if deferred:
            return NixValue(INTERP, (chars, deferred), span, why="a string with an option's value in it")
        return NixValue("str", "".join(c for c, _, _ in chars), span, offsets=[o for _, o, _ in chars])


    def _interpolation(self, part, env: dict[str, NixValue]) -> tuple[str | None, tuple[NixValue, str] | None]:
        """(text, None) for `${…}` of a value known now (a string; `toString` of an
        integer…, `builtins.toJSON` of literals: nix_values.coerce); (None, (value, how))
        for one that waits for option references (`${cfg.host}`, `${toString cfg.port}`,
        a let-bound string that has one); (None, None) for anything else Nix evaluates."""
        expr = next((c for c in part.named_children if c.type != "comment"), None)
        how = ""
        if expr is not None and expr.type == "apply_expression":
            function, expr = expr.child_by_field_name("function"), expr.child_by_field_name("argument")
            how = COERCIONS.get(self.text(function), None) if function is not None else None
            if not how:
                return None, None
        elif expr is None or expr.type not in ("variable_expression", "string_expression", "select_expression",
                                               "indented_string_expression", "parenthesized_expression"):
            return None, None
        value = self.value(expr, env)
        if value.known:
            return coerce(value, how), None
        if waits_for_references(value):
            return None, (value, how)  # made of option references: nix_refs completes it
        return None, None


