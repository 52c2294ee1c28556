"""A fake Kubernetes API server for Traefik's kubernetescrd and kubernetesingress providers
(and kubernetesGateway: what it needs beyond the file is in kube_gateway.py).

A plain Ingress is compared only where the Ingress spec fixes the answer (host, path,
pathType Exact or Prefix, the backend Service and port), with Traefik's
`strictPrefixMatching` (the spec's element-wise Prefix): the model reads Ingresses as
ingress-nginx serves them, so a file with ingress-nginx routing annotations or
ImplementationSpecific paths is skipped, with the reason, and the IngressClasses the
Ingresses name are served as Traefik's.

The providers are client-go informers (traefik pkg/provider/kubernetes/{crd,ingress}/
client.go): for every kind they watch they list it (`GET /apis/<group>/<version>/<plural>`,
or `/api/v1/<plural>` for the core group, across all namespaces) and then watch it
(`?watch=true`). The fake answers every list from the YAML file's own objects (every
other kind: an empty list) and holds each watch open with no event, so the providers see
one fixed cluster.

Services: the replay gives each Service the routes name a stand-in address (the loopback
address the replay gave that name) as its ClusterIP. Traefik proxies to the pods (its
default; ingress-nginx and Gateway implementations do the same), at the EndpointSlices
served for the Services (kube_endpoints.py: the stand-in address, the port Kubernetes would
publish), and the model compared is the linked one (`<service>:<targetPort>`,
model/linking_kube.py): a route to a port its Service lacks is unknown there, and the
file's other routes are still replayed. A Service a route names that the file does not
define is added (ClusterIP, that port): the cluster of such a file has it elsewhere.
Objects of the older `traefik.containo.us` group are served as `traefik.io` (Traefik v2
read that group; the v3 of the replay reads only the new one)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from tools.replay import kube_endpoints, kube_gateway

ADDRESS = ("127.0.0.252", 6443)
OLD_GROUP = "traefik.containo.us/"
KINDS = ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP", "Middleware", "MiddlewareTCP", "TraefikService",
         "TLSOption", "TLSStore", "ServersTransport", "ServersTransportTCP", "Service", "EndpointSlice", "ConfigMap",
         "Secret", "Node", "Ingress", "IngressClass")
PLURALS = {kind: kind.lower() + ("es" if kind.endswith("s") else "s") for kind in KINDS} | \
    {kind: plural for plural, kind in kube_gateway.KINDS.items()}
KIND_OF = {plural: kind for kind, plural in PLURALS.items()}
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def endpoint() -> str:
    return f"http://{ADDRESS[0]}:{ADDRESS[1]}"


def objects_of(path: str) -> list[dict]:
    """The file's Kubernetes objects, with a namespace each (`default` when unset)."""
    with open(path, encoding="utf-8") as fh:
        docs = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict) and isinstance(d.get("kind"), str)
                and isinstance(d.setdefault("metadata", {}), dict) and isinstance(d.get("spec", {}), dict)]
    out = []
    for doc in docs:
        if str(doc.get("apiVersion", "")).startswith(OLD_GROUP):
            doc["apiVersion"] = "traefik.io/" + doc["apiVersion"].split("/", 1)[1]
        meta = doc.setdefault("metadata", {})
        if doc["kind"] not in ("IngressClass", "Node"):
            meta.setdefault("namespace", "default")
        meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc['kind']}/{meta.get('namespace')}/"
                                                                  f"{meta.get('name')}")))
        meta["resourceVersion"] = "1"
        out.append(doc)
    return out


def referenced_services(objects: list[dict]) -> list[tuple[str, str, object]]:
    """(namespace, name, port) of every Service an IngressRoute route or an Ingress names."""
    found = []
    for obj in objects:
        ns = obj["metadata"].get("namespace", "default")
        spec = obj.get("spec") or {}
        if obj["kind"] == "IngressRoute":
            for route in _dicts(spec.get("routes")):
                for svc in _dicts(route.get("services")):
                    if isinstance(svc, dict) and svc.get("name") and svc.get("kind", "Service") == "Service":
                        found.append((svc.get("namespace") or ns, str(svc["name"]), svc.get("port")))
        elif obj["kind"] == "Ingress":
            backends = [spec.get("defaultBackend")] + [p.get("backend") for rule in _dicts(spec.get("rules"))
                                                       for p in _dicts((rule.get("http") or {}).get("paths"))]
            for backend in _dicts(backends):
                svc = backend.get("service") or {}
                if isinstance(svc, dict) and svc.get("name"):
                    port = svc.get("port") if isinstance(svc.get("port"), dict) else {}
                    found.append((ns, str(svc["name"]), port.get("number") or port.get("name")))
        elif obj["kind"] == "HTTPRoute":
            found += kube_gateway.backend_refs(obj)
    return found


def _dicts(items) -> list[dict]:
    """The mappings of a YAML list (a hand-written file may hold anything there)."""
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def cluster(objects: list[dict], address_of) -> list[dict]:
    """The objects served: the file's, each Service on the ClusterIP `address_of(name)`,
    plus the Services the routes name and the file lacks."""
    services = {(o["metadata"]["namespace"], o["metadata"].get("name")): o for o in objects if o["kind"] == "Service"
                and o.get("apiVersion") == "v1"}
    for ns, name, port in referenced_services(objects):
        svc = services.get((ns, name))
        if svc is None:
            ports = [{"name": port, "port": 80, "protocol": "TCP"} if isinstance(port, str)
                     else {"port": int(port or 80), "protocol": "TCP"}]
            svc = services[(ns, name)] = {"apiVersion": "v1", "kind": "Service",
                                          "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
                                                       "resourceVersion": "1"},
                                          "spec": {"type": "ClusterIP", "ports": ports}}
            objects = objects + [svc]
    for (_, name), svc in services.items():
        spec = svc.setdefault("spec", {})
        if spec.get("clusterIP") != "None":  # a headless Service stays one
            spec["clusterIP"] = address_of(name)
            spec["clusterIPs"] = [spec["clusterIP"]]
    return objects


def endpoint_slices(objects: list[dict], served: list[dict], address_of) -> list[dict]:
    """The EndpointSlices of the Services the routes name (kube_endpoints.py), their pods
    on the Service's stand-in address; `objects`: the file's, `served`: with the Services
    the cluster adds."""
    own = {(o["metadata"]["namespace"], o["metadata"].get("name")) for o in objects if o["kind"] == "Service"}
    services = {(o["metadata"]["namespace"], o["metadata"].get("name")): o for o in served if o["kind"] == "Service"
                and o.get("apiVersion") == "v1"}
    slices = []
    for ns, name in dict.fromkeys((ns, name) for ns, name, _ in referenced_services(objects)):
        svc = services.get((ns, name))
        ports = kube_endpoints.endpoint_ports(svc, objects, in_file=(ns, name) in own) if svc else []
        if ports:  # none: Traefik skips the route (no endpoints), ingress-nginx answers 503
            slices.append(kube_endpoints.endpoint_slice(svc, ports, address_of(name)))
    return slices


def _path_kind(path: str) -> tuple[str, str] | None:
    """(group/version, plural) a list or watch path names; None otherwise."""
    m = re.fullmatch(r"/api/(v1)(?:/namespaces/[^/]+)?/([a-z]+)", path) or \
        re.fullmatch(r"/apis/([^/]+/[^/]+)(?:/namespaces/[^/]+)?/([a-z]+)", path)
    return (m.group(1), m.group(2)) if m else None


def _handler(objects: list[dict], stopping: threading.Event):
    by_kind: dict[tuple[str, str], list[dict]] = {}
    for obj in objects:
        plural = PLURALS.get(obj["kind"], obj["kind"].lower() + "s")
        by_kind.setdefault((obj.get("apiVersion", ""), plural), []).append(obj)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/version":
                self._json(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"})
                return
            kind = _path_kind(path)
            if kind is None:
                self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                                 "code": 404, "message": f"not served by the replay: {path}"})
                return
            namespace = re.search(r"/namespaces/([^/]+)/", path)
            items = [o for o in by_kind.get(kind, []) if namespace is None
                     or o["metadata"].get("namespace") == namespace.group(1)]
            if re.search(r"(?:^|&)watch=(?:true|1)", query):
                initial = re.search(r"(?:^|&)sendInitialEvents=true", query) is not None
                self._watch(kind, items if initial else None)
                return
            self._json(200, {"kind": kube_gateway.list_kind(*kind), "apiVersion": kind[0],
                             "metadata": {"resourceVersion": "1"}, "items": items})

        def do_PUT(self) -> None:
            """A status update (Traefik's Gateway provider writes Gateway and route status):
            echoed, so the provider logs no failure; the served objects stay as they are."""
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                self._json(200, json.loads(body or b"{}"))
            except ValueError:
                self._json(400, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 400})

        def _watch(self, kind: tuple[str, str], initial: list[dict] | None) -> None:
            """A watch, open until the fake stops (a closed one is listed again). Asked for
            the initial events (client-go's streaming list, `sendInitialEvents=true`): each
            object as ADDED, then the bookmark that ends them; then no event."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if initial is not None:
                for obj in initial:
                    self._chunk({"type": "ADDED", "object": obj})
                self._chunk({"type": "BOOKMARK", "object": {
                    "kind": KIND_OF.get(kind[1], ""), "apiVersion": kind[0],
                    "metadata": {"resourceVersion": "1", "annotations": {INITIAL_EVENTS_END: "true"}}}})
            self.wfile.flush()
            stopping.wait()
            self.close_connection = True

        def _chunk(self, event: dict) -> None:
            data = json.dumps(event).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    return Handler


class FakeKube:
    """The API on `address` (ADDRESS; port 0: any free one, see `.address`) until `close()`."""

    def __init__(self, objects: list[dict], address: tuple[str, int] = ADDRESS) -> None:
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(address, _handler(objects, self.stopping))
        self.address = self.server.server_address[:2]
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def ready_objects(address: str, port: int, path: str, priority: int, provider: str) -> list[dict]:
    """An IngressRoute (or for the kubernetesingress provider an Ingress) leading a path no
    client asks to the ready stand-in, by a Service on its address: once it answers
    through Traefik, the provider's whole cluster is loaded."""
    meta = {"namespace": "zz-replay", "resourceVersion": "1"}
    if provider == "kubernetesingress":
        route = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                 "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()), **meta, "annotations": {
                     "traefik.ingress.kubernetes.io/router.priority": str(priority)}},
                 "spec": {"rules": [{"http": {"paths": [{"path": path, "pathType": "Exact", "backend": {
                     "service": {"name": "replay-ready", "port": {"number": port}}}}]}}]}}
    else:
        route = {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute",
                 "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()), **meta},
                 "spec": {"routes": [{"match": f"Path(`{path}`)", "kind": "Rule", "priority": priority,
                                      "services": [{"name": "replay-ready", "port": port}]}]}}
    service = {"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "replay-ready", "uid": str(uuid.uuid4()), **meta},
               "spec": {"type": "ClusterIP", "clusterIP": address, "clusterIPs": [address],
                        "ports": [{"port": port, "protocol": "TCP"}]}}
    ports = [{"name": "", "port": port, "protocol": "TCP"}]  # the route reaches the pods: its slice
    return [service, route, kube_endpoints.endpoint_slice(service, ports, address)]


# ingress-nginx annotations the model reads (parsers/kube_ingress.py): Traefik does not
NGINX_ROUTING = ("use-regex", "rewrite-target", "backend-protocol", "permanent-redirect", "temporal-redirect",
                 "configuration-snippet", "server-snippet", "app-root", "enable-cors")


def ingress_skip(objects: list[dict]) -> str:
    """Why the file's Ingresses say more than the Ingress spec fixes (then Traefik and the
    model, which reads them as ingress-nginx does, need not agree), or ''."""
    for obj in objects:
        if obj["kind"] != "Ingress":
            continue
        if not str(obj.get("apiVersion", "")).startswith("networking.k8s.io/"):
            return f"Ingress {obj['apiVersion']}: Traefik v3 reads networking.k8s.io/v1 only"
        notes = obj["metadata"].get("annotations")
        notes = notes if isinstance(notes, dict) else {}
        used = [k for k in notes
                if k.startswith("nginx.ingress.kubernetes.io/") and k.split("/", 1)[1] in NGINX_ROUTING]
        if used:
            return f"Ingress annotations only ingress-nginx reads: {used[0]}"
        if notes.get("kubernetes.io/ingress.class", "traefik") != "traefik":
            return "Ingress of another controller's class annotation"
        for rule in _dicts((obj.get("spec") or {}).get("rules")):
            for item in _dicts((rule.get("http") or {}).get("paths")):
                if item.get("pathType") not in ("Exact", "Prefix"):
                    return f"Ingress pathType {item.get('pathType')}: the controller decides, not the spec"
    return ""


def ingress_classes(objects: list[dict]) -> list[dict]:
    """The IngressClasses the Ingresses name, each Traefik's: the spec's reading, whatever
    controller the file meant."""
    names = sorted({o["spec"]["ingressClassName"] for o in objects
                    if o["kind"] == "Ingress" and (o.get("spec") or {}).get("ingressClassName")})
    return [{"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
             "metadata": {"name": name, "uid": str(uuid.uuid4()), "resourceVersion": "1"},
             "spec": {"controller": "traefik.io/ingress-controller"}} for name in names]


def serve(path: str, mapping: dict[str, str], ready: tuple[str, int, str, int], provider: str = "kubernetescrd",
          address: tuple[str, int] = ADDRESS):
    """Start the fake API for the Kubernetes file `path`: (the server, service name →
    (its stand-in address, the ports of its endpoints, where Traefik sends) for the
    stand-ins, why not when the server is None)."""
    try:
        objects = objects_of(path)
    except (OSError, yaml.YAMLError) as exc:
        return None, {}, f"unreadable Kubernetes YAML: {exc}"
    if provider == "kubernetesingress":
        why = ingress_skip(objects)
        if why:
            return None, {}, why
        objects = [o for o in objects if o["kind"] != "IngressClass"] + ingress_classes(objects)
    if provider == "kubernetesgateway":  # kube_gateway.py: what the spec fixes, and what the provider needs
        why = kube_gateway.skip_reason(objects)
        if why:
            return None, {}, why
        pem = kube_gateway.certificate()
        objects = kube_gateway.prepare(objects, pem)
    fresh = iter(f"127.0.4.{n}" for n in range(2, 250))
    given: dict[str, str] = {}

    def address_of(name: str) -> str:
        if name not in given:
            given[name] = mapping.get(name) or next(fresh)
        return given[name]

    served = cluster(objects, address_of)
    slices = endpoint_slices(objects, served, address_of)  # the pods' ports, where Traefik sends
    reached = [(s["metadata"]["labels"][kube_endpoints.SERVICE_NAME_LABEL], [p["port"] for p in s["ports"]])
               for s in slices]
    served = served + slices  # a new list: `cluster` may return the file's own
    if provider == "kubernetesgateway":
        ready_ones = kube_gateway.ready_objects(*ready[:3], kube_gateway.entrypoints(objects), pem)
    else:
        ready_ones = ready_objects(*ready, provider)
    where: dict[str, tuple[str, list[int]]] = {}
    for name, ports in reached:
        where[name] = (address_of(name), sorted(set(where.get(name, ("", []))[1] + ports)))
    return FakeKube(served + ready_ones, address), where, ""
