"""rtclint.lazy_regex: patterns compiled on first use behave like compiled ones, and
PyYAML imported through rtclint still rejects what it must."""

import re
import subprocess
import sys

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


PROBE = """
import sys
from rtclint.parsers.pyyaml import yaml
import re
reader = sys.modules["yaml.reader"].Reader
print(type(reader.NON_PRINTABLE).__name__, "_compiled" in vars(reader.NON_PRINTABLE))
print(re.compile is re.__dict__["compile"] and re.compile.__module__ == "re")
for loader in (yaml.CSafeLoader, yaml.SafeLoader):
    try:
        yaml.compose("a: \\x07", Loader=loader)
        print("accepted")
    except yaml.YAMLError as exc:
        print("rejected", type(exc).__name__)
print(yaml.safe_load("when: 2001-12-14t21:59:43.10-05:00").get("when").year)
"""


def test_pyyaml_through_rtclint_defers_its_patterns_and_still_validates():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                         check=True).stdout.splitlines()
    assert out[0] == "LazyPattern False"  # deferred, and the C loader never needs it
    assert out[1] == "True"  # re.compile is restored
    assert out[2] == "rejected ReaderError" and out[3] == "rejected ReaderError"
    assert out[4] == "2001"  # a deferred pattern (timestamps) works when it is used
    assert isinstance(lazy("x"), LazyPattern)


def test_rtclint_imports_pyyaml_only_through_its_importer():
    """A bare `import yaml` anywhere in rtclint, run first, would compile PyYAML's patterns
    at import again (and this guard would be the only sign of it)."""
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "rtclint"
    bare = re.compile(r"^\s*(import yaml\b|from yaml(\.\w+)* import)", re.M)
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py")
                 if p.name != "lazy_regex.py" and bare.search(p.read_text(encoding="utf-8"))
                 and p.relative_to(package).as_posix() != "model/ess_yaml.py"]  # the model imports no parser
    assert offenders == []

