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
