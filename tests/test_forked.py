"""Parsing a big tree in forked children (`rtclint/forked.py`, `engine.read_files`): the
same findings as one process, and a child that fails only costs time."""

import os
import shutil
import signal

import pytest

from rtclint import engine, forked

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def _square_all(chunk):
    return [x * x for x in chunk]


def test_results_come_back_in_chunk_order_from_the_children():
    chunks = [[1, 2], [3], [4, 5, 6], []]
    assert forked.map_forked(_square_all, chunks) == [_square_all(c) for c in chunks]


def _fails_in_children(parent):
    def work(chunk):
        if os.getpid() != parent:
            kind = chunk[0]
            if kind == "raise":
                raise RuntimeError("a bug in a parser")
            if kind == "signal":
                os.kill(os.getpid(), signal.SIGKILL)
            if kind == "unpicklable":
                return lambda: None
        return [os.getpid() == parent, *chunk]
    return work


def test_a_failed_child_has_its_chunk_redone_here():
    """An exception, a kill and an unpicklable result: each chunk is computed again in
    this process (the True says where), and the run goes on."""
    work = _fails_in_children(os.getpid())
    chunks = [["first"], ["raise"], ["signal"], ["unpicklable"]]
    assert forked.map_forked(work, chunks) == [[True, *c] for c in chunks]


def test_every_child_is_reaped(monkeypatch):
    """No zombie per run (other tests' servers may be this process's children too, so
    only the forked pids are asked about)."""
    pids = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", fork)
    forked.map_forked(_square_all, [[1], [2], [3]])
    assert len(pids) == 2
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _findings(result):
    return sorted((d.code, d.span.path, d.span.start, d.span.end, d.message, d.fix is not None)
                  for d in result.diagnostics)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_forked_read_finds_what_one_process_finds(tmp_path, monkeypatch, jobs):
    """Every shipped example at once, so includes, upstreams and services cross chunks."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    one = engine.check(["examples"], jobs=1)
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(engine, "MIN_PARALLEL_JOBS", 2)
    split_up = []
    real = forked.map_forked
    monkeypatch.setattr(forked, "map_forked", lambda work, chunks: split_up.append(len(chunks)) or real(work, chunks))
    split = engine.check(["examples"], jobs=jobs)
    assert split_up == [jobs]
    assert one.files_checked == split.files_checked > 10
    assert _findings(split) == _findings(one)
    assert sorted(split.documents) == sorted(one.documents)
