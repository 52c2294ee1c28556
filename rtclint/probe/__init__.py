"""`rtclint probe SERVER_NAME`: walk a live deployment the way Element Call does.

The only part of rtclint that touches the network; it needs the optional extra
`rtclint[probe]` (httpx), imported only when the probe runs."""

from __future__ import annotations

from rtclint.probe.net import AddressMap, ProbeUsageError
from rtclint.probe.result import ProbeReport, Step
from rtclint.probe.steps import DEFAULT_ORIGIN, ProbeOptions

__all__ = ["AddressMap", "DEFAULT_ORIGIN", "MISSING_HTTPX", "ProbeOptions", "ProbeReport", "ProbeUsageError", "Step",
           "httpx_missing", "run_probe"]

MISSING_HTTPX = ("rtclint probe needs httpx, which is not installed.\n"
                 "Install the extra:  pip install 'rtclint[probe]'   (or: pip install httpx)")


def httpx_missing() -> bool:
    try:
        import httpx  # noqa: F401  (the probe is about to use it anyway)
    except ImportError:
        return True
    return False


def run_probe(options: ProbeOptions) -> ProbeReport:
    from rtclint.probe.net import make_client, ssl_context
    from rtclint.probe.steps import Probe

    with make_client(options.addresses, ssl_context(options.cacert, options.insecure)) as client:
        return Probe(options, client).run()
