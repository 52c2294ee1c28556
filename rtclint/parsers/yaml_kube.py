"""Kubernetes manifests (one or many documents per file, `kind: List` too).

- ConfigMap: a `data` value holding a client/server well-known JSON → WellKnown
  (source 'configmap', spans inside the block scalar); one holding a LiveKit config →
  LiveKitConfig (origin 'configmap').
- Secret: only its name is noted. Values are never read, stored or printed.
- Deployment/StatefulSet/DaemonSet/ReplicaSet/Job/Pod: each container → Service(source
  'k8s') with image, env (`valueFrom` → from_secret / configmap reference, no value),
  container ports, volume mounts (`configmap:NAME` / `secret:NAME` sources) and the pod
  labels Services select on.
- Service → KubeService (selector, port/targetPort/nodePort with spans).
- Ingress → Site(kind='ingress') per rule host: Routes proxy to the backend Service
  name/port; `tls` hosts listen on 443 with TLS, the others on 80.
"""

from __future__ import annotations

import json
import re

from rtclint.document import Document, Span
from rtclint.model import (
    EnvVar,
    FileFacts,
    Listen,
    Located,
    Mount,
    PathMatch,
    PortMapping,
    Proxy,
    Respond,
    Route,
    Service,
    Site,
    Upstream,
    WellKnown,
)
from rtclint.model.roles import role_from_env
from rtclint.model.services import KubeService, KubeServicePort
from rtclint.model.wellknown import RTC_FOCI_KEY
from rtclint.parsers import yaml_livekit
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify, mapping_get, mapping_items, node_span, scalar
from rtclint.parsers.yaml_compose import image_role
from rtclint.parsers.yaml_values import compose_nested, embedded, located, value_span

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "CronJob"}


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    for node in nodes:
        _object(doc, node, facts)
    if "traefik." in doc.text:  # IngressRoute/Middleware CRDs: read together, they refer to each other
        from rtclint.parsers.kube_traefik import read as read_traefik_crds

        read_traefik_crds(doc, nodes, facts)


def _object(doc: Document, node: yaml.Node, facts: FileFacts) -> None:
    kind = scalar(mapping_get(node, "kind")[1])
    if kind == "List":
        _, items = mapping_get(node, "items")
        for item in items.value if isinstance(items, yaml.SequenceNode) else []:
            _object(doc, item, facts)
        return
    _, meta = mapping_get(node, "metadata")
    name_key, name_node = mapping_get(meta, "name")
    name = str(scalar(name_node) or "")
    # No namespace: the one `kubectl apply -n` gives; '' matches any (see model.stacks).
    namespace = str(scalar(mapping_get(meta, "namespace")[1]) or "")
    anchor = node_span(doc, name_node) if name_node is not None else node_span(doc, node)
    if kind == "ConfigMap":
        _configmap(doc, node, name, namespace, facts)
    elif kind in WORKLOADS:
        _workload(doc, node, kind, name, namespace, anchor, facts)
    elif kind == "Service":
        facts.kube_services.append(_kube_service(doc, node, name, namespace, anchor))
    elif kind == "Ingress":
        facts.sites += _ingress(doc, node, name, anchor)


# -- ConfigMap ---------------------------------------------------------------------------


_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def _configmap(doc: Document, node: yaml.Node, name: str, namespace: str, facts: FileFacts) -> None:
    _, data = mapping_get(node, "data")
    env = Service(name=f"configmap/{name}", role="other", source="k8s-configmap", span=node_span(doc, node),
                  group=namespace or doc.path, facts={"configmap": name, "namespace": namespace})
    for key, key_node, value in mapping_items(data):
        if _ENV_NAME.match(key) and isinstance(value, yaml.ScalarNode):  # envFrom: configMapRef material
            env.env[key] = EnvVar(key, value.value, doc.span(key_node.start_mark.index, value.end_mark.index),
                                  value_span=value_span(doc, value), name_span=node_span(doc, key_node))
    if env.env:
        facts.services.append(env)
    for key, _key_node, value in mapping_items(data):
        if not isinstance(value, yaml.ScalarNode) or not isinstance(value.value, str):
            continue
        text = value.value
        emb = embedded(doc, value)
        where = {"configmap": name, "namespace": namespace, "key": key}
        which = _well_known_kind(key, text)
        if which is not None:
            span = emb.span(0, len(text))
            respond = Respond(200, text, body_span=span, body_map=list(emb.offsets))
            facts.well_knowns.append(WellKnown(which=which, body=text, span=span, source="configmap",
                                               respond=respond, facts=where))
            continue
        if not key.endswith((".yaml", ".yml")) and "\n" not in text:
            continue
        root, _error = compose_nested(text)
        if isinstance(root, yaml.MappingNode) and classify(root, _NamedDoc(key)) == "livekit":
            cfg = yaml_livekit.build(doc.path, root, emb.node_span, node_span(doc, value), origin="configmap")
            cfg.facts.update(where)
            facts.livekit.append(cfg)


class _NamedDoc:
    """What `classify` needs of a document: its name (the ConfigMap key)."""

    def __init__(self, name: str) -> None:
        self.path = name


def _well_known_kind(key: str, text: str) -> str | None:
    if key in ("client", "server"):
        return key
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return "client" if ("m.homeserver" in stripped or RTC_FOCI_KEY in stripped) else None
    if isinstance(value, dict) and ("m.homeserver" in value or RTC_FOCI_KEY in value):
        return "client"
    if isinstance(value, dict) and "m.server" in value:
        return "server"
    return None


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


def _volumes(pod: yaml.Node | None) -> dict[str, str]:
    """volume name → 'configmap:NAME' / 'secret:NAME' / 'other'."""
    out = {}
    _, volumes = mapping_get(pod, "volumes")
    for vol in volumes.value if isinstance(volumes, yaml.SequenceNode) else []:
        vname = str(scalar(mapping_get(vol, "name")[1]) or "")
        _, cm = mapping_get(vol, "configMap")
        _, secret = mapping_get(vol, "secret")
        if cm is not None:
            out[vname] = f"configmap:{scalar(mapping_get(cm, 'name')[1])}"
        elif secret is not None:
            out[vname] = f"secret:{scalar(mapping_get(secret, 'secretName')[1])}"
        else:
            out[vname] = "other"
    return out


def _container(doc: Document, container: yaml.Node, svc: Service, volumes: dict[str, str]) -> None:
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
                svc.facts.setdefault("env_from", []).append((ref, scalar(mapping_get(target, "name")[1])))
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
        svc.mounts.append(Mount(volumes.get(vol, "other"), target, node_span(doc, item),
                                resolved=None))
        if sub:
            svc.mounts[-1].source += f"#{sub}"
    command = []
    for field in ("command", "args"):
        _, value = mapping_get(container, field)
        if isinstance(value, yaml.SequenceNode):
            command += [str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode)]
    svc.command = command


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
        secret = mapping_get(value_from, "secretKeyRef")[1] is not None
        var = EnvVar(name, None, span, name_span=node_span(doc, name_node), from_secret=secret)
        _, cm_ref = mapping_get(value_from, "configMapKeyRef")
        if cm_ref is not None:  # resolved against the ConfigMap by model.stacks
            var.from_file = f"configmap:{scalar(mapping_get(cm_ref, 'name')[1])}#{scalar(mapping_get(cm_ref, 'key')[1])}"
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


def _ingress(doc: Document, node: yaml.Node, name: str, anchor: Span) -> list[Site]:
    _, spec = mapping_get(node, "spec")
    tls_hosts: set[str] = set()
    _, tls = mapping_get(spec, "tls")
    for entry in tls.value if isinstance(tls, yaml.SequenceNode) else []:
        _, hosts = mapping_get(entry, "hosts")
        for h in hosts.value if isinstance(hosts, yaml.SequenceNode) else []:
            tls_hosts.add(str(scalar(h)).lower())
    sites = []
    _, rules = mapping_get(spec, "rules")
    for rule in rules.value if isinstance(rules, yaml.SequenceNode) else []:
        host_key, host_node = mapping_get(rule, "host")
        host = str(scalar(host_node) or "*").lower()
        span = node_span(doc, host_node) if host_node is not None else node_span(doc, rule)
        listens = [Listen(443, True, span)] if (host in tls_hosts or "*" in tls_hosts) else [Listen(80, False, span)]
        site = Site(kind="ingress", hosts=[host], listens=listens, routes=[], span=span, name=f"Ingress {name}",
                    facts={"ingress": name})
        _, http = mapping_get(rule, "http")
        _, paths = mapping_get(http, "paths")
        for item in paths.value if isinstance(paths, yaml.SequenceNode) else []:
            route = _ingress_route(doc, item, name)
            if route is not None:
                site.routes.append(route)
        sites.append(site)
    return sites


def _ingress_route(doc: Document, item: yaml.Node, ingress: str) -> Route | None:
    path = str(scalar(mapping_get(item, "path")[1]) or "/")
    path_type = scalar(mapping_get(item, "pathType")[1]) or "Prefix"
    _, backend = mapping_get(item, "backend")
    _, service = mapping_get(backend, "service")
    svc_name = scalar(mapping_get(service, "name")[1]) or scalar(mapping_get(backend, "serviceName")[1])
    _, port = mapping_get(service, "port")
    number_key, number = mapping_get(port, "number")
    port_name = scalar(mapping_get(port, "name")[1])
    if number is None:  # networking.k8s.io/v1beta1: backend.servicePort
        number_key, number = mapping_get(backend, "servicePort")
    if not isinstance(svc_name, str):
        return None
    value = scalar(number)
    if isinstance(value, str) and port_name is None:
        port_name, value = value, None
    span = node_span(doc, item)
    upstream = Upstream(host=svc_name, port=value if isinstance(value, int) else None, span=span,
                        port_span=node_span(doc, number) if number is not None else None)
    matcher = PathMatch("exact" if path_type == "Exact" else "prefix", (path,), span=span)
    return Route(matcher=matcher, span=span, proxy=Proxy(upstream, backend_name=svc_name, span=span),
                 name=f"Ingress {ingress} {path}",
                 facts={"port_name": port_name, "ingress": ingress, "service_port": upstream.port})


def _mount_modes(doc: Document, pod: yaml.Node | None, container: yaml.Node) -> dict:
    """mountPath → (defaultMode, {file path in the volume: (mode, span)}, span of the mode or volume) for the
    container's Secret and ConfigMap volumes (Kubernetes' default mode is 0644), for RTC412."""
    volumes = {}
    _, listed = mapping_get(pod, "volumes")
    for vol in listed.value if isinstance(listed, yaml.SequenceNode) else []:
        source = mapping_get(vol, "secret")[1] or mapping_get(vol, "configMap")[1]
        if not isinstance(source, yaml.MappingNode):
            continue
        mode_key, mode = mapping_get(source, "defaultMode")
        items = {}
        _, listed_items = mapping_get(source, "items")
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
