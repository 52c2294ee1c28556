"""The EndpointSlices Kubernetes would publish for the Services a replayed file's Ingresses,
IngressRoutes and HTTPRoutes name: what Traefik's Kubernetes providers read when they proxy
to the pods, as ingress-nginx does (the replay runs them without `nativeLBByDefault`).

Worked out here from Kubernetes' own rules, never from rtclint's linking
(model/linking_kube.py `ingress_target_ports`): the real Traefik is to check that model,
so the two must not share its code.

- The endpointslice controller publishes, for every pod a Service selects (same namespace,
  every selector label on the pod), each Service port at the pod's port for it
  (k8s.io/kubernetes pkg/api/v1/pod `FindPort`): a numeric `targetPort` is that number;
  a named one is the `containerPort` of the pod's port of that name and the Service port's
  protocol, searched in `containers`, then in the sidecars (`initContainers` with
  `restartPolicy: Always`); a pod without it gets no endpoint for that Service port.
  The API server fills an absent `targetPort` with `port`, and an absent protocol with TCP.
- The pods are the pod templates of the file's workloads (Deployment, StatefulSet,
  DaemonSet, ReplicaSet, ReplicationController, Job, a CronJob's job template, a bare Pod).
  A numeric targetPort does not depend on the pod: the Service's pods may be elsewhere in
  the cluster, so it is published even when the file holds none. A named one is unknown
  without a pod of the file declaring it: no endpoint, as for a pod lacking it.
- A Service without a selector gets no endpoints from the controller (its owner writes
  them); one the file lacks (kube_api adds it for the routes naming it) is the cluster's,
  and gets endpoints on its own port, the replay's stand-in for whatever serves it.
- Traefik (pkg/provider/kubernetes/ingress `loadService`, v3.7) finds a Service's slices by
  their `kubernetes.io/service-name` label, takes the slice port whose `name` equals the
  Service port's name (`""` for an unnamed port: the field must be there), skips endpoints
  whose `conditions.serving` is false and proxies to `endpoints[].addresses` at that port.

Every pod of a Service is the one stand-in address the replay gives the Service's name."""

from __future__ import annotations

import hashlib

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY = {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
# kind → the path from the object to its pod template (metadata + spec)
POD_TEMPLATE = {"Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
                "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"),
                "ReplicationController": ("spec", "template"), "Job": ("spec", "template"),
                "CronJob": ("spec", "jobTemplate", "spec", "template"), "Pod": ()}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list[dict]:
    return [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []


def pods(objects: list[dict]) -> list[dict]:
    """The pod (template) of every workload of the file, with its namespace: the pods the
    cluster would run from it."""
    out = []
    for obj in objects:
        route = POD_TEMPLATE.get(obj.get("kind"))
        if route is None:
            continue
        template = obj
        for key in route:
            template = _dict(template.get(key))
        meta = _dict(template.get("metadata"))
        namespace = _dict(obj.get("metadata")).get("namespace") or "default"
        out.append({"namespace": namespace, "labels": _dict(meta.get("labels")), "spec": _dict(template.get("spec"))})
    return out


def selects(service: dict, pod: dict) -> bool:
    """Whether the Service's selector picks the pod: same namespace, every label equal."""
    selector = _dict(_dict(service.get("spec")).get("selector"))
    namespace = _dict(service.get("metadata")).get("namespace") or "default"
    labels = pod["labels"]
    return bool(selector) and pod["namespace"] == namespace and all(
        k in labels and str(labels[k]) == str(v) for k, v in selector.items())


def pod_port(pod: dict, service_port: dict) -> int | None:
    """The pod's port for a Service port (Kubernetes' FindPort), None when it has none."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int) and not isinstance(target, bool):
        return target
    if isinstance(target, str) and target.isdecimal():  # quoted: the API refuses it; the model reads the number
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    sidecars = [c for c in _list(pod["spec"].get("initContainers")) if c.get("restartPolicy") == "Always"]
    for container in _list(pod["spec"].get("containers")) + sidecars:
        for port in _list(container.get("ports")):
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                number = port.get("containerPort")
                return number if isinstance(number, int) else None
    return None


def endpoint_ports(service: dict, objects: list[dict], in_file: bool = True) -> list[dict]:
    """The EndpointSlice ports of the Service's pods, one per Service port a pod has:
    [{name, port, protocol}], the name the Service port's ('' when it has none). `in_file`
    False: a Service the cluster has elsewhere (its own port; see the module's note)."""
    out = []
    spec = _dict(service.get("spec"))
    if in_file and not _dict(spec.get("selector")):
        return out
    if in_file and any(isinstance(p.get("targetPort"), str) and not p["targetPort"].isdecimal()
                       for p in _list(spec.get("ports"))):
        chosen = [pod for pod in pods(objects) if selects(service, pod)]
    else:
        chosen = []
    for port in _list(spec.get("ports")):
        if in_file:
            numbers = {pod_port(pod, port) for pod in chosen} if chosen else {pod_port({"spec": {}}, port)}
        else:
            numbers = {port.get("port")}
        # pods disagreeing on a named port's number: each is listed (Traefik takes the first
        # listed by name, the model the first container in the file: such a file may disagree)
        for number in sorted(n for n in numbers if isinstance(n, int)):
            out.append({"name": str(port.get("name") or ""), "port": number, "protocol": port.get("protocol") or "TCP"})
    return out


def endpoint_slice(service: dict, ports: list[dict], address: str) -> dict:
    """The EndpointSlice (discovery.k8s.io/v1) of a Service whose pods are at `address`."""
    meta = _dict(service.get("metadata"))
    name, namespace = str(meta.get("name")), meta.get("namespace") or "default"
    digest = hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{name}-{digest[:5]}", "namespace": namespace, "resourceVersion": "1",
                         "uid": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}",
                         "labels": {SERVICE_NAME_LABEL: name, **MANAGED_BY}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [address], "conditions": {"ready": True, "serving": True, "terminating": False}}],
            "ports": ports}
