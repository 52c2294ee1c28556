"""nginx argument values: location modifiers, `listen` addresses, `host:port`, and time
values (`1m30s`), read as nginx reads them."""

from __future__ import annotations

import re
from functools import lru_cache

_TIME_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2592000, "y": 31536000}


def split_modifier(arg: str) -> tuple[str, str]:
    for mod in ("^~", "~*", "=", "~"):
        if arg.startswith(mod) and len(arg) > len(mod):
            return mod, arg[len(mod):]
    return "", arg


def listen_port(addr: str) -> int | None:
    if addr.startswith("["):
        _, _, after = addr.partition("]")
        port = after[1:] if after.startswith(":") else "80"
    elif addr.isdecimal():
        port = addr
    elif ":" in addr:
        port = addr.rsplit(":", 1)[1]
    else:
        port = "80"
    return int(port) if port.isdecimal() and 0 < int(port) < 65536 else None


def split_hostport(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        host, _, after = hostport[1:].partition("]")
        port = after[1:] if after.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    else:
        host, port = hostport, ""
    return host.lower(), int(port) if port.isdecimal() else None


@lru_cache(maxsize=512)  # a tree repeats a few timeouts in every location
def parse_time(value: str) -> float | None:
    """nginx time value (`120`, `120s`, `1m30s`, `500ms`) in seconds; None if invalid."""
    total = 0.0
    rest = value.strip()
    if not rest:
        return None
    for number, unit in re.findall(r"(\d+)(ms|[smhdwMy]?)\s*", rest):
        total += int(number) * _TIME_UNITS.get(unit or "s", 1)
    if re.fullmatch(r"(\d+(ms|[smhdwMy])?\s*)+", rest) is None:
        return None
    return total
