"""Cross-file work stays linear: three times the files may cost at most ~3.6 times the
work. Measured as the number of Python function calls (deterministic, unlike time on a
shared machine) over the benchmark's generated corpus at a small size — every quadratic
loop found so far (rules comparing each well-known with every published URL, upstreams
re-read per file, Service selectors against every pod) multiplied it by ~9."""

import os
import sys

from rtclint import engine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import generate  # noqa: E402

SIZES = (12, 3, 6, 3)  # nginx, Caddy, Kubernetes, Compose files at scale 1


def calls_to_check(root: str) -> int:
    count = 0

    def profiler(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profiler)
    try:
        engine.check([root], jobs=1)
    finally:
        sys.setprofile(None)
    return count


def test_three_times_the_files_costs_about_three_times_the_work(tmp_path):
    generate.generate(str(tmp_path / "x1"), 1, sizes=SIZES)
    generate.generate(str(tmp_path / "x3"), 3, sizes=SIZES)
    engine.check([str(tmp_path / "x1")], jobs=1)  # imports and one-time set-up out of the count
    one = calls_to_check(str(tmp_path / "x1"))
    three = calls_to_check(str(tmp_path / "x3"))
    assert three / one <= 3.6, f"{three} calls for 3x the files vs {one}: {three / one:.2f}x"


def test_one_nginx_file_of_three_times_the_server_blocks_costs_about_three_times_the_work(tmp_path):
    """The bench's one-line `server {…}` file (bench/generate.py), at 200 and 600 blocks."""
    small = generate.one_line_servers(str(tmp_path / "small" / "nginx.conf"), 200)
    big = generate.one_line_servers(str(tmp_path / "big" / "nginx.conf"), 600)
    engine.check([small], jobs=1)
    one, three = calls_to_check(small), calls_to_check(big)
    assert three / one <= 3.6, f"{three} calls for 3x the blocks vs {one}: {three / one:.2f}x"


def test_each_further_set_of_upstream_deployments_costs_about_the_same_work(tmp_path):
    """The upstream corpus side by side 2, 4 and 6 times (many deployments in one tree):
    going 4 -> 6 copies may cost at most 1.3x the calls 2 -> 4 did. Increments, not
    totals, so one-time set-up (and what earlier tests left in caches) cancels out; a
    quadratic path makes each increment bigger than the last. Today 1.20
    (`Deployment.sites_for_host` compares records in a list: issue #15); linear is 1.0."""
    from conftest import SHARED

    upstream = os.path.join(SHARED, "corpus", "upstream")
    trees = {n: generate.copy_corpus(upstream, str(tmp_path / f"x{n}"), n) for n in (2, 4, 6)}
    engine.check([trees[2]], jobs=1)
    calls = {n: calls_to_check(tree) for n, tree in trees.items()}
    growth = (calls[6] - calls[4]) / (calls[4] - calls[2])
    assert growth <= 1.3, f"calls for 2/4/6 copies: {calls}; the last increment is {growth:.2f}x the first"
