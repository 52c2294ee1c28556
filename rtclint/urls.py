"""`urlsplit` and `hostname` for the model and the rules, importing urllib.parse on first use.

urllib.parse brings `ipaddress` along (~3 ms at start-up), and a one-file check whose
file names no URL never splits one."""

from __future__ import annotations


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
