"""rtclint.lazy_regex: patterns compiled on first use behave like compiled ones.
(PyYAML is now imported plainly by rtclint.parsers.pyyaml: tests/test_yaml_loader.py.)"""

import re

from rtclint.lazy_regex import LazyPattern, lazy


def test_a_lazy_pattern_compiles_on_first_use_and_then_is_the_real_thing():
    pattern = lazy(r"(?P<word>[a-z]+)-(\d+)", re.I)
    assert "_compiled" not in vars(pattern)
    assert pattern.match("Abc-12").group("word") == "Abc"
    assert "_compiled" in vars(pattern)
    assert pattern.sub(r"\2", "x-1 y-2") == "1 2" and pattern.findall("a-1") == [("a", "1")]
    assert pattern.flags & re.I and pattern.groups == 2 and pattern.pattern.startswith("(?P<word>")
    assert pattern.match.__self__ is pattern.compiled()  # later calls skip __getattr__


def test_a_bad_pattern_fails_when_used_like_re_compile_would():
    bad = lazy("(unclosed")
    try:
        bad.search("x")
    except re.error:
        pass
    else:
        raise AssertionError("a bad pattern must raise re.error on use")
