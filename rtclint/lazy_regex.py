"""Regular expressions compiled on first use, not at import.

A one-file pre-commit run imports every rule module, but most of their patterns never
run on that file. Compiling them all at import was ~25 ms of a ~0.15 s run (PyYAML's
alone: ~9 ms for `yaml.reader`'s whole-Unicode NON_PRINTABLE class, which only its
pure-Python reader uses; rtclint parses with the C loader). A `LazyPattern` compiles when
one of its methods is first looked up, then keeps the compiled pattern's bound methods
as its own attributes, so later calls cost what a compiled pattern's do.
"""

from __future__ import annotations

import re


class LazyPattern:
    """Stands in for `re.compile(pattern, flags)` until the pattern is used."""

    def __init__(self, pattern, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags_given = flags

    def __getattr__(self, name: str):
        # only called for attributes not yet on the instance: compile once, then keep
        # the compiled pattern's attribute (a bound method, usually) on the instance
        value = getattr(self.compiled(), name)
        setattr(self, name, value)
        return value

    def compiled(self) -> re.Pattern:
        real = self.__dict__.get("_compiled")
        if real is None:
            real = self.__dict__["_compiled"] = re.compile(self.pattern, self.flags_given)
        return real

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


def lazy(pattern, flags: int = 0) -> LazyPattern:
    """`re.compile`, deferred to the first use of the pattern."""
    return LazyPattern(pattern, flags)


def import_yaml():
    """`import yaml`, with the patterns PyYAML compiles at import made lazy.

    Only `re.compile` calls from PyYAML's own modules are deferred (not those of modules it
    imports), the patch is undone before this returns, and an already-imported yaml is
    returned as it is."""
    import sys

    if "yaml" in sys.modules:
        return sys.modules["yaml"]
    real_compile = re.compile

    def compile_for_yaml(pattern, flags=0):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller == "yaml" or caller.startswith("yaml."):
            return LazyPattern(pattern, flags)
        return real_compile(pattern, flags)

    re.compile = compile_for_yaml  # type: ignore[assignment]
    try:
        import yaml
    finally:
        re.compile = real_compile
    return yaml
