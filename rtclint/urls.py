"""`urlsplit` and `hostname` for the model and the rules, importing urllib.parse on first use.

urllib.parse brings `ipaddress` along (~3 ms at start-up), and a one-file check whose
file names no URL never splits one."""

from __future__ import annotations

import functools


def urlsplit(url: str):
    """urllib.parse.urlsplit(url)."""
    from urllib.parse import urlsplit as split

    return split(url)


def hostname(url: str) -> str | None:
    """The URL's host name, or None when it has none or is not a URL urllib can split
    (`wss://[sfu.example.com`: an unclosed IPv6 bracket raises ValueError)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


# the rules ask about the same URLs thousands of times, and a big tree names thousands of them
# (the 900-file bench set ~6k: cycled through a smaller LRU, every lookup missed)
@functools.lru_cache(maxsize=16384)
def public_parts(url: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, path) as a client reads the URL: lower-cased scheme and host,
    the scheme's default port (443 for https/wss, else 80); None without scheme or host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or (443 if scheme in ("https", "wss") else 80), parts.path
