"""`python -m tools.replay [--sample] [--verbose] [-j N] [--shard K/N] [CONFIG…]`: replay client requests
against the real nginx, HAProxy, Caddy and Traefik and against rtclint's model (see run.py).

Configs run concurrently in workers, each in its own network+mount namespace (root,
`unshare`; pool.py); the output is in config order. Last line:
`replay: N configs, R requests on nginx, haproxy, caddy, traefik: D disagreements, U unknown`."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from collections import Counter

from tools.replay import namespace


def main(argv: list[str]) -> int:
    args = _args(argv)
    if args.worker:
        if not namespace.inside():
            print("replay: --worker runs only inside the namespace the parent makes", file=sys.stderr)
            return 2
        # SIGTERM and Ctrl-C unwind like an exception, so each `finally` stops the server it
        # started; the first one only: a second (Ctrl-C reaches unshare too, whose
        # --kill-child then sends SIGTERM) must not cut that `finally` short
        signal.signal(signal.SIGTERM, _first_signal(lambda: SystemExit(143)))
        signal.signal(signal.SIGINT, _first_signal(KeyboardInterrupt))
        from tools.replay.pool import serve

        return serve()
    if os.geteuid() != 0:
        print("replay: needs root (unshare of a network and mount namespace)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: the workers are stopped
    scratch = tempfile.mkdtemp(prefix="rtclint-replay-")
    try:
        configs = _configs(args, scratch)
        from tools.replay.pool import run_all

        outcomes = run_all(configs, args.jobs, progress=sys.stderr.isatty())
        return _summary(outcomes, args.verbose)
    except KeyboardInterrupt:  # run_all's `finally` has stopped the workers, and they their servers
        print("replay: interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _first_signal(make_exception):
    def handler(*_) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise make_exception()

    return handler


def _configs(args, scratch: str) -> list[tuple[str, str]]:
    from tools.replay.corpus import corpus, proxy_kind
    from tools.replay.generate import generate
    from tools.replay.semantics import semantics

    if args.configs:
        configs = [(proxy_kind(p) or "", os.path.abspath(p)) for p in args.configs]
    else:
        configs = (corpus() + generate(os.path.join(scratch, "generated"))
                   + semantics(os.path.join(scratch, "semantics")))
        if args.sample:
            configs = _sample(configs)
    if args.shard:
        k, n = args.shard
        configs = [c for i, c in enumerate(configs) if i % n == k - 1]
    return configs


def _summary(outcomes, verbose: bool) -> int:
    totals: Counter = Counter()
    unknown: Counter = Counter()
    skipped: Counter = Counter()
    servers_seen = []
    per_server: dict[str, Counter] = {}
    for outcome in outcomes:
        if outcome.error:
            totals["errors"] += 1
            print(f"ERROR {outcome.kind} {outcome.path}\n{outcome.error}")
            continue
        if outcome.skipped:
            skipped[outcome.skipped.split(":")[0]] += 1
            if verbose:
                print(f"skip {outcome.path}: {outcome.skipped}")
            continue
        totals["configs"] += 1
        totals["requests"] += outcome.requests
        totals["not_replayed"] += outcome.not_replayed
        totals["disagreements"] += len(outcome.disagreements)
        if outcome.kind not in servers_seen:
            servers_seen.append(outcome.kind)
        per_server.setdefault(outcome.kind, Counter()).update(
            configs=1, requests=outcome.requests, disagreements=len(outcome.disagreements),
            unknown=sum(outcome.unknown.values()))
        for text in outcome.disagreements:
            print(text)
        unknown.update(outcome.unknown)
    for why, count in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"skipped {count} configs: {why}")
    for reason, count in sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"unknown {count}: {reason}")
    if totals["not_replayed"]:
        print(f"not replayed {totals['not_replayed']} requests: the model's upstream is on the proxy's own port")
    if totals["errors"]:
        print(f"harness errors on {totals['errors']} configs (see ERROR above)")
    order = [k for k in ("nginx", "haproxy", "caddy", "traefik") if k in servers_seen]
    for kind in order:
        c = per_server[kind]
        print(f"{kind}: {c['configs']} configs, {c['requests']} requests, {c['disagreements']} disagreements, "
              f"{c['unknown']} unknown")
    print(f"replay: {totals['configs']} configs, {totals['requests']} requests on {', '.join(order)}: "
          f"{totals['disagreements']} disagreements, {sum(unknown.values())} unknown")
    return 1 if totals["disagreements"] or totals["errors"] else 0


def _sample(configs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The upstream corpus, every 35th generated variant, the first two of each Traefik
    provider's variants (labels, IngressRoutes, Ingresses, HTTPRoutes) and the hand-written
    semantics variants: every server, every provider, every request."""
    from tools.replay.corpus import SHARED

    providers = ("/traefik-labels-", "/traefik-crd-", "/traefik-ingress-", "/traefik-gateway-")
    firsts = {p: [c for c in configs if p in c[1]][:2] for p in providers}
    chosen = {c for picked in firsts.values() for c in picked}
    return [c for i, c in enumerate(configs) if c[1].startswith(SHARED) or "generated" in c[1] and i % 35 == 0
            or "/semantics/" in c[1] or c in chosen]


def _args(argv: list[str]):
    parser = argparse.ArgumentParser(prog="python -m tools.replay")
    parser.add_argument("--sample", action="store_true", help="a sample that runs in a couple of minutes")
    parser.add_argument("--verbose", action="store_true", help="say why each skipped config was skipped")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="configs replayed at once, each in its own namespace (default: twice the cores, at most 8)")
    parser.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                        help="replay only the K-th of N interleaved shares of the configs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("configs", nargs="*")
    args = parser.parse_args(argv)
    if args.jobs is None:
        from tools.replay.pool import default_jobs

        args.jobs = default_jobs()
    elif args.jobs < 1:
        parser.error("-j wants a positive number")
    return args


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError("K/N with 1 ≤ K ≤ N")
    return k, n


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
