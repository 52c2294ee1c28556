"""The per-site pairing of each lk-jwt-service with the LiveKit it mints tokens for, and
the views of both programs the rules read.

Pairing is per site: a JWT service pairs with the LiveKit its `LIVEKIT_URL` is routed
to; failing that, the one LiveKit holding its API key; failing that, the only LiveKit
of its Compose file/namespace. Two stacks in one tree are never compared across.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.model.linking import link
from rtclint.model.linking_kube import same_namespace
from rtclint.model.services import EnvVar, Located, Service
from rtclint.urls import urlsplit

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.configs import LiveKitConfig
    from rtclint.model.deployment import Deployment

PRIMARY_ORIGINS = ("file", "mount", "configmap", "secret", "env-config")


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class LiveKitInstance:
    """One LiveKit server: its container (if the tree has one) and every config source."""

    name: str
    service: Service | None
    configs: list[LiveKitConfig] = field(default_factory=list)

    @property
    def config(self) -> LiveKitConfig | None:
        """The YAML config it runs with (file, ConfigMap or LIVEKIT_CONFIG)."""
        primary = [c for c in self.configs if c.facts.get("origin") in PRIMARY_ORIGINS]
        inline = [c for c in primary if c.facts.get("origin") == "env-config"]
        return (inline or primary or [None])[0]

    @property
    def env_keys(self) -> LiveKitConfig | None:
        return next((c for c in self.configs if c.facts.get("origin") == "env-keys"), None)

    def keys(self) -> dict[str, Located]:
        """key → secret. `LIVEKIT_KEYS` (`--keys`) replaces the config's `keys`."""
        env = self.env_keys
        cfg = self.config
        if env is not None and env.keys:
            # a key_file is decoded over whichever map LiveKit holds (livekit-server createKeyProvider)
            return {**env.keys, **((cfg.facts.get("key_file_keys") or {}) if cfg is not None else {})}
        return dict(cfg.keys) if cfg is not None else {}

    @property
    def dev(self) -> bool:
        cfg = self.config
        return bool(self.service and self.service.facts.get("dev")) or bool(cfg and cfg.facts.get("development"))

    @property
    def config_unknown(self) -> bool:
        """The container reads a config file this run does not hold (mounted from outside
        the tree, or a single-file run that did not include it): settings unknown."""
        if self.service is None or self.config is not None:
            return False
        return bool(self.service.facts.get("livekit_config_file") or command_option(self.service.command, "config"))

    @property
    def host_network(self) -> bool:
        mode = self.service.network_mode if self.service else None
        return mode is not None and str(mode.value) == "host"


def livekit_instances(dep: "Deployment") -> list[LiveKitInstance]:
    cached = getattr(dep, "_livekit_instances", None)
    if cached is not None:
        return cached
    link(dep)
    out: list[LiveKitInstance] = []
    claimed: set[int] = set()
    by_service: dict[str, list[LiveKitConfig]] = {}
    for cfg in dep.livekit:
        by_service.setdefault(cfg.service or "", []).append(cfg)
    for svc in dep.services:
        if svc.role != "livekit":
            continue
        inst = LiveKitInstance(svc.name, svc)
        for cfg in by_service.get(svc.name, ()):
            if id(cfg) not in claimed and _same_stack(cfg, svc):
                inst.configs.append(cfg)
                claimed.add(id(cfg))
        out.append(inst)
    for cfg in dep.livekit:
        if id(cfg) not in claimed:
            out.append(LiveKitInstance(cfg.path, None, [cfg]))
    dep._livekit_instances = out  # type: ignore[attr-defined]
    return out


def _same_stack(cfg: LiveKitConfig, svc: Service) -> bool:
    """Whether a config linked by service name belongs to this very service (two Compose
    projects in one tree may both call their LiveKit `livekit`)."""
    if cfg.facts.get("configmap") is not None or cfg.facts.get("secret") is not None:  # a key of that object
        return same_namespace(cfg.facts.get("namespace"), svc.facts.get("namespace"))
    return cfg.path in (svc.facts.get("livekit_config_file"), svc.span.path, *svc.facts.get("env_files", ())) or (
        cfg.facts.get("merged_into") == svc.span.path)


def jwt_services(dep: "Deployment") -> list[Service]:
    link(dep)
    return [s for s in dep.services if s.role == "jwt"]


def command_option(command: list[str], option: str) -> str | None:
    """The value of `--option VALUE` / `--option=VALUE` / `-option VALUE` in a command."""
    names = (f"--{option}", f"-{option}")
    for i, arg in enumerate(command):
        if arg in names and i + 1 < len(command):
            return command[i + 1]
        for name in names:
            if arg.startswith(name + "="):
                return arg[len(name) + 1 :]
    return None


def env(service: Service, name: str) -> EnvVar | None:
    return service.env.get(name)


def jwt_bind_port(service: Service) -> int | None:
    """The port lk-jwt-service listens on: LIVEKIT_JWT_BIND (`[host]:port`), else
    LIVEKIT_JWT_PORT, else 8080 (main.go/config.go); None when the tree cannot say."""
    bind = env(service, "LIVEKIT_JWT_BIND")
    if bind is not None:
        port = (bind.value or "").rsplit(":", 1)[-1].strip()
        return int(port) if port.isdecimal() else None
    port_var = env(service, "LIVEKIT_JWT_PORT")
    if port_var is not None:
        text = (port_var.value or "").strip()
        return int(text) if text.isdecimal() else None
    return 8080


def jwt_key_secret(service: Service) -> tuple[EnvVar | None, EnvVar | None]:
    return service.env.get("LIVEKIT_KEY"), service.env.get("LIVEKIT_SECRET")


def paired_livekit(dep: "Deployment", jwt: Service) -> LiveKitInstance | None:
    """The LiveKit this JWT service mints tokens for, or None when the tree cannot say
    (answered once per service: half a dozen rules ask it for every JWT service)."""
    known = dep.__dict__.setdefault("_paired_livekit", {})
    if id(jwt) not in known:
        known[id(jwt)] = (jwt, _pair(dep, jwt))  # the service kept: its id is never reused
    return known[id(jwt)][1]


def _pair(dep: "Deployment", jwt: Service) -> LiveKitInstance | None:
    instances = livekit_instances(dep)
    by_url = _by_url(dep, jwt, instances)
    if by_url is not None:
        return by_url
    by_key, by_group = _instance_indexes(dep, instances)
    key, _ = jwt_key_secret(jwt)
    if key is not None and key.value:
        holding = by_key.get(key.value, [])
        if len(holding) == 1:
            return holding[0]
    same_group = by_group.get(jwt.group, [])
    if len(same_group) == 1:
        return same_group[0]
    if len(instances) == 1:
        return instances[0]
    return None


def _instance_indexes(dep: "Deployment", instances: list[LiveKitInstance]):
    """(API key → instances holding it, Compose file/namespace → instances), built once."""
    cached = getattr(dep, "_instance_indexes", None)
    if cached is not None:
        return cached
    by_key: dict[str, list[LiveKitInstance]] = {}
    by_group: dict[str, list[LiveKitInstance]] = {}
    for inst in instances:
        for key in inst.keys():
            by_key.setdefault(key, []).append(inst)
        if inst.service is not None:
            by_group.setdefault(inst.service.group, []).append(inst)
    dep._instance_indexes = (by_key, by_group)  # type: ignore[attr-defined]
    return by_key, by_group


def _by_url(dep: "Deployment", jwt: Service, instances: list[LiveKitInstance]) -> LiveKitInstance | None:
    url = env(jwt, "LIVEKIT_URL")
    if url is None or not url.value:
        return None
    try:
        parts = urlsplit(url.value.strip())
    except ValueError:
        return None
    if not parts.hostname:
        return None
    path = parts.path or "/"
    for site in dep.sites_for_host(parts.hostname):
        route = site.route_for(path)
        if route is None or route.proxy is None:
            continue
        target = dep.service_named(route.proxy.upstream.host or "", near=site.span.path)
        if target is None or target.role != "livekit":
            continue
        found = _instance_of_service(dep, instances).get(id(target))
        if found is not None:
            return found
    return None


def _instance_of_service(dep: "Deployment", instances: list[LiveKitInstance]) -> dict[int, LiveKitInstance]:
    """id(container) -> its LiveKit instance (the first, as a scan would find), built once."""
    cached = getattr(dep, "_instance_of_service", None)
    if cached is None:
        cached = {}
        for inst in instances:
            if inst.service is not None:
                cached.setdefault(id(inst.service), inst)
        dep._instance_of_service = cached  # type: ignore[attr-defined]
    return cached
