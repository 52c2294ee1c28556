"""One model of the deployment, whatever the file formats (see the submodules).

The names below are imported on first use (PEP 562, rtclint/exports.py): a run that
meets no proxy never defines the proxy classes, one without a homeserver, LiveKit or ESS
config not their classes (model/configs.py)."""

from __future__ import annotations

from rtclint.exports import lazy_exports

_HOMES = {
    "Deployment": "deployment", "FileFacts": "deployment",
    **dict.fromkeys(("Header", "Listen", "PathMatch", "Proxy", "Redirect", "Respond", "Route", "Site", "Upstream"),
                    "proxy"),
    **dict.fromkeys(("EnvVar", "Located", "Mount", "PortMapping", "Service"), "services"),
    **dict.fromkeys(("EssValues", "LiveKitConfig", "SynapseConfig"), "configs"),
    **dict.fromkeys(("CLIENT_PATH", "RTC_FOCI_KEY", "SERVER_PATH", "JsonError", "WellKnown"), "wellknown"),
}

__all__ = sorted(_HOMES)

__getattr__ = lazy_exports(__name__, _HOMES)
