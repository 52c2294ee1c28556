"""Plain Kubernetes Ingress variants for Traefik's kubernetesingress provider, within what the
Ingress spec fixes (kube_api.py): `Exact` against `Prefix` paths (with and without the
trailing slash, `/` itself), a host or none, several Ingresses sharing a host, TLS or
not, the backend port by number or by name, the Service in the file or left to the
cluster, an `ingressClassName` or none."""

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
PORT = ("number", "name")
CLASS = ("none", "traefik")
SERVICES = {"lk-jwt": 8080, "livekit": 7880, "synapse": 8008}


def traefik_ingresses(out: str) -> list[tuple[str, str]]:
    found = []
    for i, choice in enumerate(itertools.product(JWT_PATH, SFU_PATH, HOSTS, TLS, PORT, CLASS)):
        if i % 3:
            continue
        path = os.path.join(out, f"traefik-ingress-{i:03d}.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump_all(objects(*choice), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def objects(jwt: str, sfu: str, hosts: str, tls: str, port: str, klass: str) -> list[dict]:
    jwt_host, sfu_host = HOSTS[hosts]
    out = [_service(name, number) for name, number in SERVICES.items()] if port == "name" else []
    out.append(_ingress("jwt", jwt_host, [(*JWT_PATH[jwt], "lk-jwt"),
                                          ("/.well-known/matrix", "Prefix", "synapse")], tls, port, klass))
    out.append(_ingress("sfu", sfu_host, [(*SFU_PATH[sfu], "livekit")], tls, port, klass))
    return out


def _service(name: str, number: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": number, "targetPort": 9000}]}}


def _ingress(name: str, host: str, paths: list[tuple[str, str, str]], tls: str, port: str, klass: str) -> dict:
    rule: dict = {"host": host} if host else {}
    rule["http"] = {"paths": [{"path": path, "pathType": kind, "backend": {"service": {
        "name": svc, "port": {"name": "http"} if port == "name" else {"number": SERVICES[svc]}}}}
        for path, kind, svc in paths]}
    spec: dict = {}
    if klass == "traefik":
        spec["ingressClassName"] = "traefik"
    if tls == "tls" and host:
        spec["tls"] = [{"hosts": [host], "secretName": f"{name}-tls"}]
    spec["rules"] = [rule]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name}, "spec": spec}
