"""What the call stack's config files say: livekit.yaml, homeserver.yaml (and the TOML of
Continuwuity/Tuwunel, read into the same facts), ESS Helm values. Apart from the services
(model/services.py), so a run without such a file never defines these classes."""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from typing import Any

    from rtclint.document import Span
    from rtclint.model.services import Located


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class LiveKitConfig:
    """livekit.yaml (or LIVEKIT_CONFIG), with the facts the rules need."""

    path: str
    span: Span
    port: Located | None = None  # default 7880
    rtc: dict[str, Located] = field(default_factory=dict)  # tcp_port, udp_port, port_range_*, use_external_ip, node_ip
    keys: dict[str, Located] = field(default_factory=dict)  # api key -> secret (spans on the secret)
    key_file: Located | None = None
    webhook_api_key: Located | None = None
    turn: dict[str, Located] = field(default_factory=dict)
    service: str | None = None  # the Service that mounts or embeds this config
    raw: Any = None
    # Where it came from: {'origin': 'file'|'configmap'|'env', 'configmap': name, ...}.
    facts: dict = field(default_factory=dict)

    @property
    def http_port(self) -> int:
        return int(self.port.value) if self.port and str(self.port.value).isdecimal() else 7880


@dataclass(slots=True, eq=False, repr=False)
class SynapseConfig:
    """homeserver.yaml (and conf.d fragments): the settings calls depend on."""

    path: str
    span: Span
    server_name: Located | None = None
    public_baseurl: Located | None = None
    experimental: dict[str, Located] = field(default_factory=dict)
    experimental_span: Span | None = None
    matrix_rtc: Located | None = None  # the matrix_rtc mapping
    transports: list[Located] = field(default_factory=list)
    max_event_delay_duration: Located | None = None
    rate_limits: dict[str, Located] = field(default_factory=dict)  # rc_message, rc_delayed_event_mgmt
    extra_well_known_client: Located | None = None
    service: str | None = None
    raw: Any = None
    serve_server_wellknown: Located | None = None
    # Every setting by dotted path ('experimental_features.msc4143_enabled',
    # 'matrix_rtc.transports[0].livekit_service_url'): value, value span and key span.
    keys: dict[str, Located] = field(default_factory=dict)
    # Where a fix can add a line to a block mapping: section ('' = top level,
    # 'experimental_features', ...) -> (offset, indentation of its children).
    fragment: bool = False  # no server_name: a conf.d fragment or a doc snippet
    # 'synapse', or a TOML homeserver read into the same facts: 'continuwuity' (also
    # conduwuit) or 'tuwunel'. Its keys then use Synapse's dotted paths for the shared
    # facts (server_name, matrix_rtc.transports[i].livekit_service_url) and `well_known.*`.
    flavor: str = "synapse"
    # '' for a file of its own; held in a ConfigMap/Secret key (parsers/kube_homeserver):
    # 'block' (a block scalar, edits inside its text are exact) or 'value' (quoted, base64).
    embedded: str = ""


# `enabled` defaults in charts/matrix-stack/values.yaml (ess-helm 26.x); here, not in
# the ESS reader, so asking a model object does not import the YAML parser.
CHART_DEFAULT_ENABLED = {
    "matrixRTC": True,
    "matrixRTC.sfu": True,
    "synapse": True,
    "wellKnownDelegation": True,
    "elementWeb": True,
    "elementAdmin": True,
    "matrixAuthenticationService": True,
    "postgres": True,
    "initSecrets": True,
    "deploymentMarkers": True,
    "hookshot": False,
}


@dataclass(slots=True, eq=False, repr=False)
class EssValues:
    """ESS (matrix-stack) Helm values."""

    path: str
    span: Span
    server_name: Located | None = None
    matrix_rtc: dict[str, Located] = field(default_factory=dict)
    well_known: dict[str, Located] = field(default_factory=dict)
    hosts: dict[str, Located] = field(default_factory=dict)  # component -> ingress host
    raw: Any = None
    # component -> its `enabled` value as written (absent: the chart default applies,
    # see CHART_DEFAULT_ENABLED and `component_enabled`).
    enabled: dict[str, Located] = field(default_factory=dict)
    # matrixRTC.sfu.exposedServices: name -> {'enabled', 'portType', 'port', 'nodePort',
    # 'portRange.startPort', 'portRange.endPort'} as written (chart defaults not filled in).
    exposed_services: dict[str, dict[str, Located]] = field(default_factory=dict)
    # The whole release when other values files of it sit in the same directory (Helm
    # merges every `-f` file): a merged EssValues, else None (this file is the release).
    release: "EssValues | None" = None

    @property
    def chart_view(self) -> "EssValues":
        """What the chart renders from: the merged release, or this file alone."""
        return self.release or self

    def component_enabled(self, component: str) -> bool:
        flag = self.enabled.get(component)
        if flag is not None and isinstance(flag.value, bool):
            return flag.value
        return CHART_DEFAULT_ENABLED.get(component, False)

    def chart_transport_url(self) -> str | None:
        """The livekit_service_url the chart writes (client well-known and Synapse's
        transports): https://<matrixRTC ingress host>, no port; None when it writes none."""
        host = self.hosts.get("matrixRTC")
        if not self.component_enabled("matrixRTC") or host is None:
            return None
        return f"https://{host.value}"
