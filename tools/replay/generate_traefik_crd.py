"""Traefik IngressRoute variants: the file-provider variants (generate_traefik.py) spelled as
Kubernetes `IngressRoute` and `Middleware` objects (traefik.io/v1alpha1), for Traefik's
kubernetescrd provider.

Beside the routing axes of the file variants, what people get wrong with the CRDs: one
IngressRoute per router against routes grouped by entry points, objects in a namespace
or in `default`, the Services written in the file (with a `targetPort` that is not their
port) or left to the cluster, a middleware reference with its `namespace`, the SFU's Service port by name or
443 (Traefik then speaks https to it)."""

from __future__ import annotations

import itertools
import os

import yaml

from tools.replay.generate_traefik import CATCH_ALL, ENTRY, HOSTS, JWT, JWT_MW, SFU, WK_MW, WK_RULE, _config

LAYOUT = ("per-router", "grouped")
NAMESPACE = ("default", "matrix")
SERVICES = ("cluster", "file")
MW_REF = ("plain", "namespaced")
# the SFU Service: its port by number, by name, or 443 (then Traefik speaks https to it)
SFU_PORT = ("number", "name", "443")
STRIDE = 2719  # a prime: consecutive picks differ on every axis
API = "traefik.io/v1alpha1"


def traefik_crds(out: str, stride: int = STRIDE) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(WK_RULE, WK_MW, JWT, SFU, HOSTS, ENTRY, CATCH_ALL, JWT_MW,
                             LAYOUT, NAMESPACE, SERVICES, MW_REF, SFU_PORT)
    for i, choice in enumerate(axes):
        if i % stride:
            continue
        path = os.path.join(out, f"traefik-crd-{i:05d}.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump_all(objects(_config(*choice[:8]), *choice[8:]), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def objects(dynamic: dict, layout: str, namespace: str, services: str, mw_ref: str,
            sfu_port: str = "number") -> list[dict]:
    """The Kubernetes objects that say what `dynamic` (a file-provider config) says."""
    http = dynamic["http"]
    meta = {} if namespace == "default" else {"namespace": namespace}
    used = {m for r in http["routers"].values() for m in r.get("middlewares", [])}
    out = [{"apiVersion": API, "kind": "Middleware", "metadata": {"name": name, **meta}, "spec": spec}
           for name, spec in http["middlewares"].items() if name in used]
    upstream = {}
    for name, svc in http["services"].items():
        host, port = svc["loadBalancer"]["servers"][0]["url"].split("//", 1)[1].rsplit(":", 1)
        upstream[name] = (host, 443 if name == "livekit" and sfu_port == "443" else int(port))
    groups: dict[str, list[tuple[str, dict]]] = {}
    for name, router in http["routers"].items():
        key = name if layout == "per-router" else ",".join(router.get("entryPoints") or ["*"])
        groups.setdefault(key, []).append((name, router))
    for key, routers in groups.items():
        spec: dict = {}
        entrypoints = routers[0][1].get("entryPoints")
        if entrypoints:
            spec["entryPoints"] = entrypoints
        spec["routes"] = [_route(router, upstream, namespace, mw_ref, sfu_port) for _, router in routers]
        out.append({"apiVersion": API, "kind": "IngressRoute",
                    "metadata": {"name": key.replace(",", "-").replace("*", "all"), **meta}, "spec": spec})
    if services == "file":
        for host, port in sorted(set(upstream.values())):
            out.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": host, **meta},
                        "spec": {"selector": {"app": host},
                                 "ports": [{"name": "web", "port": port, "targetPort": port + 1000}]}})
    return out


def _route(router: dict, upstream: dict, namespace: str, mw_ref: str, sfu_port: str) -> dict:
    host, port = upstream[router["service"]]
    if host == "livekit" and sfu_port == "name":
        port = "web"
    route: dict = {"match": router["rule"], "kind": "Rule"}
    if "priority" in router:
        route["priority"] = router["priority"]
    if router.get("middlewares"):
        route["middlewares"] = [{"name": m, **({"namespace": namespace} if mw_ref == "namespaced" else {})}
                                for m in router["middlewares"]]
    route["services"] = [{"name": host, "port": port}]
    return route
