"""Cross-file links between services and their configuration.

`link(deployment)` runs once after every file is read (the engine calls it; it is
idempotent, so rules and tests may call it too):
- a livekit.yaml / homeserver.yaml mounted into a Compose service, or a ConfigMap
  mounted into a pod (a homeserver's: at the path its program reads, linking_homeserver),
  gets `.service` set to that service's name;
- an env file beside Compose files or Kubernetes manifests is not a program of its own:
  one a service loads (`env_file:`, a kustomize generator's `envs`) is merged into it, the
  project `.env` feeds interpolation only, and one nothing loads configures nothing;
- a Kubernetes Service's names (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`) become
  aliases of the containers it selects, so an Ingress backend resolves to them;
- image tags set version targets (`deployment.targets`), the lowest per component.
"""

from __future__ import annotations

import os

from rtclint.config import version_tuple
from rtclint.model import linking_homeserver, linking_kube
from rtclint.model.services import Service

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.configs import LiveKitConfig
    from rtclint.model.deployment import Deployment

IMAGE_COMPONENTS = {"jwt": "lk-jwt-service", "livekit": "livekit", "synapse": "synapse", "element-call": "element-call"}


def link(dep: "Deployment") -> None:
    if getattr(dep, "_stacks_linked", False):
        return
    dep._stacks_linked = True  # type: ignore[attr-defined]
    _merge_compose_overrides(dep)
    linking_kube.kustomize_namespaces(dep)
    _link_compose_configs(dep)
    linking_kube.link_generated_files(dep)
    linking_kube.link_configmaps(dep)
    linking_kube.link_key_files(dep)
    _drop_merged_env_files(dep)
    linking_kube.kube_service_aliases(dep)
    linking_kube.env_from_configmaps(dep)
    linking_homeserver.link_homeservers(dep)  # after envFrom: SYNAPSE_CONFIG_PATH may come from there
    linking_kube.ingress_target_ports(dep)
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
    toml_by_path: dict[str, list] = {}
    for cfg in dep.toml_homeservers:
        toml_by_path.setdefault(cfg.path, []).append(cfg)
    for svc in dep.services:
        livekit_file = svc.facts.get("livekit_config_file")
        if livekit_file and not svc.facts.get("livekit_config_inline"):
            for cfg in livekit_by_path.get(livekit_file, ()):
                if cfg.service is None and cfg.facts.get("origin") in ("file", "mount"):
                    cfg.service = svc.name
        for path in svc.facts.get("synapse_config_files", ()):
            for syn in synapse_by_path.get(path, ()):
                if syn.service is None:
                    syn.service = svc.name
        for path in svc.facts.get("toml_config_files", ()):
            for cfg in toml_by_path.get(path, ()):
                if cfg.service is None:
                    cfg.service = svc.name
                    svc.facts["homeserver"] = cfg.flavor
    ec_by_path = {ec.get("path"): ec for ec in dep.element_call if isinstance(ec, dict)}
    for svc in dep.services:  # Element Call's config.json, mounted into its container
        for mount in svc.mounts:
            ec = ec_by_path.get(mount.resolved) if mount.resolved else None
            if ec is not None and "service" not in ec:
                ec["service"] = svc.name


def _drop_merged_env_files(dep: "Deployment") -> None:
    """An env file is a program's only when something loads it. Beside Compose files or
    Kubernetes manifests, the runtime that would load it is known: one that a service reads
    (`env_file:`, a kustomize generator's `envs`) is merged there already, and one nothing
    reads (a loose `jwt.env`, the project `.env`, which feeds interpolation only) runs no
    program. Alone, with no such runtime beside it, it may be a systemd `EnvironmentFile`
    or `docker run --env-file`: it stays the program it configures."""
    merged: set[str] = set()
    runtime_dirs: set[str] = set()
    for svc in dep.services:
        if svc.source == "compose" or svc.source.startswith("k8s"):
            merged.update(svc.facts.get("env_files", ()))  # Compose env_file, a generator's envs
            runtime_dirs.add(os.path.dirname(svc.span.path))
    keep = []
    dropped: set[str] = set()
    for svc in dep.services:
        path = svc.span.path
        if svc.source == "env-file" and (path in merged or os.path.dirname(path) in runtime_dirs):
            dropped.add(path)
            continue
        keep.append(svc)
    dep.services[:] = keep
    dep.livekit[:] = [c for c in dep.livekit if not (c.facts.get("env_file") and c.path in dropped)]


def _targets_from_images(dep: "Deployment") -> None:
    found: dict[str, str] = {}
    for svc in dep.services:
        component = IMAGE_COMPONENTS.get(svc.role)
        if svc.facts.get("role_from_config"):
            continue  # an image rtclint does not know: its tag is no version of the program
        tag = svc.image_tag
        if component is None or not tag or not version_tuple(tag):
            continue
        if component not in found or version_tuple(tag) < version_tuple(found[component]):
            found[component] = tag.lstrip("vV")
    dep.targets.update(found)
