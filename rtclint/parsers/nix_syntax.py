"""Nix source → literal values with their spans, through tree-sitter-nix; no evaluation.

A NixOS module is read as the attribute set it returns: the function header
(`{ config, lib, ... }:`), `let … in` and `with …;` around it are stepped over, and
`config = { … }` is used when the module splits `options` from `config`. Literals are
kept (strings, numbers, bools, null, paths, lists, attribute sets, `''…''` strings with
Nix's indentation stripping); a `let` binding of a literal is followed. Everything else —
function calls (`lib.mkIf`, `lib.mkForce`), `config.*` references, `//`, `import`, a
`${…}` other than of a `let` string or `toString` of a literal — is a `NixValue` of kind
'unknown', so the readers can stay quiet about what they cannot know rather than call it
missing.

Every position is a character offset into `Document.text` (tree-sitter counts bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rtclint.document import Document, Span

UNKNOWN = "unknown"
INTERPOLATED = 2  # a character a `${…}` put into a string (see strip_indentation)
_KEYWORDS = {"true": ("bool", True), "false": ("bool", False), "null": ("null", None)}
# `\n`, `\t`, `\r` in "…" strings; any other escaped character stands for itself
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
MAX_DEPTH = 200  # nesting deeper than any real module; keeps recursion bounded


@dataclass(slots=True)
class NixValue:
    """A value as written: kind 'str', 'int', 'float', 'bool', 'null', 'path', 'list',
    'attrs' or 'unknown'. Strings carry the source offset of each character (`offsets`),
    lists a list of NixValue, attribute sets a dict name -> NixValue."""

    kind: str
    value: object
    span: Span
    key_span: Span | None = None  # the attribute name it is bound to
    offsets: list[int] | None = None
    why: str = ""  # for 'unknown': what rtclint could not evaluate
    partial: bool = False  # attrs: some attributes have names rtclint cannot know

    @property
    def known(self) -> bool:
        """No part of the value is unknown."""
        if self.kind == UNKNOWN or self.partial:
            return False
        if self.kind == "list":
            return all(v.known for v in self.value)
        if self.kind == "attrs":
            return all(v.known for v in self.value.values())
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
            if nxt is None and node.partial:
                return NixValue(UNKNOWN, None, node.span, why="an attribute name rtclint cannot evaluate")
            node = nxt
        return node

    def python(self):
        """The plain Python value (None for unknown parts)."""
        if self.kind == "list":
            return [v.python() for v in self.value]
        if self.kind == "attrs":
            return {k: v.python() for k, v in self.value.items()}
        return None if self.kind == UNKNOWN else self.value


@dataclass
class Parsed:
    root: NixValue | None  # the module's attribute set (or its `config`)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, message)


def parse(doc: Document) -> Parsed:
    import tree_sitter
    import tree_sitter_nix

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_nix.language()))
    data = doc.text.encode("utf-8")
    tree = parser.parse(data)
    reader = _Reader(doc, data)
    if tree.root_node.has_error:
        return Parsed(None, reader.errors(tree.root_node))
    return Parsed(reader.module(tree.root_node))


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

    # -- syntax errors --------------------------------------------------------------------

    def errors(self, root) -> list[tuple[int, int, str]]:
        """The first syntax error, where Nix's own parser reports it: at the token it did
        not expect (after a construct tree-sitter had to skip, at the token that follows
        it; just inside an unterminated string; at the end for a missing closer)."""
        at, unterminated = min((self._error_at(node) for node in self._problems(root)), default=(0, False))
        text = self.doc.text
        if unterminated:
            return [(at, at, "Nix: this string is not closed before the end of the file")]
        if at >= len(text.rstrip()):
            return [(len(text), len(text), "Nix: syntax error, unexpected end of file")]
        token = re.match(r"\$\{|''|\w[\w.-]*|\S", text[at:])
        shown = token.group(0) if token else text[at]
        return [(at, at + len(shown), f"Nix: syntax error, unexpected `{shown}`")]

    def _problems(self, root):
        """MISSING nodes and the innermost ERROR nodes, in document order."""
        stack = [root]
        while stack:
            node = stack.pop()
            if node.is_missing:
                yield node
            elif node.type == "ERROR" and not any(c.has_error for c in node.children):
                yield node
            elif node.has_error or node.is_missing:
                stack.extend(reversed(node.children))

    def _next_token(self, byte: int) -> int:
        at = self.at(byte)
        rest = self.doc.text[at:]
        return at + len(rest) - len(rest.lstrip())

    def _error_at(self, node) -> tuple[int, bool]:
        """(offset, whether it is an unterminated string)."""
        if node.is_missing:
            return self._next_token(node.start_byte), False
        for child in node.children:
            if child.type in ('"', "''") and child.child_count == 0:
                at = self.at(child.end_byte)
                if child.type == "''":  # Nix's opening token takes the spaces and line break after it
                    blank = re.match(r" *\n", self.doc.text[at:])
                    at += blank.end() if blank else 0
                return at, True
        first = node.children[0] if node.children else None
        if first is not None and first.is_named and not first.has_error:
            return self._next_token(node.end_byte), False  # a complete construct where none may stand
        return self.at(node.start_byte), False

    # -- the module -----------------------------------------------------------------------

    def module(self, root) -> NixValue | None:
        env: dict[str, NixValue] = {}
        node = next((c for c in root.named_children if c.type != "comment"), None)
        for _ in range(MAX_DEPTH):
            if node is None:
                return None
            if node.type == "function_expression":
                node = node.child_by_field_name("body")
            elif node.type == "with_expression":
                node = node.child_by_field_name("body")
            elif node.type == "let_expression":
                self._bind_let(node, env)
                node = node.child_by_field_name("body")
            elif node.type in ("parenthesized_expression", "assert_expression"):
                node = node.child_by_field_name("expression") if node.type == "parenthesized_expression" \
                    else node.child_by_field_name("body")
            else:
                break
        value = self.value(node, env)
        if value.kind == "attrs" and "config" in value.value and ({"options", "imports"} & set(value.value)
                                                                  or value.value["config"].kind == "attrs"):
            return value.value["config"]
        return value

    def _bind_let(self, node, env: dict[str, NixValue]) -> None:
        """`let` bindings see each other: read them again while that makes more known
        (a binding that uses a later one), a few rounds at most."""
        sets = [c for c in node.named_children if c.type == "binding_set"]
        known = -1
        for _ in range(4):
            local = dict(env)
            for binding_set in sets:
                attrs = self._attrs(binding_set, local, node)
                for name, value in attrs.value.items():
                    env[name] = value if value.known else NixValue(UNKNOWN, None, value.span,
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
            bound = env.get(name)  # a copy: the binding that uses it sets its own key_span
            return replace(bound) if bound is not None else NixValue(UNKNOWN, None, span,
                                                                   why=f"`{name}` is not a literal")
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
            return self._attrs(sets[0], env, node, depth)
        if kind == "let_expression":
            local = dict(env)
            self._bind_let(node, local)
            body = node.child_by_field_name("body")
            return self.value(body, local, depth + 1) if body is not None else NixValue(UNKNOWN, None, span)
        return NixValue(UNKNOWN, None, span, why=f"`{self.text(node)[:40]}` is evaluated by Nix")

    def _attrs(self, binding_set, env, owner, depth: int = 0) -> NixValue:
        out = NixValue("attrs", {}, self.span(owner))
        for binding in binding_set.named_children:
            if binding.type == "binding":
                self._binding(out, binding, env, depth)
            elif binding.type == "inherit":
                for attr in (c for c in binding.named_children if c.type == "inherited_attrs"):
                    for ident in attr.named_children:
                        name = self.text(ident)
                        out.value[name] = env.get(name) or NixValue(UNKNOWN, None, self.span(ident), why=f"`{name}`")
            elif binding.type == "inherit_from":
                expr = binding.child_by_field_name("expression")
                for attr in (c for c in binding.named_children if c.type == "inherited_attrs"):
                    for ident in attr.named_children:
                        source = self.text(expr) if expr else "…"
                        out.value[self.text(ident)] = NixValue(UNKNOWN, None, self.span(ident),
                                                               why=f"inherited from `{source}`")
        return out

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
            if i == len(names) - 1:
                old = node.value.get(name)
                node.value[name] = _merge(old, value) if old is not None else value
                return
            nxt = node.value.get(name)
            if nxt is None or nxt.kind not in ("attrs", UNKNOWN):
                nxt = NixValue("attrs", {}, self.span(binding), key_span=self.span(path.named_children[i]))
                node.value[name] = nxt
            if nxt.kind == UNKNOWN:
                return
            node = nxt

    def _attr_name(self, part, env) -> str | None:
        if part.type == "identifier":
            return self.text(part)
        if part.type == "string_expression":
            s = self._string(part, self.span(part), env)
            return s.value if s.kind == "str" else None
        if part.type == "interpolation":  # `${host} = …`: a let-bound name, else unknown
            return self._interpolated(part, env)
        return None

    # -- strings --------------------------------------------------------------------------

    def _string(self, node, span: Span, env: dict[str, NixValue]) -> NixValue:
        indented = node.type == "indented_string_expression"
        # (character, source offset, how it came: False written, True an escape, INTERPOLATED)
        chars: list[tuple[str, int, bool | int]] = []
        for part in node.children:
            start = self.at(part.start_byte)
            if part.type == "interpolation":
                text = self._interpolated(part, env)
                if text is None:
                    return NixValue(UNKNOWN, None, span, why="a string with `${…}` Nix must compute")
                chars.extend((ch, start, INTERPOLATED) for ch in text)
                continue
            if part.type == "string_fragment":
                text = self.doc.text[start:self.at(part.end_byte)]
                chars.extend((ch, start + i, False) for i, ch in enumerate(text))
            elif part.type == "escape_sequence":
                chars.extend((ch, start, True) for ch in _unescape(self.text(part), indented))
            # a `dollar_escape` is the `''` / `\\` before a literal `$`, which follows as a fragment
        if indented:
            chars = strip_indentation(chars)
        return NixValue("str", "".join(c for c, _, _ in chars), span, offsets=[o for _, o, _ in chars])


    def _interpolated(self, part, env: dict[str, NixValue]) -> str | None:
        """`${name}` of a string bound by `let`, `${toString name}` of an integer or
        string: what the cheap cases give; None for anything Nix must evaluate."""
        expr = next((c for c in part.named_children if c.type != "comment"), None)
        if expr is None:
            return None
        if expr.type == "apply_expression":
            function, argument = expr.child_by_field_name("function"), expr.child_by_field_name("argument")
            if function is None or argument is None or self.text(function) not in ("toString", "builtins.toString"):
                return None
            value = self.value(argument, env)
            return str(value.value) if value.kind in ("str", "int") else None
        value = self.value(expr, env) if expr.type in ("variable_expression", "string_expression") else None
        return value.value if value is not None and value.kind == "str" else None


def _unescape(raw: str, indented: bool) -> str:
    if indented:  # ''$ → $, ''' → '', ''\n → newline, ''\x → x
        if raw == "'''":
            return "''"
        body = raw[2:]
        if body.startswith("\\") and len(body) > 1:
            return _DQ_ESCAPES.get(body[1], body[1])
        return body
    if raw.startswith("\\") and len(raw) > 1:
        return _DQ_ESCAPES.get(raw[1], raw[1])
    return raw


def strip_indentation(chars: list[tuple[str, int, bool]]) -> list[tuple[str, int, bool]]:
    """Nix's rule for indented strings (its parser's stripIndentation): the opening
    quotes take the spaces and line break after them; the smallest count of leading
    spaces over the lines with other text is removed from every line; a last line of
    only spaces goes. An escape ends a line's indentation when it is measured, but when
    stripping it is text like any other: an escaped line break starts a new line. What
    a `${…}` gives is never stripped and ends a line's indentation."""
    first = 0
    while first < len(chars) and chars[first][0] == " " and not chars[first][2]:
        first += 1
    if first < len(chars) and chars[first][0] == "\n" and not chars[first][2]:
        chars = chars[first + 1:]
    at_start, indent, smallest = True, 0, 1_000_000
    for ch, _, escaped in chars:
        if at_start and (escaped or ch not in " \n"):
            at_start, smallest = False, min(smallest, indent)
        elif at_start and ch == " ":
            indent += 1
        elif ch == "\n" and not escaped:
            at_start, indent = True, 0
    out: list[tuple[str, int, bool]] = []
    at_start, dropped = True, 0
    for item in chars:
        ch = item[0]
        if item[2] == INTERPOLATED:  # never stripped; what follows is not a line start
            out.append(item)
            at_start, dropped = False, 0
            continue
        if at_start and ch == " ":
            if dropped >= smallest:
                out.append(item)
            dropped += 1
            continue
        out.append(item)
        if ch == "\n":
            at_start, dropped = True, 0
        elif at_start:
            at_start, dropped = False, 0
    last_escape = max((i for i, item in enumerate(out) if item[2]), default=-1)
    breaks = [i for i, item in enumerate(out) if item[0] == "\n" and i > last_escape]
    if breaks and all(item[0] == " " for item in out[breaks[-1] + 1:]):
        out = out[:breaks[-1] + 1]
    return out


def _merge(old: NixValue, new: NixValue) -> NixValue:
    """`a.b = 1; a = { c = 2; };` — Nix merges attribute sets bound to the same name."""
    if old.kind == "attrs" and new.kind == "attrs":
        merged = NixValue("attrs", dict(old.value), old.span, old.key_span, partial=old.partial or new.partial)
        for key, value in new.value.items():
            merged.value[key] = _merge(merged.value[key], value) if key in merged.value else value
        return merged
    return NixValue(UNKNOWN, None, new.span, new.key_span, why="an attribute defined twice")
