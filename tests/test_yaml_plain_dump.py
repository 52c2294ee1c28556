"""rtclint.yaml_roundtrip.plain predicts ruamel.yaml's dump for plain files, so `set_value`
skips the round trip there: on every generated file, plain or nearly so, the edits must be
the ones ruamel's round trip gives (or both refuse), and the fast path must have been the
one that answered whenever the file is plain."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtclint.yaml_roundtrip import set_value, set_value_by_round_trip
from rtclint.yaml_roundtrip.plain import dump_after_set, plain_scalar

KEYS = st.sampled_from(["port", "room", "auto_create", "rtc", "keys", "a.b", "use-ip", "_x", "yes", "True", "k1"])
SCALARS = st.one_of(
    st.sampled_from(["true", "false", "True", "null", "~", "7880", "0", "012", "0x1f", "1e3", "5fd75a", "54348798934db344",
                     "1.5", "on", "Off", "y", "example.com", "wss://x", "a#b", "'q'", "\"q\"", "[1]", "{a: 1}", "-", ""]),
    st.text(string.ascii_letters + string.digits + "._-:#", min_size=1, max_size=8),
)


PLAIN_KEYS = st.sampled_from(["port", "room", "auto_create", "rtc", "keys", "a.b", "use-ip", "_x", "k1"])
PLAIN_SCALARS = st.sampled_from(["true", "false", "7880", "0", "5fd75a", "54348798934db344", "example.com", "k-1", "x"])


@st.composite
def yaml_files(draw) -> str:
    """Block mappings: half of them plain, the others with something that is not (keys or
    values ruamel writes differently, comments, blank lines, odd indentation, CRLF, a
    sequence, a document marker, no final newline)."""
    plain = draw(st.booleans())
    keys, scalars = (PLAIN_KEYS, PLAIN_SCALARS) if plain else (KEYS, SCALARS)
    step = draw(st.sampled_from([2, 4, 3]))
    lines: list[str] = []
    for key in draw(st.lists(keys, min_size=0, max_size=5)):
        if draw(st.booleans()):
            lines.append(f"{key}:")
            for child in draw(st.lists(keys, min_size=0 if not plain else 1, max_size=4)):
                odd = not plain and not draw(st.integers(0, 4))
                indent = draw(st.sampled_from([1, 2, 4, 6])) if odd else step
                lines.append(" " * indent + f"{child}: {draw(scalars)}")
        else:
            lines.append(f"{key}: {draw(scalars)}")
    if plain:
        return "".join(line + "\n" for line in lines)
    noise = draw(st.sampled_from(["", "# c", "", "  - item", "key:  two", "---", "k: v # c"]))
    if noise:
        lines.insert(draw(st.integers(0, len(lines))), noise)
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", "\n\n"]))
    return ending.join(lines) + (ending if draw(st.integers(0, 5)) else "")


@settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck))
@given(yaml_files(), st.sampled_from(["room", "rtc", "", "keys"]), KEYS,
       st.sampled_from(["false", "true", "7880", "abc", "1.5", "yes"]))
def test_the_fast_path_gives_ruamels_edits(text, section, key, value):
    assert set_value(text, section, key, value) == set_value_by_round_trip(text, section, key, value)


def test_the_fast_path_answers_for_the_plain_files_rtclint_edits():
    livekit = "port: 7880\nrtc:\n  tcp_port: 7881\n  use_external_ip: true\nkeys:\n  key0: 5fd75a5fceab8ab4\n"
    for text in (livekit, livekit + "room:\n  enabled_codecs: x\n", livekit + "room:\n  auto_create: true\n"):
        assert dump_after_set(text, 2, "room", "auto_create", "false") is not None
        assert set_value(text, "room", "auto_create", "false") == set_value_by_round_trip(
            text, "room", "auto_create", "false")


def test_plain_scalars_are_the_ones_ruamel_writes_back_unchanged():
    assert all(map(plain_scalar, ["true", "false", "7880", "0", "abc", "example.com", "5fd75a", "k-1"]))
    assert not any(map(plain_scalar, ["True", "null", "yes", "012", "0x1f", "1e3", "1.5", "a:b", "'a'", ""]))


def test_a_scalar_where_the_section_should_be_gets_no_edit_either_way():
    for text in ("room: 5\n", "room: auto_create_x\n", "room: 5 # c\n"):
        assert set_value(text, "room", "auto_create", "false") is None
        assert set_value_by_round_trip(text, "room", "auto_create", "false") is None
