"""The parse cache's entries, sealed: the pickled facts hold the tree's secrets."""

from __future__ import annotations


def seal(payload: bytes, key: bytes) -> bytes:
    """`payload` encrypted for the parse cache: the pickled facts hold the tree's
    secrets, and a cache directory must not become a copy of them. SHAKE-256 of the
    user's cache key and a random nonce is the keystream (a stream cipher; the cache's
    MAC already authenticates the result)."""
    import os

    nonce = os.urandom(16)
    return nonce + _xor(payload, _keystream(key, nonce, len(payload)))


def unseal(blob: bytes, key: bytes) -> bytes:
    nonce, body = blob[:16], blob[16:]
    return _xor(body, _keystream(key, nonce, len(body)))


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    try:
        from _sha3 import shake_256
    except ImportError:  # another Python implementation
        from hashlib import shake_256
    return shake_256(b"rtclint-cache\0" + key + nonce).digest(size)


def _xor(data: bytes, stream: bytes) -> bytes:
    if not data:
        return b""
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")
