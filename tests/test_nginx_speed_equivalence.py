"""The nginx lexer's fast paths give exactly what its general paths give.

`unescape_value` (a regex substitution) must equal the value of `unescape` (the
character-by-character loop that also maps offsets), and the one-match reading of plain
unquoted words must produce the same statements, words, offsets, problems and comments as
the general word reader (`_word`), which the test forces with a token pattern whose
plain-word alternative matches nothing."""


from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.parsers import nginx_lexer
from rtclint.parsers.nginx_lexer import parse_text, unescape, unescape_value

# the characters nginx's token rules care about, plus ordinary ones
ALPHABET = st.sampled_from(list(" \t\r\n;{}#\"'\\$()ntr/abc.=…"))
TEXTS = st.text(ALPHABET, max_size=80)
SAMPLES = [
    'server { listen 80; server_name a.example "b c" \'d\\\'e\'; }\n',
    'location ~ ^/x${a}{2}$ { return 200 "a\\tb\\"c\\\\d\\x"; }\n',
    "set $a b\\;c; add_header X 'y'z;\n# comment } {\n...\nroot /;",
    'a "unterminated\n', "a}b #c;\n}", "a\\", "${ {", 'if ($a = \'b\') { }',
    # the one-match statements: single-space words ended by `;` or ` {`, and look-alikes
    "listen 443 ssl;\nlocation ^~ /a/ {\n}\n", "a $ {}", "a ${ {}", "a  b;", "a b ;", "a\tb;", "a b{", "a\nb c;",
    "a b\\;c;", "a #b;\n}", 'a "b" c;', "a b;c d {e f;}}", "... ;",
    # longer than one match takes (9 words to a `;`, 8 before a `{`)
    " ".join("abcdefghijkl") + ";", " ".join("abcdefghijk") + " {}", " ".join("abcdefghijkl") + " \"m\";",
]


def reference_unescape(text, start, end):
    """nginx's unescaping, character by character (ngx_conf_read_token's loop)."""
    out, where, i = [], [], start
    while i < end:
        if text[i] == "\\" and i + 1 < end and text[i + 1] in "\"'\\trn":
            out.append({"t": "\t", "r": "\r", "n": "\n"}.get(text[i + 1], text[i + 1]))
            where.append(i)
            i += 2
            continue
        out.append(text[i])
        where.append(i)
        i += 1
    return "".join(out), where


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TEXTS, st.integers(0, 5), st.integers(0, 5))
def test_unescape_equals_the_character_loop(text, cut_start, cut_end):
    start, end = min(cut_start, len(text)), max(min(cut_start, len(text)), len(text) - cut_end)
    expected = reference_unescape(text, start, end)
    value, where = unescape(text, start, end)
    assert (value, list(where)) == expected  # the offsets are an array of machine integers
    assert unescape_value(text[start:end]) == expected[0]


def _general_reader_only(monkeypatch):
    monkeypatch.setattr(nginx_lexer, "_TOKEN", nginx_lexer._token_pattern(plain=False))


def _both(text, monkeypatch):
    fast = parse_text(text, "f.conf")
    with monkeypatch.context() as patched:
        _general_reader_only(patched)
        general = parse_text(text, "f.conf")
    return fast, general


def test_samples_read_the_same_by_both_paths(monkeypatch):
    for text in SAMPLES:
        fast, general = _both(text, monkeypatch)
        assert fast == general, text
        assert fast.stmts or fast.problems


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TEXTS)
def test_arbitrary_text_reads_the_same_by_both_paths(text):
    import pytest
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, general = _both(text, monkeypatch)
    assert fast == general
    for stmt in _walk(fast.stmts):
        for word in stmt.words:
            assert word.value == unescape(text, word.raw_start, word.raw_end)[0]
            where = word.source_map(text)  # an EscapeMap for an escaped word: unescape's offsets
            assert len(where) == len(word.value)
            assert list(where) == list(unescape(text, word.raw_start, word.raw_end)[1])
            assert [where[i] for i in range(-len(where), len(where))] == list(where) * 2


def _walk(stmts):
    for stmt in stmts:
        yield stmt
        yield from _walk(stmt.block or [])


def _crossplane_verdict(name, args, terminator, ctx):
    from crossplane.analyzer import analyze
    from crossplane.errors import NgxParserDirectiveError

    try:
        analyze("f.conf", {"directive": name, "line": 0, "args": args}, terminator, ctx,
                strict=False, check_ctx=True, check_args=True)
    except NgxParserDirectiveError as exc:
        return exc.strerror
    return None


def _analyzer_cases():
    from crossplane.analyzer import CONTEXTS

    names = st.sampled_from(["gzip", "proxy_pass", "add_header", "location", "server", "if", "listen", "http",
                             "absolute_redirect", "types", "upstream", "return", "no_such_directive", "ssl"])
    args = st.lists(st.sampled_from(["on", "off", "ON", "maybe", "x", "80", "/"]), max_size=4)
    return st.tuples(names, args, st.sampled_from([";", "{"]), st.sampled_from(sorted(CONTEXTS)))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_analyzer_cases())
def test_remembered_directive_verdicts_equal_crossplanes(case):
    from rtclint.parsers.nginx_checks import directive_error

    name, args, terminator, ctx = case
    expected = _crossplane_verdict(name, args, terminator, ctx)
    assert directive_error(name, args, terminator, ctx) == expected
    assert directive_error(name, args, terminator, ctx) == expected  # the second answer is the remembered one


def test_block_contexts_equal_crossplanes():
    from crossplane.analyzer import CONTEXTS, enter_block_ctx

    from rtclint.parsers.nginx_config import enter

    for ctx in CONTEXTS:
        for text in ("location / {}", "if ($a) {}", "server {}", "limit_except GET {}", "upstream u {}"):
            stmt = parse_text(text).stmts[0]
            assert enter(stmt, ctx) == enter_block_ctx({"directive": stmt.name}, ctx)
