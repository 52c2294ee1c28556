"""PyYAML for all of rtclint: `from rtclint.parsers.pyyaml import yaml`.

One place names the library; the modules that use it import this one inside the
functions that read YAML, so a run without YAML files never loads PyYAML."""

import yaml

__all__ = ["yaml"]
