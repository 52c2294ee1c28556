"""Terminal colour: ANSI SGR codes for the text report and the probe (no library: a
pre-commit run should not pay for one)."""

from __future__ import annotations

_FOREGROUND = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def style(text: str, fg: str | None = None, bold: bool = False) -> str:
    """`text` in colour `fg` and/or bold, reset afterwards."""
    codes = ([str(_FOREGROUND[fg])] if fg else []) + (["1"] if bold else [])
    if not codes:
        return text
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"
