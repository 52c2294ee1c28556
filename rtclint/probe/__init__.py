"""`rtclint probe SERVER_NAME`: walk a live deployment the way Element Call does.

The only part of rtclint that touches the network; it needs the optional extra
`rtclint[probe]` (httpx), imported only when the probe runs."""

from __future__ import annotations

from rtclint.probe.net import AddressMap, ProbeUsageError
from rtclint.probe.result import ProbeReport, Step
from rtclint.probe.steps import DEFAULT_ORIGIN, ProbeOptions

__all__ = ["AddressMap", "DEFAULT_ORIGIN", "MISSING_HTTPX", "ProbeOptions", "ProbeReport", "ProbeUsageError", "Step",
           "httpx_missing", "main", "run_probe"]

MISSING_HTTPX = ("rtclint probe needs httpx, which is not installed.\n"
                 "Install the extra:  pip install 'rtclint[probe]'   (or: pip install httpx)")


def httpx_missing() -> bool:
    try:
        import httpx  # noqa: F401  (the probe is about to use it anyway)
    except ImportError:
        return True
    return False


def run_probe(options: ProbeOptions) -> ProbeReport:
    """Walk the deployment. The server name is checked before any request
    (ProbeUsageError when it is not one)."""
    from rtclint.probe.identify import check_server_name
    from rtclint.probe.net import make_client, ssl_context
    from rtclint.probe.steps import Probe, normalise_server_name

    options.server_name = check_server_name(normalise_server_name(options.server_name))
    with make_client(options.addresses, ssl_context(options.cacert, options.insecure)) as client:
        return Probe(options, client).run()


def main(server_name: str, *, fmt: str = "text", access_token: str | None = None, livekit_url: str | None = None,
         origin: str = DEFAULT_ORIGIN, insecure: bool = False, cacert: str | None = None,
         resolves: list[str] = (), connects: list[str] = (), colour: bool = False, out=None, err=None) -> int:
    """`rtclint probe`, whatever parses the command line: prints the report to `out`
    (stdout) and problems to `err` (stderr); returns the exit code: 0 every step
    passed, 1 a step failed, 2 a usage error or nothing could be reached at all."""
    import os
    import sys

    out, err = out or sys.stdout, err or sys.stderr
    if cacert is not None and not os.path.isfile(cacert):
        err.write(f"rtclint: error: --cacert: '{cacert}' is not a file\n")
        return 2
    if httpx_missing():
        err.write(f"rtclint: {MISSING_HTTPX}\n")
        return 2
    addresses = AddressMap()
    try:
        for spec in resolves or ():
            addresses.add_resolve(spec)
        for spec in connects or ():
            addresses.add_connect_to(spec)
        report = run_probe(ProbeOptions(server_name.strip().rstrip("/"), origin, access_token, livekit_url, insecure,
                                        cacert, addresses))
    except ProbeUsageError as exc:
        err.write(f"rtclint: error: {exc}\n")
        return 2
    except Exception as exc:  # an rtclint bug, not a finding about the deployment: exit 2 like `check`
        from rtclint.model.secrets import scrub

        err.write(scrub(f"rtclint: internal error: {type(exc).__name__}: {exc}") + "\n")
        return 2
    from rtclint.probe.render import render_json, render_text

    out.write(render_json(report) if fmt == "json" else render_text(report, colour=colour))
    if not report.reached:
        err.write("rtclint: nothing could be reached (see the connection steps): no finding about the deployment\n")
    return report.exit_code
