"""Parsing a big tree in a pool of forked workers (`reading.map_chunks`, `reading.read_files`):
the same findings as one process, and a worker that fails only costs time."""

import os
import shutil
import signal

import pytest

from rtclint import engine, reading

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def _square_all(chunk):
    return [x * x for x in chunk]


def test_results_come_back_in_chunk_order_from_the_workers():
    chunks = [[1, 2], [3], [4, 5, 6], []]
    assert reading.map_chunks(_square_all, chunks) == [_square_all(c) for c in chunks]


def _where(chunk):
    return os.getpid()


def test_chunks_after_the_first_run_in_other_processes_that_are_all_reaped():
    """The parent computes the first chunk itself; no worker outlives the call (other
    tests' servers may be this process's children too, so only the workers are asked about)."""
    pids = reading.map_chunks(_where, [[0], [1], [2]])
    assert pids[0] == os.getpid()
    workers = set(pids[1:]) - {os.getpid()}
    assert workers
    for pid in workers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


PARENT = os.getpid()


def _fails_in_workers(chunk):
    if os.getpid() != PARENT:
        kind = chunk[0]
        if kind == "raise":
            raise RuntimeError("a bug in a parser")
        if kind == "signal":
            os.kill(os.getpid(), signal.SIGKILL)
        if kind == "unpicklable":
            return lambda: None
    return [os.getpid() == PARENT, *chunk]


@pytest.mark.parametrize("failure", ["raise", "signal", "unpicklable"])
def test_a_failed_worker_has_its_chunk_redone_here(failure):
    """An exception, a kill and an unpicklable result: the chunk is computed again in
    this process (the True says where), and the run goes on."""
    global PARENT
    PARENT = os.getpid()
    chunks = [["first"], [failure], ["fine"]]
    results = reading.map_chunks(_fails_in_workers, chunks)
    assert results[:2] == [[True, "first"], [True, failure]]
    assert results[2][1:] == ["fine"]


def _findings(result):
    return sorted((d.code, d.span.path, d.span.start, d.span.end, d.message, d.fix is not None)
                  for d in result.diagnostics)


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_parallel_read_finds_what_one_process_finds(tmp_path, monkeypatch, jobs):
    """Every shipped example at once, so includes, upstreams and services cross chunks."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    one = engine.check(["examples"], jobs=1)
    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(reading, "MIN_PARALLEL_JOBS", 2)
    split_up = []
    real = reading.map_chunks
    monkeypatch.setattr(reading, "map_chunks", lambda work, chunks: split_up.append(len(chunks)) or real(work, chunks))
    split = engine.check(["examples"], jobs=jobs)
    assert split_up == [jobs]
    assert one.files_checked == split.files_checked > 10
    assert _findings(split) == _findings(one)
    assert sorted(split.documents) == sorted(one.documents)


def test_an_overlaid_text_reaches_the_workers(tmp_path, monkeypatch):
    """The fixer's in-memory re-check (`overlaid`) is seen by forked workers too."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(reading, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(reading, "MIN_PARALLEL_JOBS", 2)
    files = sorted(str(p) for p in (tmp_path / "examples").rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))
    assert files
    broken = {os.path.abspath(f): b"key: [unclosed\n" for f in files}
    with engine.overlaid(broken):
        split = engine.check(["examples"], jobs=3)
    one = engine.check(["examples"], jobs=1)
    assert _findings(split) != _findings(one)
    with engine.overlaid(broken):
        assert _findings(engine.check(["examples"], jobs=1)) == _findings(split)
