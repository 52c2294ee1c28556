"""Gateway API HTTPRoutes in the replay: what Traefik's kubernetesGateway provider needs from
the fake Kubernetes API (kube_api.py) besides the file's own objects.

Traefik's provider (traefik pkg/provider/kubernetes/gateway, v3.7) lists and watches
Namespaces, Services, EndpointSlices, ConfigMaps, Secrets and, in gateway.networking.k8s.io,
GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes, TLSRoutes, BackendTLSPolicies and
ReferenceGrants; it writes their status back (`PUT …/status`, kube_api echoes it). It
handles only Gateways whose GatewayClass names its controller, binds a listener to the entry
point whose address ends with `:<port>` (an HTTP listener only to one without TLS), and
loads an HTTPS listener's certificate from the Secret its `certificateRefs` name. So the
fake serves, beside the file's objects:
- a GatewayClass of Traefik's for every `gatewayClassName` (the spec's reading, whatever
  controller the file meant; the file's own GatewayClasses are replaced);
- the Namespaces the objects live in, and every Service port with `protocol: TCP`, as the
  API server defaults it (Traefik refuses a port without it);
- a `kubernetes.io/tls` Secret holding a certificate of the replay's for every
  `certificateRef`;
- a Gateway and an HTTPRoute of the replay's own (`ready_objects`): a listener per entry point
  and an `Exact` route to the ready stand-in, which tells the replay the provider is loaded.

The model reads HTTPRoutes by the spec (rtclint/parsers/kube_gateway.py); a file that says
something the spec leaves to the implementation, or that the model does not read, is not
replayed, with the reason (`skip_reason`)."""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
import uuid

from tools.replay import kube_endpoints

GROUP = "gateway.networking.k8s.io"
CONTROLLER = "traefik.io/gateway-controller"
READY_NAMESPACE = "zz-replay"
# the filters the model reads (parsers/kube_gateway.py _filters) → their field; any other is not replayed
READ_FILTERS = {"URLRewrite": "urlRewrite", "RequestHeaderModifier": "requestHeaderModifier",
                "ResponseHeaderModifier": "responseHeaderModifier", "RequestRedirect": "requestRedirect"}
# what the provider lists besides kube_api's kinds, by plural: the gateway-api clientset
# decodes a list only as `<Kind>List` (a plain `List` fails: "no kind List is registered")
KINDS = {"namespaces": "Namespace", "gatewayclasses": "GatewayClass", "gateways": "Gateway",
         "httproutes": "HTTPRoute", "grpcroutes": "GRPCRoute", "tlsroutes": "TLSRoute", "tcproutes": "TCPRoute",
         "referencegrants": "ReferenceGrant", "backendtlspolicies": "BackendTLSPolicy"}


def list_kind(group_version: str, plural: str) -> str:
    """The `kind` of a list answer: `<Kind>List` in the Gateway API group, else `List`."""
    return KINDS.get(plural, "") + "List" if group_version.startswith(GROUP + "/") else "List"


def _dicts(items) -> list[dict]:
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _is_gateway_api(obj: dict, kind: str) -> bool:
    return obj.get("kind") == kind and str(obj.get("apiVersion", "")).startswith(GROUP + "/")


def _ns(obj: dict) -> str:
    return obj["metadata"].get("namespace") or "default"


def listeners(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(Gateway, listener) of every HTTP or HTTPS listener of the file's Gateways."""
    return [(gw, item) for gw in objects if _is_gateway_api(gw, "Gateway")
            for item in _dicts((gw.get("spec") or {}).get("listeners"))
            if str(item.get("protocol", "")).upper() in ("HTTP", "HTTPS")]


def entrypoints(objects: list[dict]) -> dict[str, tuple[int, bool]]:
    """Traefik's entry points: one per port an HTTP(S) listener uses, with TLS for HTTPS
    (Traefik binds an HTTP listener only to an entry point without TLS)."""
    out: dict[str, tuple[int, bool]] = {}
    for _, item in listeners(objects):
        port = item.get("port")
        if isinstance(port, int):
            out.setdefault(f"gw-{port}", (port, str(item["protocol"]).upper() == "HTTPS"))
    return out


def entrypoints_of(path: str) -> dict[str, tuple[int, bool]]:
    from tools.replay.kube_api import objects_of

    return entrypoints(objects_of(path))


def backend_refs(route: dict) -> list[tuple[str, str, object]]:
    """(namespace, name, port) of every Service an HTTPRoute's rules send to."""
    found = []
    for rule in _dicts((route.get("spec") or {}).get("rules")):
        for ref in _dicts(rule.get("backendRefs")):
            if ref.get("name") and ref.get("kind", "Service") == "Service" and ref.get("group", "") == "":
                found.append((ref.get("namespace") or _ns(route), str(ref["name"]), ref.get("port")))
    return found


def skip_reason(objects: list[dict]) -> str:
    """Why the file says what the spec leaves to the implementation or the model does not
    read (then Traefik and the model need not agree), or ''."""
    gateways = {(_ns(o), o["metadata"].get("name")): o for o in objects if _is_gateway_api(o, "Gateway")}
    if len({name for _, name in gateways}) < len(gateways):
        return "two Gateways of one name: the model tells Gateways apart by name only"
    ports: dict[int, set[str]] = {}
    for gw, item in listeners(objects):
        ports.setdefault(item.get("port"), set()).add(str(item["protocol"]).upper())
        tls = item.get("tls") or {}
        if str(item["protocol"]).upper() == "HTTPS":
            refs = _dicts(tls.get("certificateRefs"))
            if not refs or tls.get("mode", "Terminate") != "Terminate":
                return f"HTTPS listener {item.get('name')} without a certificate to terminate with"
            if any(r.get("namespace", _ns(gw)) != _ns(gw) for r in refs):
                return "a certificateRef to another namespace (a ReferenceGrant decides)"
        allowed = item.get("allowedRoutes") or {}
        if allowed.get("kinds") or (allowed.get("namespaces") or {}).get("from", "Same") not in ("Same", "All"):
            return f"listener {item.get('name')} allowedRoutes by kind or selector: the model does not read them"
    if any(len(protocols) > 1 for protocols in ports.values()):
        return "HTTP and HTTPS listeners on one port"
    for route in (o for o in objects if _is_gateway_api(o, "HTTPRoute")):
        name, spec = route["metadata"].get("name"), route.get("spec") or {}
        refs = [r for r in _dicts(spec.get("parentRefs")) if r.get("kind", "Gateway") == "Gateway"]
        if not refs:
            return f"HTTPRoute {name} has no Gateway parentRef: where it is served is not in the file"
        for ref in refs:
            if ref.get("namespace", _ns(route)) != _ns(route):
                return f"HTTPRoute {name}: a parentRef to another namespace (allowedRoutes decides)"
            if (_ns(route), ref.get("name")) not in gateways:
                return f"HTTPRoute {name}: parentRef Gateway {ref.get('name')} is not in the file"
            if "port" in ref:
                return f"HTTPRoute {name}: a parentRef by port: the model does not read it"
        if any(ns != _ns(route) for ns, _, _ in backend_refs(route)):
            return f"HTTPRoute {name}: a backendRef to another namespace (a ReferenceGrant decides)"
        for rule in _dicts(spec.get("rules")):
            why = _rule_skip(rule)
            if why:
                return f"HTTPRoute {name}: {why}"
    return _path_before_hostname(objects)


def _path_before_hostname(objects: list[dict]) -> str:
    """Traefik ranks a rule by its path and only then adds its hostname's length (httproute.go
    buildMatchRule, `priority += hostPriority`, v3.7.9 line 773); the spec ranks the routes
    naming the host first (HTTPRouteSpec.hostnames: the most characters in a matching
    non-wildcard hostname, then in a matching hostname, then the matches' precedence). They
    answer differently where a route naming a host and a wider one (a wildcard or no
    hostname) both take a request and the wider one's path ranks higher: Traefik deviates
    from the spec there, so such a file is not replayed."""
    routes = [(o, [str(h).lower() for h in (o.get("spec") or {}).get("hostnames") or []] or ["*"])
              for o in objects if _is_gateway_api(o, "HTTPRoute")]
    for narrow, narrow_hosts in routes:
        for wide, wide_hosts in routes:
            if not any(_wider(w, n) for w in wide_hosts for n in narrow_hosts):
                continue
            for a, rank_a in _ranked_paths(narrow, narrow_hosts):
                for b, rank_b in _ranked_paths(wide, wide_hosts):
                    if rank_b > rank_a and _overlap(a, b):
                        return (f"HTTPRoute {wide['metadata'].get('name')} takes requests for HTTPRoute "
                                f"{narrow['metadata'].get('name')}'s hostname by a higher-ranked path: Traefik "
                                "ranks the path before the hostname, the spec the hostname first")
    return ""


def _wider(wide: str, narrow: str) -> bool:
    return narrow != wide and (wide == "*" or wide.startswith("*.") and narrow.endswith(wide[1:]))


def _ranked_paths(route: dict, hosts: list[str]) -> list[tuple[tuple[str, str], int]]:
    """((type, value), Traefik's priority) of each match (httproute.go buildMatchRule)."""
    rules = _dicts((route.get("spec") or {}).get("rules"))
    host_rank = max(len(h) for h in hosts) if hosts != ["*"] else 0
    out = []
    for index, rule in enumerate(rules):
        for match in _dicts(rule.get("matches")) or [{}]:
            path = match.get("path") or {}
            kind, value = path.get("type", "PathPrefix"), str(path.get("value", "/"))
            rank = 100000 if kind == "Exact" else 1 if value == "/" else 10000 + 100 * len(value)
            out.append(((kind, value), rank + host_rank + len(rules) - index))
    return out


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Whether one request path can match both (Exact or element-wise PathPrefix)."""
    def under(prefix: str, path: str) -> bool:
        base = prefix.rstrip("/")
        return not base or path == base or path.startswith(base + "/")

    (kind_a, a_value), (kind_b, b_value) = a, b
    if kind_a == kind_b == "Exact":
        return a_value == b_value
    if kind_a == "Exact":
        return under(b_value, a_value)
    if kind_b == "Exact":
        return under(a_value, b_value)
    return under(a_value, b_value.rstrip("/")) or under(b_value, a_value.rstrip("/"))


def _rule_skip(rule: dict) -> str:
    for match in _dicts(rule.get("matches")):
        if (match.get("path") or {}).get("type") == "RegularExpression":
            return "a RegularExpression path: the implementation's regex dialect decides"
    refs = _dicts(rule.get("backendRefs"))
    if any(r.get("kind", "Service") != "Service" or r.get("group", "") != "" for r in refs):
        return "a backendRef that is not a Service"
    if any(r.get("filters") for r in refs):
        return "filters on a backendRef: the model reads a rule's filters only"
    if any(r.get("weight") == 0 for r in refs):
        return "a backendRef of weight 0"
    for item in _dicts(rule.get("filters")):
        kind = item.get("type")
        if kind not in READ_FILTERS:
            return f"a {kind} filter the model does not read"
        body = item.get(READ_FILTERS[kind]) or {}
        if kind == "URLRewrite" and "hostname" in body:
            return "a URLRewrite of the hostname: the model rewrites paths only"
        if kind == "RequestRedirect" and "path" in body:
            return "a RequestRedirect of the path: the model keeps the request's path"
    return ""


def gateway_classes(objects: list[dict]) -> list[dict]:
    """A GatewayClass of Traefik's for every class the Gateways name."""
    names = sorted({str((o.get("spec") or {}).get("gatewayClassName")) for o in objects
                    if _is_gateway_api(o, "Gateway") and (o.get("spec") or {}).get("gatewayClassName")})
    return [{"apiVersion": f"{GROUP}/v1", "kind": "GatewayClass",
             "metadata": {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": "1"},
             "spec": {"controllerName": CONTROLLER}} for name in names]


def namespaces(objects: list[dict]) -> list[dict]:
    names = sorted({_ns(o) for o in objects if o.get("kind") not in ("Namespace", "GatewayClass")}
                   | {READY_NAMESPACE})
    return [{"apiVersion": "v1", "kind": "Namespace",
             "metadata": {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": "1"}} for name in names]


def certificate() -> tuple[str, str]:
    """A self-signed certificate and its key (PEM): the client verifies nothing, any will do."""
    with tempfile.TemporaryDirectory(prefix="rtclint-gw-") as scratch:
        key, crt = os.path.join(scratch, "tls.key"), os.path.join(scratch, "tls.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=replay.example"],
                       check=True, capture_output=True)
        with open(crt) as c, open(key) as k:
            return c.read(), k.read()


def secret(namespace: str, name: str, pem: tuple[str, str]) -> dict:
    crt, key = (base64.b64encode(part.encode()).decode() for part in pem)
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": namespace, "uid": str(uuid.uuid4()), "resourceVersion": "1"},
            "data": {"tls.crt": crt, "tls.key": key}}


def prepare(objects: list[dict], pem: tuple[str, str]) -> list[dict]:
    """The objects served for a Gateway API file: its own (its GatewayClasses, Namespaces and
    certificate Secrets replaced by the replay's) and Service ports defaulted to TCP."""
    refs = sorted({(_ns(gw), str(ref.get("name"))) for gw, item in listeners(objects)
                   for ref in _dicts((item.get("tls") or {}).get("certificateRefs"))})
    kept = [o for o in objects if o.get("kind") not in ("GatewayClass", "Namespace")
            and not (o.get("kind") == "Secret" and (_ns(o), o["metadata"].get("name")) in refs)]
    for obj in kept:
        _api_defaults(obj)
    return kept + gateway_classes(kept) + namespaces(kept) + [secret(ns, name, pem) for ns, name in refs]


def _api_defaults(obj: dict) -> None:
    """What the API server makes of an object as it stores it (the Service's and the Gateway
    API CRDs' schema: the v1 version, the defaults), where Traefik reads it as is: a
    certificateRef without `kind`/`group` is refused, a rule without `matches` makes no
    router, a Service port without `protocol` is not TCP."""
    spec = obj.get("spec") or {}
    if obj.get("kind") in ("Gateway", "HTTPRoute") and str(obj.get("apiVersion", "")).startswith(GROUP + "/"):
        obj["apiVersion"] = GROUP + "/v1"  # the stored version, served at every version (Traefik lists v1)
    if obj.get("kind") == "Service":
        for port in _dicts(spec.get("ports")):
            port.setdefault("protocol", "TCP")
    elif _is_gateway_api(obj, "Gateway"):
        for item in _dicts(spec.get("listeners")):
            for ref in _dicts((item.get("tls") or {}).get("certificateRefs")):
                ref.setdefault("kind", "Secret")
                ref.setdefault("group", "")
    elif _is_gateway_api(obj, "HTTPRoute"):
        for rule in _dicts(spec.get("rules")):
            if not rule.get("matches"):
                rule["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}}]
            for match in _dicts(rule["matches"]):
                match.setdefault("path", {"type": "PathPrefix", "value": "/"})


def ready_objects(address: str, port: int, path: str, eps: dict[str, tuple[int, bool]],
                  pem: tuple[str, str]) -> list[dict]:
    """The replay's own Gateway (a listener per entry point, HTTPS ones with the replay's
    certificate) and an HTTPRoute leading `path` (Exact: Traefik's highest priority) to the
    ready stand-in, by a Service on its address and the Service's EndpointSlice."""
    meta = {"namespace": READY_NAMESPACE, "resourceVersion": "1"}
    listeners_ = [{"name": name, "port": p, "protocol": "HTTPS" if tls else "HTTP",
                   **({"tls": {"mode": "Terminate", "certificateRefs": [{"kind": "Secret", "group": "",
                                                                          "name": "replay-ready-tls"}]}}
                      if tls else {})} for name, (p, tls) in sorted(eps.items())]
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()),
                                                                 **meta},
               "spec": {"type": "ClusterIP", "clusterIP": address, "clusterIPs": [address],
                        "ports": [{"port": port, "protocol": "TCP"}]}}
    return [
        {"apiVersion": f"{GROUP}/v1", "kind": "GatewayClass",
         "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()), "resourceVersion": "1"},
         "spec": {"controllerName": CONTROLLER}},
        {"apiVersion": f"{GROUP}/v1", "kind": "Gateway", "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()),
                                                                      **meta},
         "spec": {"gatewayClassName": "replay-ready", "listeners": listeners_}},
        {"apiVersion": f"{GROUP}/v1", "kind": "HTTPRoute",
         "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()), **meta},
         "spec": {"parentRefs": [{"name": "replay-ready"}],
                  "rules": [{"matches": [{"path": {"type": "Exact", "value": path}}],
                             "backendRefs": [{"name": "replay-ready", "port": port}]}]}},
        secret(READY_NAMESPACE, "replay-ready-tls", pem),
        service,
        # Traefik reaches the ready stand-in as any route's pods: through its EndpointSlice
        kube_endpoints.endpoint_slice(service, [{"name": "", "port": port, "protocol": "TCP"}], address),
    ]
