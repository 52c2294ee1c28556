"""The secrets' masking pattern is written as a trie (model/secrets.py `_trie_pattern`):
it must mask exactly what the plain longest-first alternation of every form masks."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.model.secrets import Secrets, _alternation, _trie_pattern

CHARS = "ab1.*\\\"é\n"  # few characters: forms share beginnings, end inside each other
forms_st = st.sets(st.text(alphabet=CHARS, min_size=1, max_size=9), min_size=1, max_size=12)


def _mask(pattern: str, text: str) -> str:
    return re.compile(pattern).sub(lambda m: "*" * len(m.group(0)), text)


@settings(max_examples=500)
@given(forms_st, st.text(alphabet=CHARS + "xz", max_size=60))
def test_the_trie_masks_what_the_alternation_masks(forms, text):
    trie = _trie_pattern(forms)
    assert trie is not None
    # the text with some forms written into it, so that matches are common
    text = text + "".join(sorted(forms))[:40] + text[::-1]
    assert _mask(trie, text) == _mask(_alternation(forms), text)
    assert bool(re.search(trie, text)) == bool(re.search(_alternation(forms), text))


def test_forms_nested_too_deep_fall_back_to_the_alternation():
    forms = {"a" * n for n in range(6, 300)}  # each a prefix of the next
    assert _trie_pattern(forms) is None
    found = Secrets()
    for form in forms:
        found.add_value(form)
    assert found.mask("x" + "a" * 304 + "x") == "x" + "*" * 299 + "aaaaa" + "x"  # the longest; 5 left: too short


def test_secrets_mask_real_values():
    """A hex secret and a shorter one it begins with, and a value with a quote as JSON
    writes it (`\\"`): each masked whole, the longest first."""
    found = Secrets()
    for value in ("5fd75a5fceab8ab43f6f2bdb75ceabb0", "5fd75a5fceab8ab4", 's3cr3t"quoted'):
        found.add_value(value)
    text = 'SECRET=5fd75a5fceab8ab43f6f2bdb75ceabb0 "s3cr3t\\"quoted" 5fd75a5fceab8ab4x'
    assert found.mask(text) == 'SECRET=' + "*" * 32 + ' "' + "*" * 14 + '" ' + "*" * 16 + "x"


def test_findings_are_scrubbed_where_a_message_quotes_a_secret():
    """`scrub_diagnostics` asks each form of all messages at once: a finding whose own,
    related or fix message quotes a secret (as it is or as JSON escapes it) is masked as
    the pattern masks it, every other finding is passed on as it is."""
    from types import SimpleNamespace

    from rtclint.diagnostics import Applicability, Diagnostic, Fix, Related, Severity
    from rtclint.document import Span
    from rtclint.model.secrets import scrub_diagnostics

    found = Secrets()
    for value in ("5fd75a5fceab8ab43f6f2bdb75ceabb0", 's3cr3t"quoted', "a\0b\0c\0d"):
        found.add_value(value)
    deployment = SimpleNamespace(_secrets=found)
    span = Span("f", 0, 1)

    def diag(message, related="", fix=""):
        return Diagnostic("RTC900", "x", Severity.ERROR, span, message,
                          fix=Fix(Applicability.SAFE, fix, ()) if fix else None,
                          related=(Related(span, related),) if related else ())

    clean = [diag("nothing here"), diag("a", related="b", fix="c"), diag("a\0b", related="\0c\0d")]
    assert scrub_diagnostics(clean, deployment) is clean  # not even the pattern compiled
    across = [diag("a\0b", related="c\0d")]  # a form only across the messages' joint
    assert [d is a for d, a in zip(scrub_diagnostics(across, deployment), across)] == [True]
    quoting = [diag("key 5fd75a5fceab8ab43f6f2bdb75ceabb0!"), diag("ok", related='is s3cr3t\\"quoted'),
               diag("ok", fix="write a\0b\0c\0d"), diag("untouched")]
    out = scrub_diagnostics(clean + quoting, deployment)
    assert out[:3] == clean and out[-1] is quoting[-1]
    assert out[3].message == "key " + "*" * 32 + "!"
    assert out[4].related[0].message == "is " + "*" * 14 and out[4].message == "ok"
    assert out[5].fix.message == "write " + "*" * 7


@settings(max_examples=500)
@given(st.sets(st.text(alphabet=CHARS + "xz", min_size=6, max_size=10), max_size=6),
       st.lists(st.lists(st.sampled_from(["ab1.*", "xz\n", "\n", "é", '\\"', "zzz", "1"]), max_size=12), max_size=8),
       st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5)), max_size=4))
def test_chunks_are_masked_as_each_chunk_alone(values, pieces, plants):
    """`mask_chunks` passes on a chunk whose new lines hold no form, and masks the others:
    the same texts as `mask` of each chunk, whatever lines repeat across chunks and
    whether a form holds a line break."""
    found = Secrets()
    for value in values:
        found.add_value(value)
    chunks = ["".join(p) for p in pieces]
    ordered = sorted(found.forms())  # each as it is and as JSON escapes it
    for chunk_at, value_at in plants:  # a secret written into a chunk, some seen lines before
        if chunks and ordered:
            i = chunk_at % len(chunks)
            chunks[i] = chunks[i] + ordered[value_at % len(ordered)] + chunks[0]
    chunks = chunks + chunks[::-1]
    assert list(found.mask_chunks(iter(chunks))) == [found.mask(chunk) for chunk in chunks]


def test_a_chunk_holding_one_secret_among_lines_seen_before_is_masked():
    found = Secrets()
    for value in ("5fd75a5fceab8ab43f6f2bdb75ceabb0", "zyxwvu987654"):
        found.add_value(value)
    lines = "".join(f'  "line": {i},\n' for i in range(300))
    chunks = [lines, lines + '"content": "zyxwvu987654"\n', lines]
    assert list(found.mask_chunks(chunks)) == [lines, lines + '"content": "************"\n', lines]
