"""The Caddyfile grammar (grammars/caddyfile.lark) as a Lark LALR parser.

Lark builds its LALR tables from the grammar; with `cache=` it keeps that analysis in a
file of the user cache directory (~/.cache/rtclint, or $XDG_CACHE_HOME/rtclint) and loads
it on later runs instead of analysing the grammar again. A home that is missing or
read-only only costs the analysis: the parser is then built without a cache.

The terminals are not lexed by Lark: caddy_syntax makes them from Caddy's own lexer
(caddy_lexer) and Caddy's newline rules, and `TokenFeed` hands them over unchanged. This
module imports lark, so caddy_syntax imports it only when a Caddyfile is parsed.
"""

from __future__ import annotations

import os
import sys

import lark
from lark import Token
from lark.exceptions import UnexpectedToken
from lark.lexer import Lexer

__all__ = ["Token", "UnexpectedToken", "grammar_path", "cache_path", "parser"]

START_RULES = ["start", "lines"]  # a whole Caddyfile; the directive lines of an imported file
_PARSER: lark.Lark | None = None


class TokenFeed(Lexer):
    """The 'lexer' Lark runs: the input is already a list of terminals (lark Tokens).
    At module level so that Lark's cache can name it."""

    def __init__(self, lexer_conf) -> None:  # the signature Lark expects of a custom lexer
        pass

    def lex(self, data):
        return iter(data)


def grammar_path() -> str:
    """grammars/caddyfile.lark: inside the wheel (rtclint/grammars) or the source checkout."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(here, "grammars"), os.path.join(os.path.dirname(here), "grammars")):
        path = os.path.join(candidate, "caddyfile.lark")
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("caddyfile.lark not found next to the rtclint package")


def cache_path() -> str | None:
    """The file for Lark's grammar cache, or None when there is no usable cache directory.

    Named for the lark and Python versions, so that two environments sharing a home do
    not overwrite each other's cache on every run (Lark checks the grammar itself)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):  # no HOME and no password entry: no cache
            return None
        base = os.path.join(home, ".cache")
    directory = os.path.join(base, "rtclint")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:  # read-only or not a directory: parse without a cache
        return None
    name = f"caddyfile-lark{lark.__version__}-py{sys.version_info[0]}{sys.version_info[1]}.cache"
    return os.path.join(directory, name)


def parser() -> lark.Lark:
    """The grammar's LALR parser, built once per process (from Lark's cache when it can)."""
    global _PARSER
    if _PARSER is None:
        with open(grammar_path(), encoding="utf-8") as fh:
            grammar = fh.read()
        options = dict(parser="lalr", lexer=TokenFeed, start=START_RULES, maybe_placeholders=False)
        try:
            _PARSER = lark.Lark(grammar, cache=cache_path() or False, **options)
        except OSError:  # Lark lets some cache-file errors through: build without it
            _PARSER = lark.Lark(grammar, **options)
    return _PARSER


def parse(terminals: list[Token], start: str):
    """The Lark tree of the terminals; lark.exceptions.UnexpectedToken at the first
    terminal the grammar does not allow there (type '$END' at the end)."""
    return parser().parse(terminals, start=start)
