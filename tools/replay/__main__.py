"""`python -m tools.replay [--sample] [--verbose] [CONFIG…]`: replay client requests
against the real nginx, HAProxy and Caddy and against rtclint's model (see run.py).

Runs itself inside a private network+mount namespace (root, `unshare`). Last line:
`replay: N configs, R requests on nginx, haproxy, caddy: D disagreements, U unknown`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from collections import Counter

from tools.replay import namespace


def main(argv: list[str]) -> int:
    if not namespace.inside():
        if os.geteuid() != 0:
            print("replay: needs root (unshare of a network and mount namespace)", file=sys.stderr)
            return 2
        return namespace.enter(argv)
    args = _args(argv)
    # SIGTERM unwinds like an exception, so each `finally` stops the server it started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from tools.replay.corpus import corpus, proxy_kind
    from tools.replay.generate import generate
    from tools.replay.run import replay
    from tools.replay.semantics import semantics

    scratch = tempfile.mkdtemp(prefix="rtclint-replay-")
    namespace.prepare(os.path.join(scratch, "ns"))
    for sub in ("/etc/nginx/sites-enabled", "/etc/nginx/conf.d"):  # a fresh image: only the config's sites
        for name in os.listdir(sub) if os.path.isdir(sub) else []:
            os.remove(os.path.join(sub, name))
    if args.configs:
        configs = [(proxy_kind(p) or "", p) for p in args.configs]
    else:
        configs = (corpus() + generate(os.path.join(scratch, "generated"))
                   + semantics(os.path.join(scratch, "semantics")))
        if args.sample:
            configs = _sample(configs)
    totals = Counter()
    unknown: Counter = Counter()
    skipped: Counter = Counter()
    servers_seen = []
    for kind, path in configs:
        outcome = replay(kind, path, os.path.join(scratch, "ns"))
        if outcome.skipped:
            skipped[outcome.skipped.split(":")[0]] += 1
            if args.verbose:
                print(f"skip {path}: {outcome.skipped}")
            continue
        totals["configs"] += 1
        totals["requests"] += outcome.requests
        totals["not_replayed"] += outcome.not_replayed
        totals["disagreements"] += len(outcome.disagreements)
        if kind not in servers_seen:
            servers_seen.append(kind)
        for text in outcome.disagreements:
            print(text)
        unknown.update(outcome.unknown)
    for why, count in sorted(skipped.items(), key=lambda kv: -kv[1]):
        print(f"skipped {count} configs: {why}")
    for reason, count in sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"unknown {count}: {reason}")
    if totals["not_replayed"]:
        print(f"not replayed {totals['not_replayed']} requests: the model's upstream is on the proxy's own port")
    order = [k for k in ("nginx", "haproxy", "caddy") if k in servers_seen]
    print(f"replay: {totals['configs']} configs, {totals['requests']} requests on {', '.join(order)}: "
          f"{totals['disagreements']} disagreements, {sum(unknown.values())} unknown")
    return 1 if totals["disagreements"] else 0


def _sample(configs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The upstream corpus, every 35th generated variant and the hand-written semantics
    variants: every server, every request."""
    from tools.replay.corpus import SHARED

    return [c for i, c in enumerate(configs) if c[1].startswith(SHARED) or "generated" in c[1] and i % 35 == 0
            or "/semantics/" in c[1]]


def _args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="python -m tools.replay")
    parser.add_argument("--sample", action="store_true", help="a sample that runs in a couple of minutes")
    parser.add_argument("--verbose", action="store_true", help="say why each skipped config was skipped")
    parser.add_argument("configs", nargs="*")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
