"""Rules, one module per family. Adding a rule: write it (with its docstring) in its
family's module, add a fixture folder under tests/fixtures/rules/<CODE>/, and run
`make docs` to regenerate its page in rules/.

This list is the registry: a family module is loaded only if it is named here."""

from __future__ import annotations

import importlib

FAMILIES = (
    "rtclint.rules.rtc0xx_files",
    "rtclint.rules.rtc1xx_discovery",
    "rtclint.rules.rtc1xx_delegation",
    "rtclint.rules.rtc2xx_routing",
    "rtclint.rules.rtc3xx_jwt",
    "rtclint.rules.rtc4xx_livekit",
    "rtclint.rules.rtc5xx_synapse",
    "rtclint.rules.rtc6xx_ess",
    "rtclint.rules.rtc6xx_kube",
    "rtclint.rules.rtc9xx_secrets",
)

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in FAMILIES:
        importlib.import_module(module)
