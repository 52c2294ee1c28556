"""Cross-file links between services and their configuration, and the per-site pairing
of each lk-jwt-service with the LiveKit it mints tokens for.

`link(deployment)` runs once after every file is read (the engine calls it; it is
idempotent, so rules and tests may call it too):
- a livekit.yaml / homeserver.yaml mounted into a Compose service, or a ConfigMap
  mounted into a pod, gets `.service` set to that service's name;
- an env file that a Compose service reads through `env_file:` (or the project `.env`
  beside a Compose file, which Compose uses for `${VAR}` interpolation) is not a
  program of its own: its stand-alone Service is dropped (its variables are already
  merged into the Compose service);
- a Kubernetes Service's names (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`) become
  aliases of the containers it selects, so an Ingress backend resolves to them;
- image tags set version targets (`deployment.targets`), the lowest per component.

Pairing is per site: a JWT service pairs with the LiveKit its `LIVEKIT_URL` is routed
to; failing that, the one LiveKit holding its API key; failing that, the only LiveKit
of its Compose file/namespace. Two stacks in one tree are never compared across.
"""

from __future__ import annotations

import os

from rtclint.config import version_tuple
from rtclint.model.services import EnvVar, LiveKitConfig, Located, Service
from rtclint.record import field, record
from rtclint.urls import urlsplit

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.deployment import Deployment

IMAGE_COMPONENTS = {"jwt": "lk-jwt-service", "livekit": "livekit", "synapse": "synapse", "element-call": "element-call"}
PRIMARY_ORIGINS = ("file", "mount", "configmap", "env-config")


def link(dep: "Deployment") -> None:
    if getattr(dep, "_stacks_linked", False):
        return
    dep._stacks_linked = True  # type: ignore[attr-defined]
    _merge_compose_overrides(dep)
    _link_compose_configs(dep)
    _link_configmaps(dep)
    _drop_merged_env_files(dep)
    _kube_service_aliases(dep)
    _env_from_configmaps(dep)
    _ingress_target_ports(dep)
    _targets_from_images(dep)
    dep._aliases = None  # type: ignore[attr-defined]  # aliases changed: rebuild the index


def _merge_compose_overrides(dep: "Deployment") -> None:
    """`docker-compose.override.yml` (and `compose.override.yaml`) beside a Compose file is
    merged into it by `docker compose`: a service named in both is one container (the
    override's environment, image and command win; ports and volumes add up)."""
    base: dict[tuple[str, str], Service] = {}
    overrides: list[Service] = []
    for svc in dep.services:
        if svc.source != "compose":
            continue
        if ".override." in os.path.basename(svc.span.path):
            overrides.append(svc)
        else:
            base.setdefault((os.path.dirname(svc.span.path), svc.name), svc)
    merged = set()
    for over in overrides:
        target = base.get((os.path.dirname(over.span.path), over.name))
        if target is None:
            continue
        target.env.update(over.env)
        target.ports += over.ports
        target.mounts += over.mounts
        target.aliases |= over.aliases
        target.image = over.image or target.image
        target.command = over.command or target.command
        target.network_mode = over.network_mode or target.network_mode
        for key, value in over.facts.items():
            target.facts.setdefault(key, value)
        if over.role != "other":
            target.role = over.role
        for cfg in dep.livekit:  # LIVEKIT_KEYS/LIVEKIT_CONFIG read from the override
            if cfg.service == over.name and cfg.path == over.span.path:
                cfg.facts["merged_into"] = target.span.path
        merged.add(id(over))
    if merged:
        dep.services[:] = [s for s in dep.services if id(s) not in merged]


def _link_compose_configs(dep: "Deployment") -> None:
    livekit_by_path: dict[str, list[LiveKitConfig]] = {}
    for cfg in dep.livekit:
        livekit_by_path.setdefault(cfg.path, []).append(cfg)
    synapse_by_path: dict[str, list] = {}
    for syn in dep.synapse:
        synapse_by_path.setdefault(syn.path, []).append(syn)
    for svc in dep.services:
        livekit_file = svc.facts.get("livekit_config_file")
        if livekit_file and not svc.facts.get("livekit_config_inline"):
            for cfg in livekit_by_path.get(livekit_file, ()):
                if cfg.service is None and cfg.facts.get("origin") in ("file", "mount"):
                    cfg.service = svc.name
        for syn in synapse_by_path.get(svc.facts.get("synapse_config_file") or "", ()):
            if syn.service is None:
                syn.service = svc.name
    ec_by_path = {ec.get("path"): ec for ec in dep.element_call if isinstance(ec, dict)}
    for svc in dep.services:  # Element Call's config.json, mounted into its container
        for mount in svc.mounts:
            ec = ec_by_path.get(mount.resolved) if mount.resolved else None
            if ec is not None and "service" not in ec:
                ec["service"] = svc.name


def _link_configmaps(dep: "Deployment") -> None:
    for svc in dep.services:
        if svc.source != "k8s":
            continue
        mounted = {m.source.split("#", 1)[0][len("configmap:"):] for m in svc.mounts if m.source.startswith("configmap:")}
        config_var = svc.env.get("LIVEKIT_CONFIG")
        ref = config_var.from_file if config_var is not None and config_var.value is None else None
        for cfg in dep.livekit:
            if cfg.service is not None or cfg.facts.get("origin") != "configmap" or svc.role != "livekit":
                continue
            if not same_namespace(cfg.facts.get("namespace"), svc.facts.get("namespace")):
                continue
            # mounted as a file, or passed as LIVEKIT_CONFIG through configMapKeyRef
            if cfg.facts.get("configmap") in mounted or ref == f"configmap:{cfg.facts.get('configmap')}#{cfg.facts.get('key')}":
                cfg.service = svc.name


def same_namespace(a: str | None, b: str | None) -> bool:
    """Objects written without a namespace go wherever they are applied: they match any."""
    return not a or not b or a == b


def _drop_merged_env_files(dep: "Deployment") -> None:
    merged: set[str] = set()
    compose_dirs: set[str] = set()
    for svc in dep.services:
        if svc.source == "compose":
            merged.update(svc.facts.get("env_files", ()))
            compose_dirs.add(os.path.dirname(svc.span.path))
    keep = []
    dropped: set[str] = set()
    for svc in dep.services:
        path = svc.span.path
        if svc.source == "env-file" and (path in merged or (os.path.basename(path) == ".env"
                                                             and os.path.dirname(path) in compose_dirs)):
            dropped.add(path)
            continue
        keep.append(svc)
    dep.services[:] = keep
    dep.livekit[:] = [c for c in dep.livekit if not (c.facts.get("env_file") and c.path in dropped)]


def _kube_service_aliases(dep: "Deployment") -> None:
    by_namespace: dict[str, list[Service]] = {}
    for svc in dep.services:
        if svc.source == "k8s":
            by_namespace.setdefault(svc.facts.get("namespace"), []).append(svc)
    by_label = _label_index(by_namespace)
    for ks in dep.kube_services:
        if not ks.selector:
            continue
        first = next(iter(ks.selector.items()))
        if _hashable(first):  # only the pods carrying the first selector label, not all pods
            candidates = by_label.get(first, [])
            if ks.namespace:
                candidates = [s for s in candidates if s.facts.get("namespace") in (ks.namespace, "")]
        elif ks.namespace:
            candidates = [*by_namespace.get(ks.namespace, ()), *by_namespace.get("", ())]
        else:
            candidates = [svc for group in by_namespace.values() for svc in group]
        for svc in candidates:
            labels = svc.facts.get("labels") or {}
            if all(labels.get(k) == v for k, v in ks.selector.items()):
                svc.aliases.update({ks.name, f"{ks.name}.{ks.namespace}", f"{ks.name}.{ks.namespace}.svc",
                                    f"{ks.name}.{ks.namespace}.svc.cluster.local"})
                svc.facts.setdefault("kube_services", []).append(ks)


def _label_index(by_namespace: dict[str, list[Service]]) -> dict[tuple, list[Service]]:
    """(label, value) -> the containers whose pod template carries it."""
    index: dict[tuple, list[Service]] = {}
    for group in by_namespace.values():
        for svc in group:
            for item in (svc.facts.get("labels") or {}).items():
                if _hashable(item):
                    index.setdefault(item, []).append(svc)
    return index


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _env_from_configmaps(dep: "Deployment") -> None:
    """`envFrom: [{configMapRef: {name: X}}]` takes ConfigMap X's data as variables
    (explicit `env:` entries win); a reference the tree resolves is no longer unknown."""
    maps: dict[str, list[Service]] = {}
    for svc in dep.services:
        if svc.source == "k8s-configmap":
            maps.setdefault(svc.facts.get("configmap"), []).append(svc)
    for svc in dep.services:
        refs = svc.facts.get("env_from")
        if svc.source != "k8s" or not refs:
            continue
        unresolved = []
        for kind, name in refs:
            found = [m for m in maps.get(name, ()) if same_namespace(m.facts.get("namespace"), svc.facts.get("namespace"))]
            if kind != "configMapRef" or not found:
                unresolved.append((kind, name))
                continue
            for var_name, var in found[0].env.items():
                svc.env.setdefault(var_name, var)
        svc.facts["env_from"] = unresolved
    if any(s.source == "k8s" and s.role == "other" for s in dep.services):
        from rtclint.parsers.envfile import role_from_env

        for svc in dep.services:
            if svc.source == "k8s" and svc.role == "other":
                svc.role = role_from_env(svc.env) or "other"


def _ingress_target_ports(dep: "Deployment") -> None:
    """An ingress controller sends traffic straight to the pods, at the Service port's
    `targetPort`: make that the Ingress route's upstream port (the Service port stays in
    `route.facts['service_port']`), so port rules compare it with what the pod binds."""
    by_name = {}
    for ks in dep.kube_services:
        by_name.setdefault(ks.name, ks)
    for site in dep.sites:
        if site.kind != "ingress":
            continue
        for route in site.routes:
            up = route.proxy.upstream if route.proxy else None
            ks = by_name.get(up.host) if up is not None else None
            if ks is None:
                continue
            wanted = route.facts.get("service_port")
            name = route.facts.get("port_name")
            port = next((p for p in ks.ports if (wanted is not None and p.port == wanted) or (name and p.name == name)), None)
            if port is None:
                continue
            target = port.target_port.value if port.target_port is not None else port.port
            if isinstance(target, str) and not target.isdecimal():
                target = _named_container_port(dep, ks, target)
            if target is not None:
                up.port = int(target)


def _named_container_port(dep: "Deployment", ks, name: str) -> int | None:
    for svc in dep.services:
        if ks in svc.facts.get("kube_services", []):
            for mapping in svc.ports:
                if mapping.name == name:
                    return mapping.container_port
    return None


def _targets_from_images(dep: "Deployment") -> None:
    found: dict[str, str] = {}
    for svc in dep.services:
        component = IMAGE_COMPONENTS.get(svc.role)
        tag = svc.image_tag
        if component is None or not tag or not version_tuple(tag):
            continue
        if component not in found or version_tuple(tag) < version_tuple(found[component]):
            found[component] = tag.lstrip("vV")
    dep.targets.update(found)


# -- views for the rules -------------------------------------------------------------


def service_target(dep: "Deployment", component: str, service: Service | None = None) -> tuple[int, ...]:
    """The version a rule checks `component` against: the service's own image tag when it
    names a version, else the deployment's target (config, or image tags in the tree);
    `()` means unknown (treated as newest by callers comparing with `>=`)."""
    from rtclint.config import DEFAULT_TARGETS

    if service is not None and service.image_tag and version_tuple(service.image_tag):
        return version_tuple(service.image_tag)
    return version_tuple(dep.targets.get(component) or DEFAULT_TARGETS.get(component, ""))


def at_least(version: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    """`version >= wanted`, an unknown version counting as the newest."""
    return not version or version >= wanted


@record
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
        if env is not None and env.keys:
            return dict(env.keys)
        cfg = self.config
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
    if cfg.facts.get("origin") == "configmap":
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
    """The LiveKit this JWT service mints tokens for, or None when the tree cannot say."""
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
        found = next((inst for inst in instances if inst.service is target), None)
        if found is not None:
            return found
    return None


SECRET_ENV = ("LIVEKIT_SECRET", "LIVEKIT_API_SECRET")


def secret_spans(dep: "Deployment") -> dict[str, list[tuple[int, int]]]:
    """path → (start, end) of every LiveKit secret written in the tree, so output that
    quotes source lines (the text report) can mask them."""
    cached = getattr(dep, "_secret_spans", None)
    if cached is not None:
        return cached
    found: dict[str, list[tuple[int, int]]] = {}

    def add(span) -> None:
        if span is not None and span.end > span.start:
            found.setdefault(span.path, []).append((span.start, span.end))

    for svc in dep.services:
        for name in SECRET_ENV:
            var = svc.env.get(name)
            if var is not None:
                add(var.value_span)
    for cfg in dep.livekit:
        for located in cfg.keys.values():
            add(located.span)
        if "keys_error" in cfg.facts and cfg.facts.get("env") is not None:
            add(cfg.facts["env"].value_span)  # unparsable LIVEKIT_KEYS: all of it
    for ess in dep.ess:
        for what, _value, span in ess_livekit_auth(dep, ess):
            if what == "secret":
                add(span)
    dep._secret_spans = found  # type: ignore[attr-defined]
    return found


def mask_line(dep: "Deployment", path: str, line_start: int, text: str) -> str:
    """`text` (the source line starting at offset `line_start`) with secrets as `*`."""
    spans = secret_spans(dep).get(path)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, line_start), min(end, line_start + len(text))):
            chars[i - line_start] = "*"
    return "".join(chars)


def ess_matrix_rtc_nodes(dep: "Deployment", ess) -> tuple[object, list]:
    """(document, `matrixRTC` mapping nodes) of an ESS values file, read from the file's
    own YAML, for the rules that need settings the values reader does not keep."""
    from rtclint.parsers.yaml import load_nodes, mapping_get

    doc = dep.documents.get(ess.path)
    if doc is None:
        return None, []
    nodes, broken = load_nodes(doc)
    found = [mapping_get(root, "matrixRTC")[1] for root in (nodes if broken is None else [])]
    return doc, [n for n in found if n is not None]


def ess_livekit_auth(dep: "Deployment", ess) -> list[tuple[str, str, object]]:
    """('key' | 'secret', value, span) for `matrixRTC.livekitAuth.key` and
    `.secret.value` in ESS values."""
    from rtclint.parsers.pyyaml import yaml

    from rtclint.parsers.yaml import mapping_get, node_span

    doc, rtc_nodes = ess_matrix_rtc_nodes(dep, ess)
    out = []
    for rtc in rtc_nodes:
        _, auth = mapping_get(rtc, "livekitAuth")
        _, key = mapping_get(auth, "key")
        if isinstance(key, yaml.ScalarNode) and key.value:
            out.append(("key", key.value, node_span(doc, key)))
        _, secret = mapping_get(auth, "secret")
        _, value = mapping_get(secret, "value")
        if isinstance(value, yaml.ScalarNode) and value.value:
            out.append(("secret", value.value, node_span(doc, value)))
    return out


def mask_secrets(dep: "Deployment", text: str) -> str:
    """`text` (any output quoting source, e.g. a fix diff) with every LiveKit secret value
    found in the tree replaced by `*`: value-based, so it holds after edits moved them."""
    values = set()
    for path, spans in secret_spans(dep).items():
        doc = dep.documents.get(path)
        if doc is None:
            continue
        for start, end in spans:
            value = doc.text[start:end].strip().strip("'\"")
            if len(value) >= 6:
                values.add(value)
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "*" * len(value))
    return text
