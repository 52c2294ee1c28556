"""Our LALR driver (caddy_lalr) must give exactly what Lark gives on the Caddy grammar:
the same trees, or an error at the same token. Checked on every Caddyfile in the repo
and on random terminal sequences."""

from __future__ import annotations

import glob
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.parsers import caddy_lalr, caddy_syntax
from rtclint.parsers.caddy_lexer import LexError, tokenize

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ["WORD", "QUOTED", "LBRACE", "RBRACE", "IMPORT", "_NL", "SNIPPET_OPEN", "RAW"]


def _caddyfiles() -> list[str]:
    found = set()
    for base in ("tests", "examples"):
        for path in glob.glob(os.path.join(ROOT, base, "**", "*"), recursive=True):
            name = os.path.basename(path)
            if os.path.isfile(path) and (name == "Caddyfile" or name.endswith(".Caddyfile") or name.startswith("Caddyfile.")):
                found.add(path)
    return sorted(found)


FILES = _caddyfiles()


def _plain(node):
    """A tree as nested tuples: (data, children) and (type, value) for tokens."""
    if hasattr(node, "data"):
        return (str(node.data), [_plain(c) for c in node.children])
    return (node.type, str(node.value))


def _with_lark(terminals, start):
    from lark import Token
    from lark.exceptions import UnexpectedInput

    lark_terms = [Token(t.type, t.value, start_pos=t.start_pos) for t in terminals]
    try:
        return "tree", _plain(caddy_syntax.parser().parse(lark_terms, start=start))
    except UnexpectedInput as exc:
        tok = getattr(exc, "token", None)
        if tok is None or tok.type == "$END":
            return "error", "$END"
        position = next(i for i, t in enumerate(lark_terms) if t is tok)
        return "error", position


def _with_ours(terminals, start):
    try:
        return "tree", _plain(caddy_lalr.parse(caddy_syntax.tables(), terminals, start))
    except caddy_lalr.UnexpectedToken as exc:
        if exc.token.type == "$END":
            return "error", "$END"
        return "error", next(i for i, t in enumerate(terminals) if t is exc.token)


def test_corpus_is_found():
    assert len(FILES) >= 50


@pytest.mark.parametrize("start", ["start", "lines"])
def test_same_result_as_lark_on_every_repo_caddyfile(start):
    compared = 0
    for path in FILES:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        try:
            terminals = list(caddy_syntax._lark_tokens(tokenize(text), start))
        except (LexError, caddy_syntax.CaddySyntaxError):
            continue
        assert _with_ours(terminals, start) == _with_lark(terminals, start), path
        compared += 1
    assert compared >= 40


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TYPES), max_size=25), st.sampled_from(["start", "lines"]))
def test_same_result_as_lark_on_random_terminals(types, start):
    terminals = [caddy_lalr.Token(t, str(i), start_pos=i) for i, t in enumerate(types)]
    assert _with_ours(terminals, start) == _with_lark(terminals, start)


def test_tables_are_built_in_memory_when_the_cache_dir_is_unwritable(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # a cache dir below a file cannot be created, even by root
    monkeypatch.setattr(caddy_lalr, "_TABLES", None)
    data = caddy_lalr.tables(caddy_syntax.grammar_path(), str(blocker / "rtclint"), caddy_syntax.parser)
    assert set(data["start"]) == {"start", "lines"}
    assert caddy_lalr.parse(data, [caddy_lalr.Token("WORD", "0", 0)], "lines").data == "lines"


def test_tables_round_trip_through_the_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(caddy_lalr, "_TABLES", None)
    built = caddy_lalr.tables(caddy_syntax.grammar_path(), str(tmp_path), caddy_syntax.parser)
    monkeypatch.setattr(caddy_lalr, "_TABLES", None)
    loaded = caddy_lalr.tables(caddy_syntax.grammar_path(), str(tmp_path), lambda: pytest.fail("rebuilt"))
    assert loaded == built
