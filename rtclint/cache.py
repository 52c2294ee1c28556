"""Per-file parse cache in `.rtclint_cache/`, keyed on file content and rtclint version.

A repeated run on an unchanged tree re-parses nothing: each file's FileFacts is pickled
under a key made of rtclint's version, the file's kind, its display path and its bytes.
Entries are signed with a per-user key kept outside the tree (`~/.cache/rtclint/key`):
a cache directory committed to a hostile repository is never unpickled.
Parsers that follow includes list the included files in `FileFacts.includes`; an entry
is used only if those files still have the bytes they had (their hashes are stored).
Rules always run: they are cheap and read the whole tree.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import tempfile

from rtclint import __version__

CACHE_DIR = ".rtclint_cache"
_FORMAT = 1


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class Cache:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0

    @classmethod
    def at(cls, root: str) -> "Cache":
        return cls(os.path.join(root, CACHE_DIR, f"v{__version__}-{_FORMAT}"))

    def key(self, kind: str, path: str, data: bytes) -> str:
        return digest(f"{__version__}\0{kind}\0{path}\0".encode() + data)

    def get(self, key: str):
        """The cached FileFacts, or None on a miss, a bad signature or a stale include."""
        try:
            with open(self._file(key), "rb") as fh:
                blob = fh.read()
            signature, payload = blob[:32], blob[32:]
            if not hmac.compare_digest(signature, _sign(payload)):
                self.misses += 1
                return None
            facts, includes = pickle.loads(payload)
        except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, ValueError, TypeError):
            self.misses += 1
            return None
        for abspath, expected in includes:
            try:
                with open(abspath, "rb") as fh:
                    if digest(fh.read()) != expected:
                        self.misses += 1
                        return None
            except OSError:
                self.misses += 1
                return None
        self.hits += 1
        return facts

    def put(self, key: str, facts, include_paths: list[str]) -> None:
        includes = []
        for abspath in include_paths:
            try:
                with open(abspath, "rb") as fh:
                    includes.append((abspath, digest(fh.read())))
            except OSError:
                return  # an include vanished mid-run: do not cache a result we cannot validate
        try:
            os.makedirs(self.directory, exist_ok=True)
            _ensure_gitignore(os.path.dirname(self.directory))
            payload = pickle.dumps((facts, includes), protocol=pickle.HIGHEST_PROTOCOL)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(_sign(payload) + payload)
            os.replace(tmp, self._file(key))
        except (OSError, pickle.PickleError, TypeError, AttributeError, RecursionError):
            pass  # the cache is an optimisation: never fail a run because of it

    def _file(self, key: str) -> str:
        return os.path.join(self.directory, key)


def _ensure_gitignore(cache_root: str) -> None:
    marker = os.path.join(cache_root, ".gitignore")
    if not os.path.exists(marker):
        with open(marker, "w", encoding="utf-8") as fh:
            fh.write("# Created by rtclint: the parse cache is never committed.\n*\n")


_SECRET: bytes | None = None


def _sign(payload: bytes) -> bytes:
    return hmac.new(_secret(), payload, hashlib.sha256).digest()


def _secret() -> bytes:
    """This user's signing key, created on first use (0600, outside any checked tree)."""
    global _SECRET
    if _SECRET is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(base, "rtclint", "key")
        try:
            with open(path, "rb") as fh:
                _SECRET = fh.read()
        except OSError:
            _SECRET = os.urandom(32)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_SECRET)
            except OSError:
                pass  # read-only home: entries written this run are valid this run only
        if len(_SECRET) < 16:
            _SECRET = os.urandom(32)
    return _SECRET
