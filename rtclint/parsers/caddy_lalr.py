"""A small LALR driver over plain-data tables extracted once from Lark's analysis of
grammars/caddyfile.lark, so a Caddy parse does not import lark (≈70 ms) when the tables
are cached. It builds the same tree Lark's tree builder would: terminals named `_…` are
dropped, rules named `_…` (and EBNF helper rules) are spliced into their parent."""

from __future__ import annotations

import marshal
import os
import sys

try:  # the C module itself: `hashlib` would load OpenSSL at start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b  # type: ignore[assignment]

_FORMAT = 1
_TABLES = None


class Token(str):
    """The attributes of lark.Token the Caddy reader uses."""

    __slots__ = ("type", "value", "start_pos")

    def __new__(cls, type_: str, value: str, start_pos: int | None = None):
        self = super().__new__(cls, value)
        self.type, self.value, self.start_pos = type_, value, start_pos
        return self

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r})"


class Tree:
    __slots__ = ("data", "children")

    def __init__(self, data: str, children: list) -> None:
        self.data, self.children = data, children

    def __eq__(self, other) -> bool:
        return isinstance(other, Tree) and self.data == other.data and self.children == other.children

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


class UnexpectedToken(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__(f"unexpected {token.type}")
        self.token = token


def extract(lark_parser) -> dict:
    """Plain-data tables from a built Lark LALR parser (lark is only needed here)."""
    from lark.parsers.lalr_analysis import Shift

    table = lark_parser.parser.parser.parser.parse_table
    rules: list = []
    index: dict = {}
    states = {}
    # plain str/int only (lark's names are str subclasses, which marshal refuses)
    for state, actions in table.states.items():
        row = {}
        for sym, (action, arg) in actions.items():
            if action is Shift:
                row[str(sym)] = (0, int(arg))
            else:
                if arg not in index:
                    index[arg] = len(rules)
                    keep = tuple(
                        (2 if sym_.name.startswith("_") else 1) if not sym_.is_term
                        else (0 if sym_.filter_out or sym_.name.startswith("_") else 1)
                        for sym_ in arg.expansion
                    )
                    rules.append((str(arg.origin.name), len(arg.expansion), keep))
                row[str(sym)] = (1, index[arg])
        states[int(state)] = row
    return {"format": _FORMAT, "states": states, "rules": rules,
            "start": {str(k): int(v) for k, v in table.start_states.items()},
            "end": {str(k): int(v) for k, v in table.end_states.items()}}


def _lark_stamp() -> str:
    """Which lark built the tables, without importing it (its __init__ path and mtime)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("lark")
        return f"{spec.origin}|{os.stat(spec.origin).st_mtime_ns}"
    except Exception:
        return "no-lark"


def _key(grammar: str) -> str:
    stamp = f"{grammar}|{_FORMAT}|{sys.version_info[:2]}|{_lark_stamp()}"
    return blake2b(stamp.encode(), digest_size=10).hexdigest()


def tables(grammar_path: str, cache_dir: str, build) -> dict:
    """The tables for the grammar: from the cache dir, or built with `build()` (a Lark
    parser) and written there (a read-only cache dir only costs the rebuild)."""
    global _TABLES
    if _TABLES is not None:
        return _TABLES
    with open(grammar_path, encoding="utf-8") as fh:
        grammar = fh.read()
    cache_file = os.path.join(cache_dir, f"caddyfile-{_key(grammar)}.lalr.marshal")
    try:
        with open(cache_file, "rb") as fh:
            data = marshal.load(fh)
        if data.get("format") == _FORMAT:
            _TABLES = data
            return data
    except Exception:  # no cache yet or unreadable: build it
        pass
    data = extract(build())
    _TABLES = data
    try:
        os.makedirs(cache_dir, exist_ok=True)
        tmp = f"{cache_file}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            marshal.dump(data, fh)
        os.replace(tmp, cache_file)
    except Exception:  # a read-only home must not stop the check
        pass
    return data


def parse(data: dict, terminals, start: str) -> Tree:
    """Lark's LALR loop (lalr_parser_state.feed_token) with the tree builder's filtering."""
    states, rules = data["states"], data["rules"]
    end_state = data["end"][start]
    state_stack = [data["start"][start]]
    value_stack: list = []
    last = None
    for token in list(terminals) + [None]:
        if token is None:
            token = Token("$END", "", last.start_pos if last is not None else None)
        last = token
        while True:
            row = states[state_stack[-1]]
            action = row.get(token.type)
            if action is None:
                raise UnexpectedToken(token)
            kind, arg = action
            if kind == 0:
                state_stack.append(arg)
                value_stack.append(token)
                break
            name, size, keep = rules[arg]
            if size:
                values = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                values = []
            children: list = []
            for how, value in zip(keep, values):
                if how == 1:
                    children.append(value)
                elif how == 2:
                    children.extend(value)
            value = children if name.startswith("_") else Tree(name, children)
            goto = states[state_stack[-1]][name]
            state_stack.append(goto[1])
            value_stack.append(value)
            if token.type == "$END" and state_stack[-1] == end_state:
                return value_stack[-1]
    raise AssertionError("unreachable")
