"""Synapse's durations, as `Config.parse_duration` reads them (synapse/config/_base.py)."""

from __future__ import annotations


def parse_duration_ms(value) -> int | None:
    """Synapse's `Config.parse_duration`: int = milliseconds; str with an optional
    s/m/h/d/w/y suffix. None when Synapse would raise."""
    if type(value) is int:
        return value
    if not isinstance(value, str) or not value:
        return None
    sizes = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
    size = sizes.get(value[-1], 1)
    digits = value[:-1] if value[-1] in sizes else value
    if value[-1] not in sizes and not value[-1].isdecimal():
        return None
    try:
        return int(digits) * size
    except ValueError:
        return None
