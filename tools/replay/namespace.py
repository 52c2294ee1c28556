"""The private world the real servers run in: their own network and mount namespace.

`enter()` re-runs this program under `unshare --net --mount --fork` (as root) unless it is
already inside. Inside, `prepare()` brings up loopback, makes every mount private, and
lays an overlay (with a tmpfs upper layer) over /etc, /var, /usr/local, /opt, /srv and
/home, and a tmpfs over /run, so hosts files, certificates at the configured paths, pid
files and logs land in this namespace only: nothing on the machine changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

MARK = "RTCLINT_REPLAY_NS"
OVERLAID = ("/etc", "/var", "/usr/local", "/opt", "/srv", "/home", "/root")


def inside() -> bool:
    return os.environ.get(MARK) == "1"


def environment() -> dict[str, str]:
    return dict(os.environ, **{MARK: "1"})


def command(argv: list[str]) -> list[str]:
    """`python -m tools.replay argv` in a fresh network and mount namespace."""
    # --kill-child: if unshare is stopped, the program inside is too (and stops its servers)
    return ["unshare", "--net", "--mount", "--fork", "--kill-child=SIGTERM", sys.executable, "-m", "tools.replay",
            *argv]


def enter(argv: list[str]) -> int:
    """Run `python -m tools.replay argv` inside a fresh namespace; its exit status."""
    proc = subprocess.Popen(command(argv), env=environment())
    # pass a SIGTERM on to unshare, whose --kill-child passes it to the program inside
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    return proc.wait()


def prepare(scratch: str) -> None:
    def run(*cmd: str) -> None:
        subprocess.run(cmd, check=True, capture_output=True)

    run("ip", "link", "set", "lo", "up")
    run("mount", "--make-rprivate", "/")
    os.makedirs(scratch, exist_ok=True)
    run("mount", "-t", "tmpfs", "tmpfs", scratch)
    for i, path in enumerate(OVERLAID):
        if not os.path.isdir(path):
            continue
        upper, work = os.path.join(scratch, f"u{i}"), os.path.join(scratch, f"w{i}")
        os.makedirs(upper)
        os.makedirs(work)
        run("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={path},upperdir={upper},workdir={work}", path)
    run("mount", "-t", "tmpfs", "tmpfs", "/run")
    for sub in ("/run/haproxy", "/run/nginx", "/var/log/nginx", "/var/lib/haproxy"):
        os.makedirs(sub, exist_ok=True)
    for sub in ("/etc/nginx/sites-enabled", "/etc/nginx/conf.d"):  # a fresh image: only the config's sites
        for name in os.listdir(sub) if os.path.isdir(sub) else []:
            os.remove(os.path.join(sub, name))


def placeable(path: str) -> bool:
    """True when a file at `path` lands inside an overlaid tree (so writing it is private)."""
    path = os.path.abspath(path)
    return any(path == top or path.startswith(top + "/") for top in OVERLAID + ("/run",)) and os.path.isdir(
        next(top for top in OVERLAID + ("/run",) if path == top or path.startswith(top + "/")))
