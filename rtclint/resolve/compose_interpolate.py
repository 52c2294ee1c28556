"""Compose's variable interpolation, as compose-go's `template` package does it.

`${VAR}`, `$VAR`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+replacement}`,
`${VAR+replacement}`, `${VAR:?error}`, `${VAR?error}`, defaults nested to any depth, and
`$$` for a literal `$`. A `$` followed by anything else stays as written; `${` without
its closing brace, or with a body that is not one of the forms above, makes Compose
refuse the project (an InterpolationError here).

The variables are what the project's `.env` sets. A variable set nowhere in the tree is
*unknown* (the shell may set it): a value that needs it is unknown as a whole (None),
never guessed. Defaults are taken as the shell leaves them: `${VAR:-d}` with VAR unknown
is `d`, and `${VAR:+r}` is empty.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping


# The patterns are compiled at first use (~0.1 ms each): most Compose files of a run
# write no `$` at all, and a Kubernetes run never interpolates.
@functools.cache
def _name() -> re.Pattern:
    return re.compile(r"[_A-Za-z][_A-Za-z0-9]*")


@functools.cache
def _braced_form() -> re.Pattern:
    return re.compile(r"(?P<name>[_A-Za-z][_A-Za-z0-9]*)(?:(?P<op>:?[-+?])(?P<arg>.*))?", re.S)


@functools.cache
def lone_reference() -> re.Pattern:
    """`${VAR}`, `$VAR`, `${VAR:-default}`: a value that is the variable's when it is set."""
    return re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    """Compose refuses the value: `offset` is where in the text the reference starts."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


class Expansion:
    # A plain slotted class: `dataclasses` costs a one-file run inspect/ast at start-up.
    __slots__ = ("value", "used")

    def __init__(self, value: str | None, used: list[str]):
        self.value = value  # None: needs a variable set nowhere in the tree
        self.used = used  # variables read, in order


def interpolate(text: str, env: Mapping[str, str]) -> Expansion:
    """`text` with every reference replaced from `env` (see the module docstring)."""
    used: list[str] = []
    value = _expand(text, env, used, 0)
    return Expansion(value, used)


def _expand(text: str, env: Mapping[str, str], used: list[str], base: int) -> str | None:
    out: list[str] = []
    i = 0
    while True:
        j = text.find("$", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:j])
        after = text[j + 1 : j + 2]
        if after == "$":
            out.append("$")
            i = j + 2
        elif after == "{":
            end = _closing_brace(text, j + 2)
            if end is None:
                raise InterpolationError("invalid interpolation format: `${` is never closed", base + j)
            part = _braced(text[j + 2 : end], env, used, base + j)
            if part is None:
                return None
            out.append(part)
            i = end + 1
        else:
            m = _name().match(text, j + 1)
            if m is None:  # `$` before a space, a digit, the end: kept as written
                out.append("$")
                i = j + 1
                continue
            used.append(m.group())
            if m.group() not in env:
                return None
            out.append(env[m.group()])
            i = m.end()


def _closing_brace(text: str, start: int) -> int | None:
    """Index of the `}` that closes the `${` before `start` (braces nest, as in compose-go)."""
    depth = 1
    for k in range(start, len(text)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            depth -= 1
            if depth == 0:
                return k
    return None


def _braced(body: str, env: Mapping[str, str], used: list[str], at: int) -> str | None:
    m = _braced_form().fullmatch(body)
    if m is None:
        raise InterpolationError(f"invalid interpolation format: `${{{body}}}`", at)
    name, op, arg = m.group("name"), m.group("op"), m.group("arg") or ""
    used.append(name)
    value = env.get(name)
    known = name in env
    arg_at = at + 2 + m.start("arg") if op else at
    if op is None:
        return value if known else None
    if op in (":-", "-"):
        if known and (value != "" or op == "-"):
            return value
        return _expand(arg, env, used, arg_at)
    if op in (":+", "+"):
        if known and (value != "" or op == "+"):
            return _expand(arg, env, used, arg_at)
        return ""
    # `:?` / `?`: the variable is required
    if not known:
        return None  # the shell may set it; Compose refuses the project when it does not
    if value == "" and op == ":?":
        message = _expand(arg, env, [], arg_at) or ""
        why = f"required variable {name} is missing a value" + (f": {message}" if message else "")
        raise InterpolationError(why, at)
    return value


# -- YAML node trees ------------------------------------------------------------------


def interpolate_tree(node, env: Mapping[str, str], errors: list[tuple[object, str, int]], memo: dict | None = None):
    """A copy of a YAML node tree with every scalar value interpolated (mapping keys stay as
    written, as in Compose). Copied scalars keep their marks (so spans point at the written
    text) and carry `raw` (the written value); an unknown one keeps the written value and
    `unknown = True`. Refused values go to `errors` as (node, message, offset in the value) and stay
    as written."""
    memo = {} if memo is None else memo
    if id(node) in memo:  # an alias: the same copy, as YAML shares the node
        return memo[id(node)]
    kind = getattr(node, "id", None)
    if kind == "scalar":
        copy = _scalar(node, env, errors)
    elif kind == "sequence":
        copy = type(node)(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
        memo[id(node)] = copy
        copy.value = [interpolate_tree(item, env, errors, memo) for item in node.value]
    elif kind == "mapping":
        copy = type(node)(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
        memo[id(node)] = copy
        copy.value = [(k, interpolate_tree(v, env, errors, memo)) for k, v in node.value]
    else:
        copy = node
    memo[id(node)] = copy
    return copy


def _scalar(node, env: Mapping[str, str], errors: list):
    if "$" not in node.value:
        return node
    copy = type(node)(node.tag, node.value, node.start_mark, node.end_mark, node.style)
    copy.raw = node.value
    copy.used = []
    try:
        expansion = interpolate(node.value, env)
    except InterpolationError as exc:
        errors.append((node, str(exc), exc.offset))
        copy.unknown = True
        return copy
    copy.used = expansion.used
    if expansion.value is None:
        copy.unknown = True
    else:
        copy.value = expansion.value
    return copy


def is_unknown(node) -> bool:
    return bool(getattr(node, "unknown", False))


def has_unknown(node) -> bool:
    """True when the node or anything inside it is unknown."""
    kind = getattr(node, "id", None)
    if kind == "sequence":
        return any(has_unknown(v) for v in node.value)
    if kind == "mapping":
        return any(has_unknown(v) for _k, v in node.value)
    return is_unknown(node)
