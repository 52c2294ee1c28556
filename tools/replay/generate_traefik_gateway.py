"""Gateway API variants (a Gateway and its HTTPRoutes) for Traefik's kubernetesGateway
provider (kube_gateway.py): the call setup's routes as people write them.

The axes: the JWT service at `/livekit/jwt` (PathPrefix, with or without a URLRewrite
`ReplacePrefixMatch: /`, with a trailing slash) or at `/sfu/get` (Exact); the SFU at `/`
or `/rtc` (PathPrefix); `/.well-known/matrix` to Synapse; a ResponseHeaderModifier adding
or setting `Access-Control-Allow-Origin: *` on the well-known or on the JWT service, or
none; the hostnames on the routes, on the listener, none, or on one route and not the
other; an HTTPS listener alone, HTTP and HTTPS both taking the routes, or the routes on
HTTPS (`sectionName`) and an HTTP listener answering with a RequestRedirect to https (301,
or the default 302) or, on 8080, to another hostname; the rules in precedence order or
reversed (Exact before prefix and the longer prefix first must win whatever the order); the
Services written in the file with a `targetPort` that is not their port, or left to the
cluster; the objects in `default` or a namespace of their own."""

from __future__ import annotations

import itertools
import os

import yaml

API = "gateway.networking.k8s.io/v1"
JWT = ("prefix-rewrite", "prefix", "slash-rewrite", "exact")
SFU = ("root", "rtc")
# a ResponseHeaderModifier `add` or `set` of Access-Control-Allow-Origin on the well-known's
# rule, or on the JWT service's (which sends its own: `add` doubles it, `set` replaces it)
CORS = ("none", "add", "set", "jwt-add", "jwt-set")
# mixed: the JWT service's and SFU's route names matrix.example.com, the well-known's none (the
# spec: the route naming the host first, the hostname-less one for what it leaves)
HOSTS = ("route", "listener", "none", "mixed")
# redirect-host: an HTTP listener on 8080 redirecting to matrix.example.com without a scheme
# (the listener's port is kept in Location)
LISTENERS = ("https", "both", "redirect-301", "redirect-302", "redirect-host")
ORDER = ("precedence", "reversed")
SERVICES = ("cluster", "file")
NAMESPACE = ("default", "matrix")
STRIDE = 109  # a prime: consecutive picks differ on most axes
PORTS = {"lk-jwt": 8080, "livekit": 7880, "synapse": 8008}


def traefik_gateways(out: str, stride: int = STRIDE) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(JWT, SFU, CORS, HOSTS, LISTENERS, ORDER, SERVICES, NAMESPACE)
    for i, choice in enumerate(axes):
        if i % stride:
            continue
        path = os.path.join(out, f"traefik-gateway-{i:04d}.yaml")
        with open(path, "w") as fh:
            yaml.safe_dump_all(objects(*choice), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def objects(jwt: str, sfu: str, cors: str, hosts: str, listeners: str, order: str, services: str,
            namespace: str) -> list[dict]:
    meta = {} if namespace == "default" else {"namespace": namespace}
    out = [_gateway(meta, hosts, listeners)]
    https_ref = {"name": "gw", **({"sectionName": "https"} if listeners.startswith("redirect") else {})}
    rules = [_jwt_rule(jwt), _backend_rule("PathPrefix", "/" if sfu == "root" else "/rtc", "livekit")]
    if cors.startswith("jwt-"):
        rules[0].setdefault("filters", []).append(_cors(cors[4:]))
    if order == "reversed":
        rules.reverse()
    out.append(_route("rtc", meta, https_ref, ["matrix.example.com"] if hosts in ("route", "mixed") else [], rules))
    wk = _backend_rule("PathPrefix", "/.well-known/matrix", "synapse")
    if cors in ("add", "set"):
        wk["filters"] = [_cors(cors)]
    out.append(_route("well-known", meta, https_ref, ["example.com"] if hosts == "route" else [], [wk]))
    if listeners.startswith("redirect"):
        redirect: dict = {"hostname": "matrix.example.com"} if listeners == "redirect-host" else {"scheme": "https"}
        if listeners == "redirect-301":
            redirect["statusCode"] = 301
        out.append(_route("to-https", meta, {"name": "gw", "sectionName": "http"},
                          ["matrix.example.com", "example.com"] if hosts == "route" else [],
                          [{"filters": [{"type": "RequestRedirect", "requestRedirect": redirect}]}]))
    if services == "file":
        out += [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, **meta},
                 "spec": {"selector": {"app": name},
                          "ports": [{"name": "http", "port": port, "targetPort": port + 1000}]}}
                for name, port in PORTS.items()]
    return out


def _cors(how: str) -> dict:
    return {"type": "ResponseHeaderModifier",
            "responseHeaderModifier": {how: [{"name": "Access-Control-Allow-Origin", "value": "*"}]}}


def _gateway(meta: dict, hosts: str, listeners: str) -> dict:
    host = {"hostname": "matrix.example.com"} if hosts == "listener" else {}
    items = [{"name": "https", "port": 443, "protocol": "HTTPS", **host,
              "tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "name": "matrix-tls"}]}}]
    if listeners != "https":
        items.append({"name": "http", "port": 8080 if listeners == "redirect-host" else 80, "protocol": "HTTP", **host})
    return {"apiVersion": API, "kind": "Gateway", "metadata": {"name": "gw", **meta},
            "spec": {"gatewayClassName": "public", "listeners": items}}


def _route(name: str, meta: dict, parent: dict, hostnames: list[str], rules: list[dict]) -> dict:
    spec: dict = {"parentRefs": [parent]}
    if hostnames:
        spec["hostnames"] = hostnames
    spec["rules"] = rules
    return {"apiVersion": API, "kind": "HTTPRoute", "metadata": {"name": name, **meta}, "spec": spec}


def _backend_rule(kind: str, path: str, service: str) -> dict:
    return {"matches": [{"path": {"type": kind, "value": path}}],
            "backendRefs": [{"name": service, "port": PORTS[service]}]}


def _jwt_rule(jwt: str) -> dict:
    if jwt == "exact":
        rule = _backend_rule("Exact", "/sfu/get", "lk-jwt")
        rule["matches"].append({"path": {"type": "Exact", "value": "/get_token"}})
        return rule
    rule = _backend_rule("PathPrefix", "/livekit/jwt/" if jwt == "slash-rewrite" else "/livekit/jwt", "lk-jwt")
    if jwt.endswith("rewrite"):
        rule["filters"] = [{"type": "URLRewrite",
                            "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]
    return rule
