"""RTC304 names the server_name a listed host sits under: the nearest parent domain, the
same whatever the set's (hash-seeded) order, with a port kept as part of the name."""

from rtclint.rules.jwt.rtc304_full_access_not_server_name import _parent_server_name


def test_nearest_parent_wins_over_a_farther_one():
    names = {"example.com", "b.example.com"}
    assert _parent_server_name("a.b.example.com", names) == "b.example.com"
    assert _parent_server_name("c.example.com", names) == "example.com"


def test_no_parent_no_name():
    assert _parent_server_name("example.org", {"example.com"}) is None
    assert _parent_server_name("example.com", {"example.com"}) is None  # itself is not its parent
    assert _parent_server_name("localhost", {"example.com"}) is None


def test_a_port_belongs_to_the_name():
    names = {"example.com:8448"}
    assert _parent_server_name("matrix.example.com:8448", names) == "example.com:8448"
    assert _parent_server_name("matrix.example.com", names) is None


def test_same_answer_as_any_matching_name_when_only_one_matches():
    names = {"example.com", "other.org", "x.net"}
    for entry in ("matrix.example.com", "a.b.other.org", "x.net.evil.com", "net"):
        expected = [n for n in names if entry.endswith("." + n)]
        assert _parent_server_name(entry, names) == (expected[0] if expected else None)
