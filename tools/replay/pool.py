"""Configs replayed concurrently: N workers, each in its own network and mount namespace.

A config's time is mostly waiting (a server starting, a TLS handshake, a proxied answer),
not CPU, so several run at once. Each worker is `python -m tools.replay --worker` under
`unshare` (namespace.py): its servers bind the config's own ports, 80 and 443 included,
without colliding with another worker's. The parent hands out one config at a time over
the worker's stdin (a slow config does not hold up a queue behind it) and reads back one
JSON line per config; results come back in config order whatever the finishing order.

Stopping: the parent terminates its workers by process id; `unshare --kill-child` passes
that on, and each worker's `finally` stops the servers it started (by their process id)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import asdict

from tools.replay import namespace
from tools.replay.run import Outcome

MAX_JOBS = 8


def default_jobs() -> int:
    """Twice the cores (a worker mostly waits), at most MAX_JOBS."""
    return max(1, min(MAX_JOBS, 2 * (os.cpu_count() or 1)))


def run_all(configs: list[tuple[str, str]], jobs: int, progress: bool) -> list[Outcome]:
    """Replay every (kind, path) in `configs` with `jobs` workers; outcomes in config order."""
    todo: queue.Queue = queue.Queue()
    for index, config in enumerate(configs):
        todo.put((index, config))
    results: list[Outcome | None] = [None] * len(configs)
    workers = [_start_worker() for _ in range(max(1, min(jobs, len(configs))))]
    done = [0]
    lock = threading.Lock()
    stopping = threading.Event()

    def drive(proc: subprocess.Popen) -> None:
        while not stopping.is_set():
            try:
                index, (kind, path) = todo.get_nowait()
            except queue.Empty:
                return
            results[index] = _ask(proc, kind, path)
            with lock:
                done[0] += 1
                if progress:
                    sys.stderr.write(f"\rreplay: {done[0]}/{len(configs)} configs\x1b[K")
                    sys.stderr.flush()

    threads = [threading.Thread(target=drive, args=(proc,), daemon=True) for proc in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # a short join keeps Ctrl-C deliverable to this thread
    finally:
        stopping.set()  # no new config goes out while the workers are being stopped
        for proc in workers:
            _stop_worker(proc)
        if progress:
            sys.stderr.write("\r\x1b[K")
    return [r for r in results if r is not None]


def _start_worker() -> subprocess.Popen:
    return subprocess.Popen(namespace.command(["--worker"]), env=namespace.environment(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)


def _ask(proc: subprocess.Popen, kind: str, path: str) -> Outcome:
    try:
        proc.stdin.write(json.dumps([kind, path]) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
    except (OSError, ValueError):  # the worker ended, or we closed its pipe to stop it
        line = ""
    if not line:
        return Outcome(kind, path, error=f"the worker ended (status {proc.poll()}) before answering")
    return Outcome(**json.loads(line))


def _stop_worker(proc: subprocess.Popen) -> None:
    """End one worker we started, by its process id: closing its stdin ends it cleanly;
    a worker still busy gets SIGTERM (its `finally` stops its servers)."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve() -> int:
    """The worker: replay each config named on stdin, one JSON outcome line for each."""
    import tempfile

    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the answers
    scratch = tempfile.mkdtemp(prefix="rtclint-replay-")
    namespace.prepare(os.path.join(scratch, "ns"))
    try:
        for line in sys.stdin:
            _serve_one(line, out, scratch)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole group: replay()'s `finally` stopped the server
        return 130
    return 0


def _serve_one(line: str, out, scratch: str) -> None:
    from tools.replay.run import replay

    kind, path = json.loads(line)
    try:
        outcome = replay(kind, path, os.path.join(scratch, "ns"))
    except Exception as exc:  # a harness bug on one config is reported, the run goes on
        import traceback

        outcome = Outcome(kind, path, error="".join(traceback.format_exception(exc))[-2000:])
    out.write(json.dumps(asdict(outcome)) + "\n")
