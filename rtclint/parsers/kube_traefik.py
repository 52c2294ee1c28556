"""Traefik's Kubernetes CRDs: `IngressRoute` and `Middleware` (traefik.io/v1alpha1, and
the older traefik.containo.us/v1alpha1) → proxy sites, as the Kubernetes CRD provider
reads them.

A route's `match` is a router rule, `priority` its priority, `services[].name`/`port` a
Kubernetes Service (the upstream host, as for Ingress), `middlewares[].name` a Middleware
object of the same file (its `spec` is the middleware: `stripPrefix`, `headers`, …).
"""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.model.proxy import Upstream
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.traefik import Dynamic, Middleware, Router, Value, build_sites
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar
from rtclint.parsers.yaml_traefik import options_of

GROUPS = ("traefik.io/", "traefik.containo.us/")


def _is_traefik(node: yaml.Node, kind: str) -> bool:
    api = scalar(mapping_get(node, "apiVersion")[1])
    return isinstance(api, str) and api.startswith(GROUPS) and scalar(mapping_get(node, "kind")[1]) == kind


def read(doc: Document, nodes: list[yaml.Node], facts: FileFacts) -> None:
    """Every IngressRoute of the file, with the file's Middlewares, as one configuration."""
    dyn = Dynamic()
    for node in nodes:
        if _is_traefik(node, "Middleware"):
            name = str(scalar(mapping_get(mapping_get(node, "metadata")[1], "name")[1]) or "")
            for kind, key, opts in mapping_items(mapping_get(node, "spec")[1]):
                dyn.middlewares[name] = Middleware(name, kind.lower(), options_of(doc, opts), node_span(doc, key))
                break
    for node in nodes:
        if _is_traefik(node, "IngressRoute"):
            _ingress_route(doc, node, dyn)
    if dyn.routers:
        sites, problems = build_sites(doc, dyn)
        facts.sites.extend(sites)
        facts.diagnostics.extend(problems)


def _ingress_route(doc: Document, node: yaml.Node, dyn: Dynamic) -> None:
    name = str(scalar(mapping_get(mapping_get(node, "metadata")[1], "name")[1]) or "ingressroute")
    spec = mapping_get(node, "spec")[1]
    _, entrypoints = mapping_get(spec, "entryPoints")
    eps = [Value(scalar(e), node_span(doc, e)) for e in entrypoints.value] if isinstance(entrypoints, yaml.SequenceNode) else []
    _, routes = mapping_get(spec, "routes")
    for index, route in enumerate(routes.value if isinstance(routes, yaml.SequenceNode) else []):
        rname = f"{name}-{index}"
        match_key, match = mapping_get(route, "match")
        router = Router(name=rname, span=node_span(doc, match_key or route), entrypoints=eps)
        if match is not None:
            router.rule = Value(scalar(match), node_span(doc, match))
        prio = mapping_get(route, "priority")[1]
        if prio is not None:
            router.priority = Value(scalar(prio), node_span(doc, prio))
        _, mws = mapping_get(route, "middlewares")
        for mw in mws.value if isinstance(mws, yaml.SequenceNode) else []:
            ref = mapping_get(mw, "name")[1]
            router.middlewares.append(Value(scalar(ref), node_span(doc, ref if ref is not None else mw)))
        _, services = mapping_get(route, "services")
        first = services.value[0] if isinstance(services, yaml.SequenceNode) and services.value else None
        svc_name = scalar(mapping_get(first, "name")[1]) if first is not None else None
        port_node = mapping_get(first, "port")[1] if first is not None else None
        port = scalar(port_node)
        target_kind = scalar(mapping_get(first, "kind")[1]) if first is not None else None
        if isinstance(svc_name, str) and target_kind not in (None, "Service"):
            # a TraefikService (weighted, mirroring) names other services: not modelled
            router.facts_unknown = (f"IngressRoute `{name}` sends to {target_kind} `{svc_name}`, which rtclint "
                                    "does not read")
            router.service = Value(rname, node_span(doc, first))
        elif isinstance(svc_name, str):
            span = node_span(doc, first)
            # Traefik speaks https to a Service port 443 or one whose name starts with https
            # (crd/kubernetes_http.go parseServiceProtocol; a `scheme` set on the route wins)
            scheme = scalar(mapping_get(first, "scheme")[1]) or (
                "https" if port == 443 or str(port).startswith("https") else "http")
            dyn.services[rname] = [Upstream(host=svc_name, port=port if isinstance(port, int) else None, span=span,
                                            scheme=str(scheme),
                                            port_span=node_span(doc, port_node) if port_node is not None else None)]
            router.service = Value(rname, span)
            # Traefik sends to the Service's endpoints: the pods, at the Service port's
            # targetPort (crd/kubernetes_http.go loadServers), which model/linking_kube reads
            # when the tree holds the Service
            router.facts = {"kube_service": svc_name, "service_port": port if isinstance(port, int) else None,
                            "port_name": port if isinstance(port, str) else None}
            if isinstance(port, str):  # the Service's port by name: its number is the cluster's
                router.facts_unknown = f"IngressRoute `{name}` names the port `{port}` of Service `{svc_name}`"
        dyn.routers[rname] = router

