"""Writing fixed files without ever losing data.

- atomic: the new bytes go to a temporary file in the same directory, which then
  replaces the original with `os.replace` (a killed process leaves either the old or
  the new file, never half of one);
- the file keeps its mode and owner, and its encoding, BOM and line endings (the text is
  encoded by its own `Document`);
- nothing is written when the file changed on disk since rtclint read it, or when the
  path (or a symlink on the way) leads outside the checked tree; a symlink inside the
  tree stays a symlink (its target is written).
"""

from __future__ import annotations

import os
import stat
import tempfile


class WriteRefused(Exception):
    """The file was not written; the message says why."""


def unchanged_on_disk(abspath: str, expected: bytes) -> bool:
    """The file still holds exactly the bytes rtclint read (and fixed). A size check
    first, then the bytes themselves: stronger than comparing mtimes, which a quick
    edit within the same clock tick would not change."""
    try:
        if os.path.getsize(abspath) != len(expected):
            return False
        with open(abspath, "rb") as fh:
            return fh.read() == expected
    except OSError:
        return False


def inside(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    for root in roots:
        root_real = os.path.realpath(root)
        if real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep):
            return True
    return False


def write_target(abspath: str, roots: list[str]) -> str:
    """The path to write for `abspath`: its real path, which must lie inside one of
    `roots` (directories; a file named on the command line is its own root)."""
    real = os.path.realpath(abspath)
    if not inside(real, roots):
        raise WriteRefused(f"resolves to {real}, outside the checked tree")
    try:
        st = os.lstat(real)
    except OSError as exc:
        raise WriteRefused(f"cannot stat: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise WriteRefused("not a regular file")
    if st.st_nlink > 1:
        # Replacing the file (the atomic write) would leave its other names on the old
        # content: the hard links would silently split.
        raise WriteRefused(f"has {st.st_nlink} hard links; an atomic replace would split them")
    return real


def atomic_write(target: str, data: bytes) -> None:
    """Replace `target` with `data` in one rename, keeping its mode and owner."""
    st = os.stat(target)
    directory, name = os.path.split(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".rtclint-tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), stat.S_IMODE(st.st_mode))
            _keep_owner(fh.fileno(), st)
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    _fsync_dir(directory)


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group. Only root may give a file away:
    when that fails the write is refused rather than silently changing the owner."""
    if not hasattr(os, "fchown"):
        return
    if (os.fstat(fd).st_uid, os.fstat(fd).st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except PermissionError:
        raise WriteRefused("cannot keep the file's owner and group (not allowed to chown)") from None


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(directory: str) -> None:
    """Make the rename itself durable (a crash right after must not undo it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
