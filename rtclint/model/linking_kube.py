"""Cross-file links of Kubernetes objects (linking.link runs them in its order):
kustomize's `namespace:` and generated ConfigMaps/Secrets, ConfigMaps and Secrets mounted
or loaded as env into pods (a livekit.yaml or key file in them read as what it is), a
Service's names as aliases of the containers it selects, and an Ingress backend's named
targetPort resolved to the container's port."""

from __future__ import annotations

import os
import re

from rtclint.model.partition import applied_namespaces
from rtclint.model.roles import role_from_env
from rtclint.model.services import EnvVar, Service

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.configs import LiveKitConfig
    from rtclint.model.deployment import Deployment


def kustomize_namespaces(dep: "Deployment") -> None:
    """A kustomization's `namespace` is every object's in the files it includes (and its
    generators'), so references match within that namespace only."""
    applied = applied_namespaces(list(dep.files.values()))
    if not applied:
        return
    for svc in dep.services:
        if svc.source.startswith("k8s") and svc.span.path in applied:
            svc.facts["namespace"] = applied[svc.span.path]
    for ks in dep.kube_services:
        ks.namespace = applied.get(ks.span.path, ks.namespace)
    for item in (*dep.sites, *dep.livekit, *dep.extra_well_knowns):
        path = item.span.path if item.span is not None else None
        if path in applied and "namespace" in item.facts:
            item.facts["namespace"] = applied[path]


def link_generated_files(dep: "Deployment") -> None:
    """A file a kustomize generator puts in a ConfigMap/Secret is that object's key: its
    LiveKit config reaches the pods that mount the object, like one written inline."""
    made: dict[str, list[tuple[Service, str]]] = {}  # file path -> (holder, key)
    for svc in dep.services:
        for key, path in (svc.facts.get("files") or {}).items() if svc.source.startswith("k8s-") else ():
            if path:
                made.setdefault(path, []).append((svc, key))
    if not made:
        return
    for cfg in dep.livekit:
        if cfg.facts.get("origin") != "file" or cfg.path not in made or object_ref(cfg.facts) is not None:
            continue
        holder, key = made[cfg.path][0]
        kind = holder.source[len("k8s-"):]
        # still origin 'file': the file is what a fix edits (the object is built from it)
        cfg.facts.update({kind: holder.facts[kind], "namespace": holder.facts.get("namespace"), "key": key})


def link_configmaps(dep: "Deployment") -> None:
    """A LiveKit config held in a ConfigMap or Secret belongs to the LiveKit pod that mounts
    that key as a file (`items`/`subPath` choose which keys are files) or passes it as
    LIVEKIT_CONFIG through `configMapKeyRef`/`secretKeyRef`, in the same namespace."""
    by_object: dict[str, list[LiveKitConfig]] = {}  # looked up per pod: no scan of every config
    for cfg in dep.livekit:
        ref = object_ref(cfg.facts)
        if ref is not None:
            by_object.setdefault(ref, []).append(cfg)
    if not by_object:
        return
    for svc in dep.services:
        if svc.source != "k8s" or svc.role != "livekit":
            continue
        config_var = svc.env.get("LIVEKIT_CONFIG")
        ref = config_var.from_file if config_var is not None else None
        for mount in svc.mounts:
            source = mount.source.split("#", 1)[0]
            for cfg in by_object.get(source, ()):
                if mount.files is None or cfg.facts.get("key") in mount.files:
                    _claim(cfg, svc)
        if ref and ref.count("#") == 1:
            for cfg in by_object.get(ref.split("#", 1)[0], ()):
                if ref.endswith(f"#{cfg.facts.get('key')}"):
                    _claim(cfg, svc)


def link_key_files(dep: "Deployment") -> None:
    """LiveKit's `key_file`, read from the ConfigMap/Secret key mounted at that path in its
    pod or the tree file a Compose service mounts there. LiveKit decodes the file into its
    `keys` map, over the config's own entries (livekit-server `createKeyProvider`), so the
    entries join `cfg.keys`, where the key rules (RTC303, RTC401) and the masking see them.
    A file the tree does not hold, or one that is no flat `key: secret` map, leaves the
    keys unknown (`key_file_keys` unset)."""
    wanted = [c for c in dep.livekit if c.key_file is not None and isinstance(c.key_file.value, str)
              and c.key_file.value.startswith("/") and c.service is not None]
    if not wanted:
        return
    holders = {(s.source[len("k8s-"):] + ":" + str(s.facts.get(s.source[len("k8s-"):])), s.facts.get("namespace")): s
               for s in dep.services if s.source in ("k8s-configmap", "k8s-secret")}
    for cfg in wanted:
        for svc in dep.services:
            if svc.name != cfg.service or svc.role != "livekit":
                continue
            path = os.path.normpath(cfg.key_file.value)
            if svc.source == "k8s":
                found = _mounted_key_map(svc, holders, path)
            else:  # Compose: a bind-mounted file, `configs:` or `secrets:` (parsers/compose_links)
                entries = (svc.facts.get("key_maps") or {}).get(path)
                found = (entries, "file") if entries is not None else None
            if found is not None:
                cfg.facts["key_file_keys"], cfg.facts["key_file_from"] = found
                cfg.keys.update(found[0])
                break


def _mounted_key_map(svc: Service, holders: dict, path: str) -> tuple[dict, str] | None:
    """(key map, 'configmap'/'secret') of the object key mounted at `path` in this
    container, or None."""
    for mount in svc.mounts:
        source = mount.source.split("#", 1)[0]
        if not source.startswith(("configmap:", "secret:")):
            continue
        if mount.files is not None:
            keys = [k for k, p in mount.files.items() if os.path.normpath(p) == path]
        else:
            inside = os.path.relpath(path, os.path.normpath(mount.target)) if mount.target else ".."
            keys = [inside] if "/" not in inside and not inside.startswith(".") else []
        namespace = svc.facts.get("namespace")
        holder = holders.get((source, namespace)) or next(
            (h for (ref, ns), h in holders.items() if ref == source and same_namespace(ns, namespace)), None)
        maps = holder.facts.get("key_maps") or {} if holder is not None else {}
        for key in keys:
            if key in maps:
                return dict(maps[key]), source.split(":", 1)[0]
    return None


def object_ref(facts: dict) -> str | None:
    """'configmap:NAME' / 'secret:NAME' for a fact read from a key of that object."""
    for kind in ("configmap", "secret"):
        if facts.get(kind) is not None:
            return f"{kind}:{facts[kind]}"
    return None


def _claim(cfg: LiveKitConfig, svc: Service) -> None:
    if cfg.service is None and same_namespace(cfg.facts.get("namespace"), svc.facts.get("namespace")):
        cfg.service = svc.name


def same_namespace(a: str | None, b: str | None) -> bool:
    """Objects written without a namespace go wherever they are applied: they match any."""
    return not a or not b or a == b


def kube_service_aliases(dep: "Deployment") -> None:
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


def env_from_configmaps(dep: "Deployment") -> None:
    """`envFrom` (configMapRef/secretRef) takes an object's keys as variables (explicit
    `env:` entries win), `valueFrom.configMapKeyRef`/`secretKeyRef` one key: a reference the
    tree resolves gets the object's value, its span there, and is no longer unknown."""
    holders: dict[str, list[Service]] = {}
    for svc in dep.services:
        if svc.source in ("k8s-configmap", "k8s-secret"):
            kind = svc.source[len("k8s-"):]
            holders.setdefault(f"{kind}:{svc.facts.get(kind)}", []).append(svc)
    if not holders:
        return
    for svc in dep.services:
        if svc.source != "k8s":
            continue

        def holder(ref: str, svc=svc) -> Service | None:
            return next((h for h in holders.get(ref, ()) if same_namespace(h.facts.get("namespace"),
                                                                           svc.facts.get("namespace"))), None)

        unresolved = []
        for kind, name, prefix in svc.facts.get("env_from") or ():
            found = holder(f"{'configmap' if kind == 'configMapRef' else 'secret'}:{name}")
            if found is None:
                unresolved.append((kind, name, prefix))
                continue
            for var_name, var in found.env.items():
                if _ENV_NAME.match(prefix + var_name):
                    svc.env.setdefault(prefix + var_name, var if not prefix else _renamed(var, prefix + var_name))
            if found.facts.get("unknown_envs"):  # a generator's env file the tree lacks: keys unknown
                unresolved.append((kind, name, prefix))
        svc.facts["env_from"] = unresolved
        for name, var in list(svc.env.items()):
            ref = var.from_file or ""
            if var.value is None and ref.count("#") == 1 and ref.startswith(("configmap:", "secret:")):
                obj, key = ref.split("#", 1)
                found = holder(obj)
                if found is not None and key in found.env:
                    svc.env[name] = _resolved(var, found.env[key])
        if svc.role == "other":
            svc.role = role_from_env(svc.env) or "other"


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")  # the keys envFrom turns into variables


def _renamed(var: EnvVar, name: str) -> EnvVar:
    return EnvVar(name, var.value, var.span, value_span=var.value_span, name_span=var.name_span,
                  from_secret=var.from_secret, from_file=var.from_file)


def _resolved(ref: EnvVar, held: EnvVar) -> EnvVar:
    """The container's variable with the value the kubelet gives it, pointing at that value."""
    return EnvVar(ref.name, held.value, ref.span, value_span=held.value_span, name_span=ref.name_span,
                  from_secret=ref.from_secret, from_file=ref.from_file)


def ingress_target_ports(dep: "Deployment") -> None:
    """An ingress controller sends traffic straight to the pods, at the Service port's
    `targetPort`: make that the Ingress route's upstream port (the Service port stays in
    `route.facts['service_port']`), so port rules compare it with what the pod binds.
    Traefik's IngressRoutes too (they name the Service in `kube_service`): Traefik proxies
    to the Service's endpoints, and leaves out a route whose Service lacks the port."""
    by_name = {}
    for ks in dep.kube_services:
        by_name.setdefault(ks.name, ks)
    selected = None  # built on the first named targetPort
    for site in dep.sites:
        ingress = site.kind in ("ingress", "gateway")
        if not ingress and site.kind != "traefik":
            continue
        for route in site.routes:
            # an IngressRoute naming its Service port by name waits for it (parsers/traefik.py)
            proxy = route.proxy or route.facts.get("pending_proxy")
            if proxy is None or not (ingress or route.facts.get("kube_service")):
                continue
            ks = by_name.get(proxy.upstream.host)
            if ks is None:
                continue
            wanted = route.facts.get("service_port")
            name = route.facts.get("port_name")
            port = next((p for p in ks.ports if (wanted is not None and p.port == wanted) or (name and p.name == name)), None)
            if port is None:
                _port_missing(route, ks.name, wanted if wanted is not None else name, ingress)
                continue
            target = port.target_port.value if port.target_port is not None else port.port
            if isinstance(target, str) and not target.isdecimal():
                if selected is None:
                    selected = _selected_containers(dep)
                named, target = target, _named_container_port(selected, ks, target)
                if target is None:  # the pods' port of that name: not in the tree
                    _target_unknown(route, ks.name, named, ingress)
                    continue
            if target is None:
                continue
            proxy.upstream.port = int(target)
            if route.proxy is None:  # the port by name is known now
                route.proxy = route.facts.pop("pending_proxy")
                route.facts.pop("undecidable", None)


def _target_unknown(route, service: str, name: str, ingress: bool) -> None:
    """The Service sends to the pods' container port named `name`, and no pod of the tree
    declares it: the controller reaches a port the tree does not show — never the Service's
    own port (the replay caught that guess: Traefik answered 404 where it proxied)."""
    why = (f"`{route.name}` reaches Service {service} at its targetPort `{name}`, a container port of pods the "
           "tree does not hold")
    if ingress:
        route.facts["target_unknown"] = why
    else:
        route.facts["undecidable"] = why


def _port_missing(route, service: str, port, ingress: bool) -> None:
    """The controller has no endpoint for the route: ingress-nginx answers 503 itself, a
    Gateway 500 (answer_ingress); Traefik logs "service port not found" and leaves the
    IngressRoute's router out, so what answers instead is not the route's to say."""
    if ingress:
        route.facts["port_missing"] = (service, port)
    else:
        route.facts["undecidable"] = (f"`{route.name}` names port {port} that Service {service} does not "
                                      "have: Traefik leaves the route out")


def _named_container_port(selected: dict[int, list[Service]], ks, name: str) -> int | None:
    for svc in selected.get(id(ks), ()):
        for mapping in svc.ports:
            if mapping.name == name:
                return mapping.container_port
    return None


def _selected_containers(dep: "Deployment") -> dict[int, list[Service]]:
    """id(Kubernetes Service) -> the containers it selects (set by _kube_service_aliases),
    in tree order: asked per Ingress route, so not a scan of every container each time."""
    selected: dict[int, list[Service]] = {}
    for svc in dep.services:
        for ks in svc.facts.get("kube_services", ()):
            selected.setdefault(id(ks), []).append(svc)
    return selected
