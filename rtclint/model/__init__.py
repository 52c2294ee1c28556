"""One model of the deployment, whatever the file formats (see the submodules)."""

from rtclint.model.deployment import Deployment, FileFacts
from rtclint.model.proxy import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from rtclint.model.services import (
    EnvVar,
    EssValues,
    LiveKitConfig,
    Located,
    Mount,
    PortMapping,
    Service,
    SynapseConfig,
)
from rtclint.model.wellknown import CLIENT_PATH, RTC_FOCI_KEY, SERVER_PATH, JsonError, WellKnown

__all__ = [
    "CLIENT_PATH", "RTC_FOCI_KEY", "SERVER_PATH", "Deployment", "EnvVar", "EssValues", "FileFacts",
    "Header", "JsonError", "Listen", "LiveKitConfig", "Located", "Mount", "PathMatch", "PortMapping",
    "Proxy", "Redirect", "Respond", "Route", "Service", "Site", "SynapseConfig", "Upstream", "WellKnown",
]
