"""Per-file parse cache in `.rtclint_cache/`, keyed on file content and rtclint version.

A repeated run on an unchanged tree re-parses nothing: each file's FileFacts is pickled
under a key made of rtclint's version, the file's kind, its display path and its bytes.
Entries are signed with a per-user key kept outside the tree (`~/.cache/rtclint/key`):
a cache directory committed to a hostile repository is never unpickled.
Parsers that follow includes list the included files in `FileFacts.includes`; an entry
is used only if those files still have the bytes they had (their hashes are stored).
Every other question a parse asked the file system through its `Tree` (`Tree.asked`: a
file loaded or found missing, a folder listed, a path tested, a pattern globbed) is stored
with its answer and asked again: a mounted file created since, or a file added to a
bind-mounted folder that is not itself checked, re-parses the files that looked.
What a parser learns from the other checked files — another nginx file that includes
this one or defines its `upstream`, a sibling values file — is in the run context each
key also carries (`run_contexts`): the checked roots, the list of checked files, and for
nginx the bytes of every nginx file that says `include` or `upstream` (a checked file
loaded by another is therefore not among the recorded questions). Adding or removing a
file therefore re-parses the tree once; editing a file re-parses that file (and, for
nginx, all nginx files when the edited one can change another's meaning). Rules always
run: they are cheap and read the whole tree.

Where the cache lives (`cache_root`): next to the settings file when there is one
(`.rtclint.toml` / `pyproject.toml` with `[tool.rtclint]`), else at the nearest enclosing
git work tree, else in the current directory — so running from a subdirectory reuses the
project's cache instead of scattering `.rtclint_cache/` folders.
"""

from __future__ import annotations

import os
import pickle

from rtclint import __version__
from rtclint.model.secrets import seal, unseal  # the facts hold the tree's secrets
from rtclint.parsers.base import ANSWERS

try:  # the C modules themselves: `hashlib` and `hmac` would load OpenSSL at every start
    from _blake2 import blake2b
    from _operator import _compare_digest as compare_digest
except ImportError:  # another Python implementation
    from hashlib import blake2b  # type: ignore[assignment]
    from hmac import compare_digest  # type: ignore[assignment]

CACHE_DIR = ".rtclint_cache"
_FORMAT = 3  # 2: entries are sealed (model.secrets.seal); 3: (facts, the questions asked and their answers)


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


_CODE: list[str] = []


def code_fingerprint() -> str:
    """rtclint's own code as installed, by the modification times of its package
    directories. Entries are pickled model objects, so code that changes without a version
    bump must not read them back into changed classes: pip, `git checkout` and `git pull`
    replace files (a new directory entry each), which changes the directory's mtime.
    Directories only: statting every source file cost a cached run ~6 ms here. Python
    making a `__pycache__` folder in a source checkout changes its parent's mtime too: the
    next run re-parses once."""
    if not _CODE:
        _CODE.append(directories_fingerprint(os.path.dirname(os.path.abspath(__file__))))
    return _CODE[0]


def directories_fingerprint(package: str) -> str:
    h = blake2b(digest_size=16)
    for path in sorted(_package_dirs(package)):
        h.update(f"{os.path.relpath(path, package)}\0{os.stat(path).st_mtime_ns}\0".encode())
    return h.hexdigest()


def _package_dirs(directory: str):
    yield directory
    for entry in os.scandir(directory):
        if entry.is_dir() and entry.name != "__pycache__":
            yield from _package_dirs(entry.path)


def cache_root(config_source: str | None = None, cwd: str | None = None) -> str:
    """The directory `.rtclint_cache/` goes in: the settings file's directory, else the
    nearest enclosing git work tree, else the current directory."""
    if config_source:
        return os.path.dirname(os.path.abspath(config_source))
    start = os.path.abspath(cwd or os.getcwd())
    here = start
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return start
        here = parent


def run_contexts(roots: list[str], candidates) -> dict[str, str]:
    """kind -> what every entry of that kind in this run also depends on ("" for all
    kinds): the roots and the checked files' paths, and for nginx the bytes of the nginx
    files that can change another file's meaning."""
    base = blake2b(digest_size=20)
    for root in roots:
        base.update(os.path.abspath(root).encode() + b"\0")
    base.update(b"\1")
    for cand in candidates:
        base.update(f"{cand.abspath}\0{cand.kind}\0".encode())
    contexts = {"": base.hexdigest()}
    nginx = base.copy()
    for cand in candidates:
        if cand.kind == "nginx" and cand.problem is None:
            try:
                with open(cand.abspath, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if b"include" in data or b"upstream" in data:
                nginx.update(f"{cand.abspath}\0{digest(data)}\0".encode())
    contexts["nginx"] = nginx.hexdigest()
    return contexts


class Cache:
    def __init__(self, directory: str, contexts: dict[str, str] | None = None) -> None:
        self.directory = directory
        self.contexts = contexts or {}
        self.hits = 0
        self.misses = 0

    @classmethod
    def at(cls, root: str) -> "Cache":
        return cls(os.path.join(root, CACHE_DIR, f"v{__version__}-{_FORMAT}"))

    def key(self, kind: str, path: str, data: bytes) -> str:
        context = self.contexts.get(kind) or self.contexts.get("", "")
        return digest(f"{__version__}\0{code_fingerprint()}\0{_FORMAT}\0{kind}\0{path}\0{context}\0".encode() + data)

    def get(self, key: str):
        """The cached FileFacts, or None on a miss, a bad signature, a stale include or a
        question about the tree answered differently now."""
        try:
            with open(self._file(key), "rb") as fh:
                blob = fh.read()
            signature, payload = blob[:32], blob[32:]
            if not compare_digest(signature, _sign(payload)):
                self.misses += 1
                return None
            facts, answers = pickle.loads(unseal(payload, _secret()))
        except (OSError, EOFError, pickle.PickleError, AttributeError, ImportError, ValueError, TypeError):
            self.misses += 1
            return None
        if any(answer(kind, path) != expected for kind, path, expected in answers):
            self.misses += 1
            return None
        self.hits += 1
        return facts

    def put(self, key: str, facts, include_paths: list[str], asked=()) -> None:
        """Store `facts` with the answers to the questions its parse asked: the bytes of
        its includes, and the tree questions (`Tree.asked`)."""
        included = {abspath: answer("load", abspath) for abspath in include_paths}
        if None in included.values():
            return  # an include vanished mid-run: do not cache a result we cannot validate
        answers = [("load", abspath, bytes_digest) for abspath, bytes_digest in included.items()]
        answers += [(kind, path, answer(kind, path)) for kind, path in dict.fromkeys(asked)]
        try:
            if any(os.path.islink(p) for p in (self.directory, os.path.dirname(self.directory))):
                return  # a cache directory that points elsewhere came with the repository
            os.makedirs(self.directory, exist_ok=True)
            _ensure_gitignore(os.path.dirname(self.directory))
            payload = seal(pickle.dumps((facts, answers), protocol=pickle.HIGHEST_PROTOCOL), _secret())
            tmp = os.path.join(self.directory, f".tmp-{os.getpid()}-{key}")
            # O_EXCL | O_NOFOLLOW: never write through a planted file or symlink
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(_sign(payload) + payload)
            os.replace(tmp, self._file(key))  # atomic: a reader sees the old entry or the new
        except (OSError, pickle.PickleError, TypeError, AttributeError, RecursionError):
            pass  # the cache is an optimisation: never fail a run because of it

    def _file(self, key: str) -> str:
        return os.path.join(self.directory, key)


def answer(kind: str, path: str):
    """What the file system answers one of a parse's questions (parsers.base.Tree) now."""
    if kind == "load":  # the bytes (a file included is also checked by its digest)
        try:
            with open(path, "rb") as fh:
                return digest(fh.read())
        except OSError:
            return None
    return ANSWERS[kind](path)


def _ensure_gitignore(cache_root: str) -> None:
    marker = os.path.join(cache_root, ".gitignore")
    if not os.path.lexists(marker):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            return  # a parallel worker created it between our check and our open
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# Created by rtclint: the parse cache is never committed.\n*\n")


_SECRET: bytes | None = None


def load_signing_key() -> None:
    """Read or create the key now: before forking parse workers, so that all sign alike."""
    _secret()


def _sign(payload: bytes) -> bytes:
    """Keyed BLAKE2b: a MAC by design (RFC 7693), no HMAC construction needed."""
    return blake2b(payload, key=_secret(), digest_size=32).digest()


def _secret() -> bytes:
    """This user's signing key, created on first use (0600, outside any checked tree)."""
    global _SECRET
    if _SECRET is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        _SECRET = _read_key(os.path.join(base, "rtclint", "key")) or _create_key(os.path.join(base, "rtclint", "key"))
    return _SECRET


def _read_key(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            key = fh.read()
    except OSError:
        return None
    return key if 16 <= len(key) <= 64 else None  # BLAKE2b keys are at most 64 bytes


def _create_key(path: str) -> bytes:
    """A new key, published whole: written to a private temporary file, then hard-linked
    to its name, which fails if another process got there first. Then everyone uses the
    winner's key (two parse workers creating it at once signed entries with different
    keys, and the next run threw away the loser's entries)."""
    key = os.urandom(32)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError:
        return key  # read-only home: entries written this run are valid this run only
    return _read_key(path) or key
