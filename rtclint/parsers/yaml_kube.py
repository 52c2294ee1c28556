"""Kubernetes manifests (one or many documents per file, `kind: List` too).

- ConfigMap and Secret (`data` base64, `stringData`): their keys, and what a key holds
  (a well-known, a LiveKit config), read by parsers/kube_data.py.
- Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/Pod: each container → Service(source
  'k8s') with image, env (`valueFrom` → from_secret / configmap reference, no value),
  container ports, volume mounts (`configmap:NAME` / `secret:NAME` sources, one per source
  of a `projected` volume), `command`/`args` (apart too: `command` replaces the image's
  entrypoint) and the pod labels Services select on.
- Service → KubeService (selector, port/targetPort/nodePort with spans).
- Ingress → Site(kind='ingress') per host, as ingress-nginx serves it (parsers/kube_ingress.py);
  Gateway API HTTPRoute → Site(kind='gateway') per hostname (parsers/kube_gateway.py).
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model import EnvVar, FileFacts, Located, Mount, PortMapping, Service
from rtclint.model.roles import image_role, role_from_env
from rtclint.model.services import KubeService, KubeServicePort
from rtclint.parsers import kube_data, yaml_livekit
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar
from rtclint.parsers.yaml_values import compose_nested, located, value_span

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "CronJob"}


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    from rtclint.parsers import kube_kustomize

    if kube_kustomize.is_kustomization(doc) and nodes:
        kube_kustomize.read(doc, nodes[0], tree, facts)
        return
    routing: dict[str, list] = {}  # Ingress / HTTPRoute / Gateway objects, read together per file
    for node in nodes:
        _object(doc, node, facts, routing)
    if routing.get("Ingress"):
        from rtclint.parsers.kube_ingress import read as read_ingresses

        # one site per host and namespace: two namespaces of one file are two deployments
        # (model/partition.py), as they are when written in two files
        by_namespace: dict[str, list] = {}
        for entry in routing["Ingress"]:
            ns = str(scalar(mapping_get(mapping_get(entry[0], "metadata")[1], "namespace")[1]) or "")
            by_namespace.setdefault(ns, []).append(entry)
        for entries in by_namespace.values():
            facts.sites += read_ingresses(doc, entries)
    if routing.get("HTTPRoute"):
        from rtclint.parsers.kube_gateway import read as read_routes

        facts.sites += read_routes(doc, routing["HTTPRoute"], routing.get("Gateway", []))
    if "traefik." in doc.text:  # IngressRoute/Middleware CRDs: read together, they refer to each other
        from rtclint.parsers.kube_traefik import read as read_traefik_crds

        read_traefik_crds(doc, nodes, facts)


def _object(doc: Document, node: yaml.Node, facts: FileFacts, routing: dict[str, list]) -> None:
    kind = scalar(mapping_get(node, "kind")[1])
    if kind == "List":
        _, items = mapping_get(node, "items")
        for item in items.value if isinstance(items, yaml.SequenceNode) else []:
            _object(doc, item, facts, routing)
        return
    _, meta = mapping_get(node, "metadata")
    name_key, name_node = mapping_get(meta, "name")
    name = str(scalar(name_node) or "")
    # No namespace: the one `kubectl apply -n` gives; '' matches any (see model.stacks).
    namespace = str(scalar(mapping_get(meta, "namespace")[1]) or "")
    anchor = node_span(doc, name_node) if name_node is not None else node_span(doc, node)
    if kind == "ConfigMap":
        kube_data.configmap(doc, node, name, namespace, facts)
    elif kind == "Secret":
        kube_data.secret(doc, node, name, namespace, facts)
    elif kind in WORKLOADS:
        _workload(doc, node, kind, name, namespace, anchor, facts)
    elif kind == "Service":
        facts.kube_services.append(_kube_service(doc, node, name, namespace, anchor))
    elif kind in ("Ingress", "HTTPRoute", "Gateway"):
        routing.setdefault(kind, []).append((node, name, anchor))


# -- workloads -------------------------------------------------------------------------


def _pod_spec(node: yaml.Node, kind: str) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(pod spec, pod template metadata) of a workload."""
    _, spec = mapping_get(node, "spec")
    if kind == "Pod":
        return spec, mapping_get(node, "metadata")[1]
    if kind == "CronJob":
        _, job = mapping_get(spec, "jobTemplate")
        _, spec = mapping_get(job, "spec")
    _, template = mapping_get(spec, "template")
    return mapping_get(template, "spec")[1], mapping_get(template, "metadata")[1]


def _workload(doc: Document, node: yaml.Node, kind: str, name: str, namespace: str, anchor: Span,
              facts: FileFacts) -> None:
    pod, pod_meta = _pod_spec(node, kind)
    labels = {k: str(scalar(v)) for k, _, v in mapping_items(mapping_get(pod_meta, "labels")[1])}
    host_key, host_network = mapping_get(pod, "hostNetwork")
    volumes = _volumes(pod)
    _, containers = mapping_get(pod, "containers")
    items = [c for c in containers.value if isinstance(c, yaml.MappingNode)] if isinstance(containers, yaml.SequenceNode) else []
    for container in items:
        cname = str(scalar(mapping_get(container, "name")[1]) or name)
        svc = Service(name=name if len(items) == 1 else f"{name}/{cname}", role="other", source="k8s",
                      span=anchor, group=namespace or doc.path)
        svc.facts.update({"kind": kind, "workload": name, "namespace": namespace, "container": cname,
                          "labels": labels, "block_span": node_span(doc, container)})
        if scalar(host_network) is True:
            svc.network_mode = Located("host", node_span(doc, host_network), node_span(doc, host_key))
        _container(doc, container, svc, volumes)
        svc.facts["mount_modes"] = _mount_modes(doc, pod, container)
        svc.role = (image_role(svc.image.value) if svc.image else None) or role_from_env(svc.env) or "other"
        facts.services.append(svc)
        if svc.role == "livekit":
            _livekit_env(doc, svc, facts)


def _livekit_env(doc: Document, svc: Service, facts: FileFacts) -> None:
    """LIVEKIT_CONFIG / LIVEKIT_KEYS written in the container's env (spans stay exact)."""
    from rtclint.parsers.yaml_compose import keys_config
    from rtclint.parsers.yaml_values import align

    config = svc.env.get("LIVEKIT_CONFIG")
    if config is not None and config.value and config.value_span is not None:
        emb = align(doc, config.value, config.value_span.start, config.value_span.end)
        root, _error = compose_nested(emb.text)
        if isinstance(root, yaml.MappingNode):
            cfg = yaml_livekit.build(doc.path, root, emb.node_span, config.span, origin="env-config")
            cfg.service = svc.name
            facts.livekit.append(cfg)
    keys = svc.env.get("LIVEKIT_KEYS")
    if keys is not None and keys.value is not None:
        facts.livekit.append(keys_config(keys, _OneDocTree(doc), svc.name))


class _OneDocTree:
    """The Tree interface keys_config needs, for a value in this very document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def load(self, abspath: str) -> Document:
        return self.doc


def _volumes(pod: yaml.Node | None) -> dict[str, list[tuple[str, dict[str, str] | None]]]:
    """volume name → its sources: ('configmap:NAME' / 'secret:NAME' / 'other', `items` key →
    path or None when every key is a file named after it). A `projected` volume lays several
    ConfigMaps and Secrets in one folder."""
    out = {}
    _, volumes = mapping_get(pod, "volumes")
    for vol in volumes.value if isinstance(volumes, yaml.SequenceNode) else []:
        vname = str(scalar(mapping_get(vol, "name")[1]) or "")
        _, projected = mapping_get(vol, "projected")
        _, sources = mapping_get(projected, "sources")
        if isinstance(sources, yaml.SequenceNode):
            out[vname] = [_source(item, "name") for item in sources.value] or [("other", None)]
        else:
            out[vname] = [_source(vol, "secretName")]
    return out


def _source(node: yaml.Node, secret_name: str) -> tuple[str, dict[str, str] | None]:
    """A volume's (or a projected source's) ConfigMap or Secret; a Secret volume names it
    `secretName`, a projected Secret source `name`."""
    _, cm = mapping_get(node, "configMap")
    _, secret = mapping_get(node, "secret")
    if cm is not None:
        return f"configmap:{scalar(mapping_get(cm, 'name')[1])}", _items(cm)
    if secret is not None:
        return f"secret:{scalar(mapping_get(secret, secret_name)[1])}", _items(secret)
    return "other", None


def _items(source: yaml.Node) -> dict[str, str] | None:
    """A configMap/secret volume's `items`: only these keys are files, at these paths."""
    _, items = mapping_get(source, "items")
    if not isinstance(items, yaml.SequenceNode):
        return None
    return {str(scalar(mapping_get(i, "key")[1])): str(scalar(mapping_get(i, "path")[1]))
            for i in items.value if isinstance(i, yaml.MappingNode)}


def _container(doc: Document, container: yaml.Node, svc: Service, volumes: dict[str, list]) -> None:
    image_key, image = mapping_get(container, "image")
    if isinstance(image, yaml.ScalarNode):
        svc.image = located(doc, image, image_key)
        svc.image.value = image.value
    env_key, env = mapping_get(container, "env")
    if env_key is not None:
        svc.facts["environment_span"] = node_span(doc, env_key)
        svc.facts["environment_style"] = "k8s"
    for item in env.value if isinstance(env, yaml.SequenceNode) else []:
        var = _env_entry(doc, item)
        if var is not None:
            svc.env[var.name] = var
    _, env_from = mapping_get(container, "envFrom")
    for item in env_from.value if isinstance(env_from, yaml.SequenceNode) else []:
        for ref in ("configMapRef", "secretRef"):
            _, target = mapping_get(item, ref)
            if target is not None:
                prefix = str(scalar(mapping_get(item, "prefix")[1]) or "")  # put before every key
                svc.facts.setdefault("env_from", []).append((ref, scalar(mapping_get(target, "name")[1]), prefix))
    _, ports = mapping_get(container, "ports")
    for item in ports.value if isinstance(ports, yaml.SequenceNode) else []:
        port = scalar(mapping_get(item, "containerPort")[1])
        if isinstance(port, int):
            host = scalar(mapping_get(item, "hostPort")[1])
            svc.ports.append(PortMapping(port, host if isinstance(host, int) else None,
                                         str(scalar(mapping_get(item, "protocol")[1]) or "TCP").lower(),
                                         node_span(doc, item), kind="container",
                                         name=_str_or_none(scalar(mapping_get(item, "name")[1]))))
    _, mounts = mapping_get(container, "volumeMounts")
    for item in mounts.value if isinstance(mounts, yaml.SequenceNode) else []:
        vol = str(scalar(mapping_get(item, "name")[1]) or "")
        target = str(scalar(mapping_get(item, "mountPath")[1]) or "")
        sub = scalar(mapping_get(item, "subPath")[1])
        for source, items in volumes.get(vol, [("other", None)]):  # one Mount per source, same target
            svc.mounts.append(Mount(source, target, node_span(doc, item), resolved=None))
            if source != "other":  # which keys are files under the mount: {key: path in the container}
                svc.mounts[-1].files = _mounted_files(target, items, str(sub) if sub else None)
            if sub:
                svc.mounts[-1].source += f"#{sub}"
    command = []
    for field in ("command", "args"):
        _, value = mapping_get(container, field)
        if isinstance(value, yaml.SequenceNode):
            words = [str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode)]
            command += words
            # kept apart too: `command` replaces the image's entrypoint, `args` only its CMD
            svc.facts["entrypoint" if field == "command" else "args"] = words
    svc.command = command


def _mounted_files(target: str, items: dict[str, str] | None, sub: str | None) -> dict[str, str] | None:
    """key → file path in the container; None: every key of the object, as `target/KEY`.
    A `subPath` mounts one file of the volume (a key, or an `items` path) at `target`."""
    if sub is not None:
        if items is None:
            return {sub: target}
        return {key: target for key, path in items.items() if path == sub}
    if items is None:
        return None
    return {key: f"{target.rstrip('/')}/{path}" for key, path in items.items()}


def _str_or_none(value) -> str | None:
    return str(value) if value is not None else None


def _env_entry(doc: Document, item: yaml.Node) -> EnvVar | None:
    name_key, name_node = mapping_get(item, "name")
    name = scalar(name_node)
    if not isinstance(name, str):
        return None
    value_key, value = mapping_get(item, "value")
    _, value_from = mapping_get(item, "valueFrom")
    span = node_span(doc, item)
    if value_from is not None:
        _, secret_ref = mapping_get(value_from, "secretKeyRef")
        var = EnvVar(name, None, span, name_span=node_span(doc, name_node), from_secret=secret_ref is not None)
        _, cm_ref = mapping_get(value_from, "configMapKeyRef")
        for kind, ref in (("configmap", cm_ref), ("secret", secret_ref)):
            if ref is not None:  # resolved against the object by model.linking when the tree has it
                var.from_file = f"{kind}:{scalar(mapping_get(ref, 'name')[1])}#{scalar(mapping_get(ref, 'key')[1])}"
        return var
    text = None
    vspan = None
    if isinstance(value, yaml.ScalarNode) and scalar(value) is not None:
        text = value.value
        vspan = value_span(doc, value)
    return EnvVar(name, text, span, value_span=vspan, name_span=node_span(doc, name_node))


# -- Service and Ingress ---------------------------------------------------------------


def _kube_service(doc: Document, node: yaml.Node, name: str, namespace: str, anchor: Span) -> KubeService:
    _, spec = mapping_get(node, "spec")
    svc = KubeService(name=name, namespace=namespace, span=anchor,
                      type=str(scalar(mapping_get(spec, "type")[1]) or "ClusterIP"))
    svc.selector = {k: str(scalar(v)) for k, _, v in mapping_items(mapping_get(spec, "selector")[1])}
    _, ports = mapping_get(spec, "ports")
    for item in ports.value if isinstance(ports, yaml.SequenceNode) else []:
        port_key, port = mapping_get(item, "port")
        tkey, target = mapping_get(item, "targetPort")
        nkey, node_port = mapping_get(item, "nodePort")
        value = scalar(port)
        svc.ports.append(KubeServicePort(
            port=value if isinstance(value, int) else None,
            target_port=located(doc, target, tkey),
            node_port=located(doc, node_port, nkey),
            protocol=str(scalar(mapping_get(item, "protocol")[1]) or "TCP").upper(),
            name=_str_or_none(scalar(mapping_get(item, "name")[1])),
            span=node_span(doc, item),
            port_span=node_span(doc, port) if port is not None else None,
        ))
    return svc


def _mount_modes(doc: Document, pod: yaml.Node | None, container: yaml.Node) -> dict:
    """mountPath → (defaultMode, {file path in the volume: (mode, span)}, span of the mode or volume) for the
    container's Secret and ConfigMap volumes (Kubernetes' default mode is 0644), for RTC412."""
    volumes = {}
    _, listed = mapping_get(pod, "volumes")
    for vol in listed.value if isinstance(listed, yaml.SequenceNode) else []:
        source = _held_object(vol) or mapping_get(vol, "projected")[1]
        if not isinstance(source, yaml.MappingNode):
            continue
        mode_key, mode = mapping_get(source, "defaultMode")  # a projected volume's is for every source
        items = {}
        _, sources = mapping_get(source, "sources")
        held = [_held_object(s) for s in sources.value] if isinstance(sources, yaml.SequenceNode) else [source]
        for each in held:
            _, listed_items = mapping_get(each, "items")
            for item in listed_items.value if isinstance(listed_items, yaml.SequenceNode) else []:
                _, mode_node = mapping_get(item, "mode")
                item_mode = _octal(scalar(mode_node))
                if item_mode is not None:
                    items[str(scalar(mapping_get(item, "path")[1]))] = (item_mode, node_span(doc, mode_node))
        default = _octal(scalar(mode)) if mode_key is not None else 0o644
        volumes[str(scalar(mapping_get(vol, "name")[1]))] = (
            default, items, node_span(doc, mode if mode_key is not None else vol))
    out = {}
    _, mounts = mapping_get(container, "volumeMounts")
    for item in mounts.value if isinstance(mounts, yaml.SequenceNode) else []:
        found = volumes.get(str(scalar(mapping_get(item, "name")[1])))
        if found is not None:
            sub = scalar(mapping_get(item, "subPath")[1])
            default, items, span = found
            if sub:  # the one file: its item mode, else the volume's
                default, span = items.get(str(sub), (default, span))
                items = {}
            out[str(scalar(mapping_get(item, "mountPath")[1]) or "")] = (default, items, span)
    return out


def _held_object(node: yaml.Node | None) -> yaml.Node | None:
    return mapping_get(node, "secret")[1] or mapping_get(node, "configMap")[1]


def _octal(value) -> int | None:
    """A file mode as YAML 1.1 reads it (`0400` is octal; Python's int(…, 0) refuses it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and value.startswith("0"):
        try:
            return int(value, 8)
        except ValueError:
            return None
    return None
