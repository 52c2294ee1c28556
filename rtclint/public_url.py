"""A public URL as clients use it: scheme, host, port (the scheme's default when none is
written) and path. A base module (it imports only rtclint.urls).

The rules ask about the same few URLs thousands of times in a big tree (the 300-file
nginx bench set: ~10,000 parses of a few hundred URLs), and a frozen dataclass costs
~0.7 µs to build: each URL is parsed once per process and the immutable instance shared.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rtclint.urls import public_parts


# repr=False: never printed, and dataclasses compiles every generated method at import; eq
# and hash stay (rules compare public URLs and key dicts by them). frozen: instances are
# shared between callers (`parse`).
@dataclass(frozen=True, slots=True, repr=False)
class PublicUrl:
    """A public URL as clients use it: scheme, host, port (defaulted) and path."""

    scheme: str
    host: str
    port: int
    path: str  # without trailing '/'

    @staticmethod
    def parse(url: str) -> "PublicUrl | None":
        """The URL's parts, or None when it has no scheme or host."""
        return _parse(url)

    def same_place(self, other: "PublicUrl") -> bool:
        """Same host, port and path (https vs wss and a trailing slash do not matter)."""
        return (self.host, self.port, self.path) == (other.host, other.port, other.path)

    def text(self) -> str:
        port = "" if self.port == (443 if self.scheme in ("https", "wss") else 80) else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


@functools.lru_cache(maxsize=16384)  # as urls.public_parts, whose answers these wrap
def _parse(url: str) -> PublicUrl | None:
    parts = public_parts(url)
    if parts is None:
        return None
    scheme, host, port, path = parts
    return PublicUrl(scheme, host, port, path.rstrip("/"))
