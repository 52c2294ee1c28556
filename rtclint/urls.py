"""`urlsplit` for the model and the rules, importing urllib.parse on first use.

urllib.parse brings `ipaddress` along (~3 ms at start-up), and a one-file check whose
file names no URL never splits one."""

from __future__ import annotations


def urlsplit(url: str):
    """urllib.parse.urlsplit(url)."""
    from urllib.parse import urlsplit as split

    return split(url)
