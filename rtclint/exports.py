"""Names a package exports from its modules, each imported on first use (PEP 562).

A package's `__init__` that imported every class it names made every run define every
class (a dataclass costs a compile of its methods at import): a run that meets no proxy
never needs the proxy classes, a plain check never the fix loop."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, homes: dict[str, str]):
    """The package's module `__getattr__`: `name` from `package.<homes[name]>`."""

    def __getattr__(name: str):
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    return __getattr__
