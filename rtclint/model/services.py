"""The services behind the proxy: lk-jwt-service, LiveKit, Synapse, Element Call.

Compose services, Kubernetes workloads and bare env files all reduce to a `Service`
with a role, environment, published ports and the names it is reachable by. Config
files (livekit.yaml, homeserver.yaml, ESS values) have their own fact classes, in
model/configs.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.document import Span

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class Located:
    """A configuration value and where it is written."""

    value: Any
    span: Span | None = None
    key_span: Span | None = None  # the key/name, when it differs from the value


@dataclass(slots=True, eq=False, repr=False)
class EnvVar:
    """One environment variable of a service, with the spans of its name and value."""

    name: str
    value: str | None  # None: declared without a value, or from valueFrom/secretKeyRef
    span: Span  # the whole entry (`- NAME=value` item or `NAME: value` pair)
    value_span: Span | None = None
    name_span: Span | None = None
    from_secret: bool = False  # Kubernetes valueFrom.secretKeyRef, Compose secret, *_FILE
    from_file: str | None = None  # the env_file it was read from
    # Compose replaced `${VAR}` in the value from the project `.env` (this path): `value`
    # is the result; `value_span` points into the `.env` when the value was one reference.
    interpolated_from: str | None = None


@dataclass(slots=True, eq=False, repr=False)
class PortMapping:
    """A port a service listens on, and the host port it is published on (if any)."""

    container_port: int
    host_port: int | None = None  # None: not published (k8s containerPort, Compose expose)
    protocol: str = "tcp"
    span: Span | None = None
    host_ip: str | None = None
    kind: str = "publish"  # publish (Compose), container (k8s containerPort), service, nodeport
    # Ranges (`50100-50200:50100-50200/udp`): the last port of each range, None for one port.
    container_port_end: int | None = None
    host_port_end: int | None = None
    name: str | None = None  # k8s port name

    def container_ports(self) -> range:
        return range(self.container_port, (self.container_port_end or self.container_port) + 1)

    def host_port_for(self, container_port: int) -> int | None:
        """The host port that publishes `container_port` through this mapping, or None."""
        if self.host_port is None or container_port not in self.container_ports():
            return None
        return self.host_port + (container_port - self.container_port)


@dataclass(slots=True, eq=False, repr=False)
class Mount:
    """A file or folder mounted into a service: bind mount, Compose config/secret or Kubernetes volume."""

    source: str  # host path as written (resolved relative to the compose file by readers)
    target: str
    span: Span | None = None
    resolved: str | None = None  # display path of the file in the tree, when it is one
    # A Kubernetes configMap/secret volume: key → file path in the container (`items`,
    # `subPath`); None: every key, as `target/KEY`.
    files: dict[str, str] | None = None


@dataclass(slots=True, eq=False, repr=False)
class Service:
    """A running thing: Compose service, Kubernetes workload, or an env file's program."""

    name: str
    role: str  # 'jwt', 'livekit', 'synapse', 'element-call', 'proxy', 'other'
    source: str  # 'compose', 'k8s', 'env-file'
    span: Span
    image: Located | None = None
    env: dict[str, EnvVar] = field(default_factory=dict)
    ports: list[PortMapping] = field(default_factory=list)
    network_mode: Located | None = None
    networks: list[str] = field(default_factory=list)
    aliases: set[str] = field(default_factory=set)  # every name other containers use for it
    mounts: list[Mount] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    group: str = ""  # compose file / k8s namespace: services that deploy together
    facts: dict = field(default_factory=dict)

    @property
    def image_tag(self) -> str | None:
        if self.image is None or not isinstance(self.image.value, str):
            return None
        ref = self.image.value.split("@", 1)[0]
        last = ref.rsplit("/", 1)[-1]
        return last.split(":", 1)[1] if ":" in last else None


@dataclass(slots=True, eq=False, repr=False)
class KubeServicePort:
    """One port of a Kubernetes Service: port, targetPort and nodePort."""

    port: int | None
    target_port: Located | None = None  # int or a port name; None: same as `port`
    node_port: Located | None = None
    protocol: str = "TCP"
    name: str | None = None
    span: Span | None = None  # the whole port entry
    port_span: Span | None = None


@dataclass(slots=True, eq=False, repr=False)
class KubeService:
    """A Kubernetes `Service` object: which pods it selects and how it maps ports."""

    name: str
    namespace: str
    span: Span  # the document (anchor: `metadata.name`)
    type: str = "ClusterIP"
    selector: dict[str, str] = field(default_factory=dict)
    ports: list[KubeServicePort] = field(default_factory=list)


def not_published_as_is(svc: Service, proto: str, low: int, high: int) -> list[tuple[int, int]]:
    """The sub-ranges of the container ports low..high that no `ports:` entry publishes on
    the same host port (clients reach LiveKit at the numbers it advertises: its own).
    An entry publishes its container ports as-is exactly when its host port is its first
    container port; their ranges are merged, never walked port by port (LiveKit's default
    media range alone is 10,001 ports)."""
    as_is = sorted((m.container_port, m.container_port_end or m.container_port) for m in svc.ports
                   if m.protocol == proto and m.kind == "publish" and m.host_port == m.container_port)
    gaps = []
    covered_to = low  # every port below it is published as-is, or outside low..high
    for first, last in as_is:
        if first > high or covered_to > high:
            break
        if first > covered_to:
            gaps.append((covered_to, first - 1))
        covered_to = max(covered_to, last + 1)
    if covered_to <= high:
        gaps.append((covered_to, high))
    return gaps
