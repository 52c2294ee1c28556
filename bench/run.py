"""rtclint against its peers and the bare parsers, in one run, as ratios.

    python bench/run.py [--rounds N] [--keep DIR] [--upstream DIR]

Generates the corpus (bench/generate.py) at scale 1 and 3, one nginx file of 2k/4k/8k
one-line `server {…}` blocks, and 15/30/60 copies of the upstream corpus (../shared,
read here, never kept in the repository); then times every command in alternating rounds
(A B C A B C …, so machine noise hits all of them alike) and prints medians and ratios,
checked against the targets of issue #15 ("Speed and memory"):

    one small file        rtclint check  <= 1.0 x yamllint on the same file (JSON output;
                          the text report <= 1.5 x, issue #17)
    300 nginx files       rtclint check  <= 0.5 x gixy-ng
    300 YAML files        rtclint check  <= 0.1 x yamllint
    growth                per-file (per-block) time at 2x or 3x the size <= 1.15 x
                          (corpus, nginx set, YAML set, one-line blocks, upstream copies)
    peak memory           <= 150 MB, the whole process tree, on the x1 corpus (660 files)
                          and on the x3 nginx set (900 files)

Peers live in their own venv (.venv-bench: gixy-ng, yamllint) so their pins never shape
ours. Python runs with a bytecode cache (PYTHONPYCACHEPREFIX) because PYTHONDONTWRITEBYTECODE
would make an editable install recompile every module at each start — not what an
installed user gets. rtclint runs as its installed command (.venv/bin/rtclint, like yamllint
and gixy), with --no-cache when it has the flag, so every run parses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import generate  # noqa: E402

BENCH_VENV = os.path.join(ROOT, ".venv-bench")
RTCLINT_PY = os.path.join(ROOT, ".venv", "bin", "python")
RTCLINT = os.path.join(ROOT, ".venv", "bin", "rtclint")  # the installed command, as users and pre-commit run it

FLOOR_NGINX = """
import sys, crossplane
for path in sys.argv[1:]:
    crossplane.parse(path, single=True, comments=True, check_ctx=False, check_args=False)
"""
FLOOR_YAML = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        list(yaml.compose_all(fh.read(), Loader=yaml.CSafeLoader))
"""
FLOOR_CADDY = """
import sys
from rtclint.parsers import caddy
lex = getattr(caddy, "tokenize", None) or getattr(caddy, "lex", None)
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    list(lex(text)) if lex else caddy.parse_text(text)
"""
PEAK_RSS = """
import os, runpy, sys, threading, time

# The whole process tree: rtclint itself plus every descendant (parse workers), sampled
# every 10 ms. Each process counts its proportional set size (Pss: a page shared by k
# processes counts 1/k in each), so forked workers' shared pages are not counted twice.
peak = [0]
def descendants(pid):
    found = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            kids = [int(p) for p in fh.read().split()]
    except OSError:
        return found
    for kid in kids:
        found += [kid] + descendants(kid)
    return found
def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0
def sample():
    me = os.getpid()
    while True:
        peak[0] = max(peak[0], sum(pss_kb(pid) for pid in [me] + descendants(me)))
        time.sleep(0.01)
threading.Thread(target=sample, daemon=True).start()
sys.argv = ["rtclint"] + sys.argv[1:]
try:
    runpy.run_module("rtclint", run_name="__main__")
except SystemExit:
    pass
with open("/proc/self/status") as fh:
    own = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
sys.stderr.write("PEAK_KB %d %d\\n" % (own, max(peak[0], own)))
"""

def ensure_peers() -> None:
    if os.path.exists(os.path.join(BENCH_VENV, "bin", "gixy")) and os.path.exists(
        os.path.join(BENCH_VENV, "bin", "yamllint")
    ):
        return
    subprocess.run([sys.executable, "-m", "venv", BENCH_VENV], check=True)
    subprocess.run([os.path.join(BENCH_VENV, "bin", "pip"), "install", "-q", "gixy-ng", "yamllint", "crossplane",
                    "pyyaml"], check=True)


def environment(pycache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["NO_COLOR"] = "1"
    return env


def rtclint_cmd(*args: str) -> list[str]:
    cmd = [RTCLINT, "check", "--format", "json", "--exit-zero"]
    if rtclint_has_no_cache():
        cmd.append("--no-cache")
    return cmd + list(args)


_NO_CACHE: bool | None = None


def rtclint_has_no_cache() -> bool:
    global _NO_CACHE
    if _NO_CACHE is None:
        out = subprocess.run([RTCLINT_PY, "-m", "rtclint", "check", "--help"], capture_output=True, text=True).stdout
        _NO_CACHE = "--no-cache" in out
    return _NO_CACHE


def bin_(name: str) -> str:
    return os.path.join(BENCH_VENV, "bin", name)


def time_once(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd[:6])}…\n{proc.stderr.decode()[-2000:]}")
    return elapsed


def peak_memory_mb(args: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(rtclint's own peak RSS, the whole process tree's peak, sampled) in MB."""
    cmd = [RTCLINT_PY, "-c", PEAK_RSS, "check", "--format", "json"] + (["--no-cache"] if rtclint_has_no_cache() else [])
    proc = subprocess.run(cmd + args, env=env, cwd=cwd, capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        if line.startswith("PEAK_KB"):
            own, tree = (int(v) / 1024 for v in line.split()[1:3])
            return own, tree
    raise SystemExit("could not measure peak memory:\n" + proc.stderr[-2000:])


def machine() -> str:
    """CPU model, cores, memory and Python, for the record."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model)
        with open("/proc/meminfo", encoding="utf-8") as fh:
            mem_kb = next(int(ln.split()[1]) for ln in fh if ln.startswith("MemTotal:"))
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "RAM unknown"
    return (f"{model}, {os.cpu_count()} cores, {memory}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()} ({platform.python_implementation()})")


def default_upstream() -> str:
    shared = os.environ.get("RTCLINT_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
    return os.path.join(shared, "corpus", "upstream")


# (name, size) of the growth cases: the per-unit time at each size against the one before
BLOCKS = (2000, 4000, 8000)
COPIES = (15, 30, 60)
KUBE_SET_FILES = 300  # issue #15: "300 Kubernetes YAML files"


def main() -> int:
    parser = argparse.ArgumentParser(description="rtclint benchmark")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keep", help="generate the corpus here and keep it")
    parser.add_argument("--upstream", default=default_upstream(), help="the upstream corpus to copy 15/30/60 times")
    args = parser.parse_args()
    if not os.path.isdir(args.upstream):
        raise SystemExit(f"bench needs the upstream corpus: {args.upstream} is not a directory (--upstream DIR)")
    ensure_peers()
    work = args.keep or tempfile.mkdtemp(prefix="rtclint-bench-")
    pycache = os.path.join(work, "pycache")
    env = environment(pycache)
    one = generate.generate(os.path.join(work, "x1"), 1)
    generate.generate(os.path.join(work, "x3"), 3)
    x1, x3 = os.path.join(work, "x1"), os.path.join(work, "x3")
    yaml_dirs = [os.path.join(x1, "k8s"), os.path.join(x1, "compose")]
    yaml_dirs_x3 = [os.path.join(x3, "k8s"), os.path.join(x3, "compose")]
    kube_dir = os.path.join(work, "k8s300")
    generate.kube_set(kube_dir, KUBE_SET_FILES)
    single = one["yaml"][0]
    py = [RTCLINT_PY, "-c"]
    commands = {
        "python -I -c pass": [sys.executable, "-I", "-c", "pass"],
        "rtclint one file": rtclint_cmd(single),
        # the text report (rich), as a pre-commit hook prints it: issue #17's <= 1.5x
        "rtclint one file, text": [a for a in rtclint_cmd(single) if a not in ("--format", "json")],
        "yamllint one file": [bin_("yamllint"), "-f", "parsable", single],
        "rtclint nginx set": rtclint_cmd(os.path.join(x1, "nginx")),
        "rtclint nginx set x3": rtclint_cmd(os.path.join(x3, "nginx")),
        "gixy-ng nginx set": [bin_("gixy"), "-f", "json"] + one["nginx"],
        "crossplane floor": py + [FLOOR_NGINX] + one["nginx"],
        "rtclint yaml set": rtclint_cmd(*yaml_dirs),
        "rtclint yaml set x3": rtclint_cmd(*yaml_dirs_x3),
        "yamllint yaml set": [bin_("yamllint"), "-f", "parsable"] + yaml_dirs,
        "rtclint kube set": rtclint_cmd(kube_dir),
        "yamllint kube set": [bin_("yamllint"), "-f", "parsable", kube_dir],
        "pyyaml floor": py + [FLOOR_YAML] + one["yaml"],
        "rtclint caddy set": rtclint_cmd(os.path.join(x1, "caddy")),
        "caddy lexer floor": py + [FLOOR_CADDY] + one["caddy"],
        "rtclint corpus x1": rtclint_cmd(x1),
        "rtclint corpus x3": rtclint_cmd(x3),
    }
    for blocks in BLOCKS:
        path = generate.one_line_servers(os.path.join(work, f"blocks{blocks}", "nginx.conf"), blocks)
        commands[f"rtclint nginx {blocks} blocks"] = rtclint_cmd(path)
    for times in COPIES:
        out = generate.copy_corpus(args.upstream, os.path.join(work, f"upstream{times}"), times)
        commands[f"rtclint upstream x{times}"] = rtclint_cmd(out)
    for cmd in commands.values():  # warm-up: bytecode cache, grammar cache, disk cache
        time_once(cmd, env, ROOT)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, cmd in commands.items():
            samples[name].append(time_once(cmd, env, ROOT))
    med = {name: statistics.median(v) for name, v in samples.items()}
    counts = {k: len(v) for k, v in one.items()}
    peaks = {f"corpus x1 ({sum(counts.values())} files)": peak_memory_mb([x1], env, ROOT),
             f"nginx set x3 ({3 * counts['nginx']} files)": peak_memory_mb([os.path.join(x3, "nginx")], env, ROOT)}
    counts["upstream"] = sum(len(files) for _, _, files in os.walk(args.upstream))
    report = build_report(med, peaks, counts, args.rounds, samples)
    report += "\ncommand: " + " ".join([os.path.relpath(sys.executable, ROOT), "bench/run.py", *sys.argv[1:]])
    print(report)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


# target -> (numerator, denominator, limit): time ratios of two commands
_PEER_TARGETS = {
    "one small file: rtclint / yamllint": ("rtclint one file", "yamllint one file", 1.0),
    "one small file, text report: rtclint / yamllint": ("rtclint one file, text", "yamllint one file", 1.5),
    "300 nginx files: rtclint / gixy-ng": ("rtclint nginx set", "gixy-ng nginx set", 0.5),
    # issue #15's set: 300 Kubernetes manifests
    "300 Kubernetes YAML files: rtclint / yamllint": ("rtclint kube set", "yamllint kube set", 0.1),
    # a harder set of our own, held to the same bar: 120 manifests and 60 Compose stacks
    # (Compose, homeserver.yaml and livekit.yaml each; 61 deployments, tiny files)
    "300 YAML files, manifests + Compose stacks: rtclint / yamllint": ("rtclint yaml set", "yamllint yaml set", 0.1),
}
GROWTH_LIMIT = 1.15


def _growth_targets() -> dict[str, tuple[str, str, float]]:
    """target -> (bigger case, smaller case, size factor): per-unit time grows by
    (time big / time small) / factor, which must stay <= GROWTH_LIMIT."""
    targets = {
        "corpus x3 / x1, per file": ("rtclint corpus x3", "rtclint corpus x1", 3.0),
        "nginx set x3 / x1, per file": ("rtclint nginx set x3", "rtclint nginx set", 3.0),
        "YAML set x3 / x1, per file": ("rtclint yaml set x3", "rtclint yaml set", 3.0),
    }
    for small, big in zip(BLOCKS, BLOCKS[1:]):
        targets[f"one nginx file {big // 1000}k / {small // 1000}k blocks, per block"] = (
            f"rtclint nginx {big} blocks", f"rtclint nginx {small} blocks", big / small)
    for small, big in zip(COPIES, COPIES[1:]):
        targets[f"upstream corpus x{big} / x{small}, per file"] = (
            f"rtclint upstream x{big}", f"rtclint upstream x{small}", big / small)
    return targets


def build_report(med: dict[str, float], peaks: dict[str, tuple[float, float]], counts: dict[str, int],
                 rounds: int, samples: dict[str, list[float]]) -> str:
    def ratio(a: str, b: str, factor: float = 1.0) -> float:
        return med[a] / med[b] / factor

    def spread(a: str, b: str, factor: float = 1.0) -> str:
        """Lowest and highest ratio of one round's two runs (they ran back to back): how
        much the shared machine moved the figure during this run."""
        per_round = [x / y / factor for x, y in zip(samples[a], samples[b])]
        return f"{min(per_round):.3f}-{max(per_round):.3f}"

    info = [
        ("one-file start-up: rtclint / python -I -c pass", ratio("rtclint one file", "python -I -c pass")),
        ("nginx set: rtclint / crossplane parse", ratio("rtclint nginx set", "crossplane floor")),
        ("YAML set: rtclint / PyYAML C compose", ratio("rtclint yaml set", "pyyaml floor")),
        ("Caddy set: rtclint / Caddy lexer pass", ratio("rtclint caddy set", "caddy lexer floor")),
    ]
    lines = [
        f"rtclint benchmark — {rounds} alternating rounds, medians",
        f"machine: {machine()}",
        f"corpus x1: {counts['nginx']} nginx files, {counts['caddy']} Caddyfiles, {counts['yaml']} YAML files; "
        f"upstream corpus: {counts['upstream']} files",
        "",
        f"{'target':<58} {'ratio':>7} {'limit':>7}  ok   rounds' range",
    ]

    def row(name: str, value: float, limit: float, span: str) -> str:
        return f"{name:<58} {value:>7.3f} {limit:>7.2f}  {'yes' if value <= limit else 'NO '}  {span}"

    for name, (a, b, limit) in _PEER_TARGETS.items():
        lines.append(row(name, ratio(a, b), limit, spread(a, b)))
    for name, (a, b, factor) in _growth_targets().items():
        lines.append(row(name, ratio(a, b, factor), GROWTH_LIMIT, spread(a, b, factor)))
    for what, (own_mb, tree_mb) in peaks.items():
        lines.append(f"{f'peak memory, {what}, process tree (MB)':<58} {tree_mb:>7.1f} {150:>7}  "
                     f"{'yes' if tree_mb <= 150 else 'NO'}")
        lines.append(f"{'  rtclint process alone, VmHWM (MB)':<58} {own_mb:>7.1f}")
    lines.append("(rounds' range: the lowest and highest ratio of one round's pair, run back to back)")
    lines += ["", f"{'seconds (median)':<58} {'time':>7}"]
    for name in [n for n in med if "blocks" in n or "upstream" in n]:
        lines.append(f"{name:<58} {med[name]:>7.2f}")
    lines += ["", f"{'against the bare parsers (information)':<58} {'ratio':>7}"]
    for name, value in info:
        lines.append(f"{name:<58} {value:>7.2f}")
    lines += ["", "JSON: " + json.dumps({k: round(v, 4) for k, v in med.items()})]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
