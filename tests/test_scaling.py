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


def test_three_times_the_upstream_deployments_cost_about_three_times_the_work(tmp_path):
    """The upstream corpus side by side 2 and 6 times: many deployments in one tree."""
    from conftest import SHARED

    upstream = os.path.join(SHARED, "corpus", "upstream")
    small = generate.copy_corpus(upstream, str(tmp_path / "x2"), 2)
    big = generate.copy_corpus(upstream, str(tmp_path / "x6"), 6)
    engine.check([small], jobs=1)
    one, three = calls_to_check(small), calls_to_check(big)
    assert three / one <= 3.6, f"{three} calls for 3x the deployments vs {one}: {three / one:.2f}x"
