"""Run one function over several chunks of work at once: all but the first chunk in forked
children, the first in this process, results back through pipes as one pickle each.

Why not `concurrent.futures.ProcessPoolExecutor`: its start-up, manager thread and call
queue made two workers slower than one process, and the parent sat idle while they
parsed. Here the parent works on its own share: the bench's nginx set parsed in 0.55-0.69 s
this way, against 0.82-0.96 s with the pool (bench/RESULTS.md). A child that fails in any
way (an exception, a crash, a signal, a result that does not pickle) costs only time: its
chunk is redone in this process, so a parallel run never loses or changes a result.

Only for POSIX `fork` (Linux, macOS): elsewhere every chunk runs in this process.
"""

from __future__ import annotations

import os
import pickle

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def map_forked(work: Callable, chunks: list) -> list:
    """[work(chunk) for chunk in chunks], with chunks[1:] computed in forked children."""
    if len(chunks) < 2 or not hasattr(os, "fork"):
        return [work(chunk) for chunk in chunks]
    children = [_spawn(work, chunk) for chunk in chunks[1:]]
    results = [work(chunks[0])]
    for child, chunk in zip(children, chunks[1:]):
        done = _collect(child) if child is not None else None
        results.append(done[0] if done is not None else work(chunk))
    return results


def _spawn(work: Callable, chunk) -> tuple[int, int] | None:
    """(pid, read end of its pipe) of a child computing work(chunk), or None."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: never returns into the caller's code
        os.close(read_end)
        status = 1
        try:
            payload = pickle.dumps(work(chunk), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        except BaseException:  # noqa: BLE001 - anything: the parent redoes the chunk
            pass
        finally:
            os._exit(status)  # no atexit handlers, no flushing the parent's buffers twice
    os.close(write_end)
    return pid, read_end


def _collect(child: tuple[int, int]) -> tuple | None:
    """(result,) from a finished child, or None when it failed."""
    pid, read_end = child
    with os.fdopen(read_end, "rb") as pipe:
        try:
            payload = pipe.read()
        except OSError:
            payload = b""
    _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return None
    try:
        return (pickle.loads(payload),)
    except Exception:  # noqa: BLE001 - a truncated or foreign pickle: redo the chunk
        return None
