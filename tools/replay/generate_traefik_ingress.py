"""Plain Kubernetes Ingress variants for Traefik's kubernetesingress provider, within what the
Ingress spec fixes (kube_api.py): `Exact` against `Prefix` paths (with and without the
trailing slash, `/` itself), a host or none, several Ingresses sharing a host, TLS or
not, an `ingressClassName` or none, and how the backend reaches the pods (BACKENDS): the
Service port by number or by name; the Service left to the cluster, or in the file with
a numeric `targetPort` other than its port, or a named one that a container port of the
Deployment it selects resolves (Traefik then sends where the EndpointSlices point,
kube_endpoints.py, and the linked model where ingress-nginx would)."""

from __future__ import annotations

import itertools
import os

import yaml

JWT_PATH = {"prefix": ("/livekit/jwt", "Prefix"), "prefix-slash": ("/livekit/jwt/", "Prefix"),
            "exact": ("/sfu/get", "Exact")}
SFU_PATH = {"root": ("/", "Prefix"), "rtc": ("/rtc", "Prefix")}
HOSTS = {"split": ("matrix.example.com", "sfu.example.com"), "shared": ("matrix.example.com", "matrix.example.com"),
         "none": ("", "")}
TLS = ("tls", "plain")
# backend port by number or name × the Service: left to the cluster (the file has none: a port
# by name could not be resolved, so only by number), numeric targetPort, named targetPort
BACKENDS = ("number-cluster", "number-target", "name-target", "number-named", "name-named")
CLASS = ("none", "traefik")
SERVICES = {"lk-jwt": 8080, "livekit": 7880, "synapse": 8008}  # the Service ports
TARGETS = {"lk-jwt": 9080, "livekit": 9780, "synapse": 9008}  # numeric targetPorts
CONTAINERS = {"lk-jwt": 6080, "livekit": 7881, "synapse": 8448}  # the container ports named `http`
METRICS = 9090  # a container port named otherwise, listed first: picking by position is wrong
EVERY = 7  # one variant of every 7 (coprime with every dimension's size: each value is met)


def traefik_ingresses(out: str) -> list[tuple[str, str]]:
    found = []
    for i, choice in enumerate(itertools.product(JWT_PATH, SFU_PATH, HOSTS, TLS, BACKENDS, CLASS)):
        if i % EVERY:
            continue
        path = os.path.join(out, f"traefik-ingress-{i:03d}.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump_all(objects(*choice), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def objects(jwt: str, sfu: str, hosts: str, tls: str, backend: str, klass: str) -> list[dict]:
    jwt_host, sfu_host = HOSTS[hosts]
    by, service = backend.split("-")
    out: list[dict] = []
    if service == "named":
        out += [_deployment(name) for name in SERVICES]
    if service != "cluster":
        out += [_service(name, named=service == "named") for name in SERVICES]
    out.append(_ingress("jwt", jwt_host, [(*JWT_PATH[jwt], "lk-jwt"),
                                          ("/.well-known/matrix", "Prefix", "synapse")], tls, by, klass))
    out.append(_ingress("sfu", sfu_host, [(*SFU_PATH[sfu], "livekit")], tls, by, klass))
    return out


def _service(name: str, named: bool) -> dict:
    ports = [{"name": "http", "port": SERVICES[name], "targetPort": "http" if named else TARGETS[name]}]
    if named:  # a second port, first: the Ingress's port is the one matched, not the first
        ports.insert(0, {"name": "metrics", "port": METRICS, "targetPort": "metrics"})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": ports}}


def _deployment(name: str) -> dict:
    labels = {"app": name, "tier": "rtc"}  # more labels than the Service selects on
    container = {"name": name, "image": f"example/{name}",
                 "ports": [{"name": "metrics", "containerPort": METRICS},
                           {"name": "http", "containerPort": CONTAINERS[name], "protocol": "TCP"}]}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}}}


def _ingress(name: str, host: str, paths: list[tuple[str, str, str]], tls: str, by: str, klass: str) -> dict:
    rule: dict = {"host": host} if host else {}
    rule["http"] = {"paths": [{"path": path, "pathType": kind, "backend": {"service": {
        "name": svc, "port": {"name": "http"} if by == "name" else {"number": SERVICES[svc]}}}}
        for path, kind, svc in paths]}
    spec: dict = {}
    if klass == "traefik":
        spec["ingressClassName"] = "traefik"
    if tls == "tls" and host:
        spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
    spec["rules"] = [rule]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name}, "spec": spec}
