"""Traefik's docker, kubernetescrd and kubernetesingress providers in the replay: the fake
Docker Engine and Kubernetes APIs answer what the providers' clients ask, and the real
Traefik, reading labels and IngressRoute/Ingress objects through them, agrees with the
model on the fixtures."""

import http.client
import json
import os
import re
import subprocess
import sys

import pytest

from replay_helpers import ANY_PORT, replay_unavailable, request_api
from tools.replay import docker_api, kube_api, kube_endpoints

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")

COMPOSE = """\
services:
  lk-jwt:
    image: example/lk-jwt
    expose: ["8080"]
    labels:
      - traefik.http.routers.jwt.rule=PathPrefix(`/livekit/jwt`)
      - traefik.http.services.jwt.loadbalancer.server.port=${JWT_PORT}
  synapse:
    image: example/synapse
    networks: [front, back]
    labels:
      traefik.http.routers.synapse.rule: Host(`matrix.example.com`)
networks:
  front: {}
  back: {}
"""


def test_compose_services_become_containers_as_docker_compose_reads_them(tmp_path):
    """Labels in list and map form, `${VAR}` from .env (Compose's reading, not ours), every
    network the service joins on its replay address, `expose` as the container's ports."""
    (tmp_path / "compose.yml").write_text(COMPOSE)
    (tmp_path / ".env").write_text("JWT_PORT=8081\n")
    project, why = docker_api.compose_project(str(tmp_path / "compose.yml"))
    assert project is not None, why
    records = {r["Config"]["Labels"]["com.docker.compose.service"]: r
               for r in docker_api.containers(project, {"lk-jwt": "127.0.0.12", "synapse": "127.0.0.13"}.get)}
    jwt, synapse = records["lk-jwt"], records["synapse"]
    assert jwt["Config"]["Labels"]["traefik.http.services.jwt.loadbalancer.server.port"] == "8081"
    assert synapse["Config"]["Labels"]["traefik.http.routers.synapse.rule"] == "Host(`matrix.example.com`)"
    assert jwt["NetworkSettings"]["Ports"] == {"8080/tcp": None}
    assert sorted(synapse["NetworkSettings"]["Networks"]) == ["replay_back", "replay_front"]
    assert {n["IPAddress"] for n in synapse["NetworkSettings"]["Networks"].values()} == {"127.0.0.13"}
    assert docker_api.label_ports(jwt["Config"]["Labels"]) == [8081]


def test_the_fake_docker_api_answers_the_calls_traefiks_client_makes(tmp_path):
    (tmp_path / "compose.yml").write_text(COMPOSE.replace("${JWT_PORT}", "8081"))
    api, where, why = docker_api.serve(str(tmp_path / "compose.yml"), {"lk-jwt": "127.0.0.12"},
                                       ("127.0.0.254", 8999, "/__ready", 5), ANY_PORT)
    assert api is not None, why
    try:
        assert where["lk-jwt"] == ("127.0.0.12", [8080, 8081])
        status, headers, _ = request_api(api.address, "/_ping", "HEAD")
        assert status == 200 and headers["Api-Version"] == docker_api.API_VERSION
        status, _, body = request_api(api.address, f"/v{docker_api.API_VERSION}/containers/json?all=1")
        listed = json.loads(body)
        assert status == 200 and len(listed) == 3  # two services and the ready container
        ready = [c for c in listed if c["Names"] == ["/replay-zz-replay-ready-1"]][0]
        status, _, body = request_api(api.address, f"/v1.44/containers/{ready['Id']}/json")
        inspected = json.loads(body)
        assert inspected["State"]["Status"] == "running"
        assert inspected["Config"]["Labels"]["traefik.http.routers.replay-ready.rule"] == "Path(`/__ready`)"
        assert request_api(api.address, "/v1.44/containers/nope/json")[0] == 404
    finally:
        api.close()


INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: rtc, namespace: rtc}
spec:
  ingressClassName: public
  rules:
    - host: matrix.example.com
      http:
        paths:
          - {path: /livekit/jwt, pathType: Prefix, backend: {service: {name: lk-jwt, port: {number: 8080}}}}
"""


def _watch_events(address, path):
    """The events of a watch the fake holds open: read until the initial-events bookmark."""
    conn = http.client.HTTPConnection(*address, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        events = []
        while not events or events[-1]["type"] != "BOOKMARK":
            events.append(json.loads(resp.readline()))
        return events
    finally:
        conn.close()


def test_the_fake_kubernetes_api_lists_and_streams_what_the_informers_ask(tmp_path):
    (tmp_path / "ingress.yaml").write_text(INGRESS)
    api, where, why = kube_api.serve(str(tmp_path / "ingress.yaml"), {"lk-jwt": "127.0.0.12"},
                                     ("127.0.0.254", 8999, "/__ready", 5), "kubernetesingress", ANY_PORT)
    assert api is not None, why
    try:
        assert where["lk-jwt"] == ("127.0.0.12", [8080])  # a Service the Ingress names, added on its ClusterIP
        status, _, body = request_api(api.address, "/api/v1/services?limit=500&resourceVersion=0")
        services = {s["metadata"]["name"]: s for s in json.loads(body)["items"]}
        assert status == 200 and services["lk-jwt"]["spec"]["clusterIP"] == "127.0.0.12"
        assert services["lk-jwt"]["metadata"]["namespace"] == "rtc"
        _, _, body = request_api(api.address, "/apis/networking.k8s.io/v1/ingressclasses")
        classes = json.loads(body)["items"]
        assert [(c["metadata"]["name"], c["spec"]["controller"]) for c in classes] == \
            [("public", "traefik.io/ingress-controller")]
        _, _, body = request_api(api.address, "/apis/traefik.io/v1alpha1/ingressroutes")
        assert json.loads(body)["items"] == []
        events = _watch_events(api.address, "/apis/networking.k8s.io/v1/ingresses?watch=true"
                                                 "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan")
        assert [e["type"] for e in events] == ["ADDED", "ADDED", "BOOKMARK"]  # the file's and the ready one
        assert events[-1]["object"]["metadata"]["annotations"] == {kube_api.INITIAL_EVENTS_END: "true"}
    finally:
        api.close()


NAMED_TARGET = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: other, namespace: rtc}
spec:
  template:
    metadata: {labels: {app: other}}
    spec:
      containers: [{name: other, ports: [{name: http, containerPort: 7000}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: lk-jwt, namespace: rtc}
spec:
  template:
    metadata: {labels: {app: lk-jwt, tier: rtc}}
    spec:
      containers:
        - name: jwt
          ports: [{name: metrics, containerPort: 9090}, {name: http, containerPort: 6080, protocol: UDP},
                  {name: http, containerPort: 6081}]
---
apiVersion: v1
kind: Service
metadata: {name: lk-jwt, namespace: rtc}
spec:
  selector: {app: lk-jwt}
  ports:
    - {name: metrics, port: 9090, targetPort: metrics}
    - {name: http, port: 8080, targetPort: http}
"""


def _service(objects, name):
    return next(o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == name)


def test_endpoint_ports_are_what_kubernetes_publishes_for_each_service_port(tmp_path):
    """Named targetPort: the selected pod's container port of that name and protocol (not the
    first port, not another workload's, not the UDP one); numeric: that number; absent: the
    Service port; no selector or no pod declaring the name: no endpoint."""
    (tmp_path / "jwt.yaml").write_text(NAMED_TARGET)
    objects = kube_api.objects_of(str(tmp_path / "jwt.yaml"))
    service = _service(objects, "lk-jwt")
    assert kube_endpoints.endpoint_ports(service, objects) == [
        {"name": "metrics", "port": 9090, "protocol": "TCP"}, {"name": "http", "port": 6081, "protocol": "TCP"}]
    ports = service["spec"]["ports"]
    ports[1]["targetPort"] = 9000
    del ports[0]["targetPort"]
    assert [p["port"] for p in kube_endpoints.endpoint_ports(service, objects)] == [9090, 9000]
    ports[0]["targetPort"], ports[1]["targetPort"] = "metrics", "web"  # no selected pod declares `web`
    assert [p["name"] for p in kube_endpoints.endpoint_ports(service, objects)] == ["metrics"]
    service["spec"]["selector"] = {"app": "other"}  # the StatefulSet's pods; no port named metrics
    ports[1]["targetPort"] = "http"
    assert kube_endpoints.endpoint_ports(service, objects) == [{"name": "http", "port": 7000, "protocol": "TCP"}]
    service["spec"]["selector"] = {"app": "lk-jwt", "tier": "edge"}  # every selector label must match: no pod
    assert kube_endpoints.endpoint_ports(service, objects) == []
    ports[1]["targetPort"] = 9000  # a number needs no pod (they may be elsewhere in the cluster)
    assert kube_endpoints.endpoint_ports(service, objects) == [{"name": "http", "port": 9000, "protocol": "TCP"}]
    del service["spec"]["selector"]  # the endpoints controller leaves it to its owner
    assert kube_endpoints.endpoint_ports(service, objects) == []
    # a Service the file lacks (kube_api adds it): its own port
    assert kube_endpoints.endpoint_ports(service, objects, in_file=False) == [
        {"name": "metrics", "port": 9090, "protocol": "TCP"}, {"name": "http", "port": 8080, "protocol": "TCP"}]


def test_a_sidecar_init_container_declares_named_ports_a_plain_init_container_does_not():
    service = {"metadata": {"name": "s"}, "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": "web"}]}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "a"}}, "spec": {
        "initContainers": [{"name": "init", "ports": [{"name": "web", "containerPort": 1}]},
                           {"name": "side", "restartPolicy": "Always", "ports": [{"name": "web", "containerPort": 2}]}]}}
    assert kube_endpoints.endpoint_ports(service, [pod]) == [{"name": "", "port": 2, "protocol": "TCP"}]
    pod["metadata"]["namespace"] = "elsewhere"  # a Service selects the pods of its own namespace
    assert kube_endpoints.endpoint_ports(service, [pod]) == []


def test_the_fake_kubernetes_api_serves_the_pods_endpointslices_for_ingresses(tmp_path):
    """Traefik without nativeLB reads the EndpointSlices labelled with the Service's name and
    takes the port named as the Service port: the pods' port, on the Service's stand-in."""
    (tmp_path / "ingress.yaml").write_text(NAMED_TARGET + "---\n" + INGRESS.replace("{number: 8080}", "{name: http}")
                                           + INGRESS_TO_SYNAPSE)
    api, where, why = kube_api.serve(str(tmp_path / "ingress.yaml"), {"lk-jwt": "127.0.0.12", "synapse": "127.0.0.13"},
                                     ("127.0.0.254", 8999, "/__ready", 5), "kubernetesingress", ANY_PORT)
    assert api is not None, why
    try:
        # stand-ins where the endpoints point, not on the Service ports (8080, 8008)
        assert where == {"lk-jwt": ("127.0.0.12", [6081, 9090]), "synapse": ("127.0.0.13", [8008])}
        status, _, body = request_api(api.address, "/apis/discovery.k8s.io/v1/endpointslices?limit=500&resourceVersion=0")
        slices = {s["metadata"]["labels"][kube_endpoints.SERVICE_NAME_LABEL]: s for s in json.loads(body)["items"]}
        assert status == 200 and sorted(slices) == ["lk-jwt", "replay-ready", "synapse"]
        jwt = slices["lk-jwt"]
        assert jwt["apiVersion"] == "discovery.k8s.io/v1" and jwt["metadata"]["namespace"] == "rtc"
        assert jwt["endpoints"] == [{"addresses": ["127.0.0.12"],
                                     "conditions": {"ready": True, "serving": True, "terminating": False}}]
        assert {p["name"]: p["port"] for p in jwt["ports"]} == {"metrics": 9090, "http": 6081}
        # the Service the file lacks: its own port, under the name '' an unnamed Service port has
        assert slices["synapse"]["ports"] == [{"name": "", "port": 8008, "protocol": "TCP"}]
        assert slices["replay-ready"]["endpoints"][0]["addresses"] == ["127.0.0.254"]
    finally:
        api.close()


INGRESS_TO_SYNAPSE = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: synapse, namespace: rtc}
spec:
  rules:
    - host: matrix.example.com
      http:
        paths:
          - {path: /_matrix, pathType: Prefix, backend: {service: {name: synapse, port: {number: 8008}}}}
"""


@pytest.mark.parametrize("text, reason", [
    (INGRESS.replace("metadata: {name: rtc, namespace: rtc}",
                     "metadata: {name: rtc, annotations: {nginx.ingress.kubernetes.io/rewrite-target: /}}"),
     "only ingress-nginx reads: nginx.ingress.kubernetes.io/rewrite-target"),
    (INGRESS.replace("pathType: Prefix", "pathType: ImplementationSpecific"), "the controller decides"),
])
def test_what_the_ingress_spec_does_not_fix_is_not_replayed(tmp_path, text, reason):
    (tmp_path / "ingress.yaml").write_text(text)
    api, _, why = kube_api.serve(str(tmp_path / "ingress.yaml"), {}, ("127.0.0.254", 8999, "/r", 5),
                                 "kubernetesingress", ANY_PORT)
    assert api is None and reason in why


MISSING_PORT = "---\napiVersion: v1\nkind: Service\nmetadata: {name: lk-jwt, namespace: rtc}\nspec: {ports: [{port: 80}]}\n"
INGRESS_ROUTE = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: rtc, namespace: rtc}
spec:
  routes:
    - {match: PathPrefix(`/livekit/jwt`), kind: Rule, services: [{name: lk-jwt, port: 8080}]}
"""


def test_a_port_the_service_lacks_is_replayed_against_the_linked_model(tmp_path):
    """The linked model answers such a route unknown (Traefik leaves an IngressRoute's router
    out, and an Ingress's path has no server), so the file's other routes are still
    replayed, for Ingresses and IngressRoutes alike: the fake serves no endpoint for it."""
    for name, text, provider in (("ingress.yaml", INGRESS, "kubernetesingress"),
                                 ("route.yaml", INGRESS_ROUTE, "kubernetescrd")):
        (tmp_path / name).write_text(text + MISSING_PORT)
        api, where, why = kube_api.serve(str(tmp_path / name), {}, ("127.0.0.254", 8999, "/r", 5), provider, ANY_PORT)
        assert api is not None, why
        api.close()
        assert "lk-jwt" not in where  # no endpoint for a port the Service lacks (Traefik: no server)


PROVIDER_CONFIGS = [os.path.join(FIXTURES, *p) for p in (
    ("traefik", "labels-stack", "compose.yml"), ("rules", "RTC006", "traefik-port-labelled", "tree", "compose.yml"),
    ("traefik", "ingressroute", "ingressroute.yaml"), ("rules", "RTC603", "ports-agree", "tree", "jwt.yaml"),
    ("rules", "RTC603", "named-target-port", "tree", "jwt.yaml"),
    ("rules", "RTC603", "ingress-port-not-in-service", "tree", "jwt.yaml"),
    # IngressRoutes to the pods through a Service whose targetPort is not its port, and to a
    # port the Service lacks: the linked model against Traefik reading the EndpointSlices
    ("rules", "RTC207", "ingressroute-through-service", "tree", "jwt.yaml"),
    ("rules", "RTC603", "ingressroute-port-not-in-service", "tree", "jwt.yaml"))]


@pytest.mark.servers
@pytest.mark.skipif(bool(replay_unavailable(compose=True)), reason=replay_unavailable(compose=True) or "replay available")
def test_traefik_reads_labels_ingressroutes_and_ingresses_as_the_model_does():
    """Each config is replayed (none skipped: Traefik loaded what its provider read) and the
    real Traefik's answers agree with the model's."""
    proc = subprocess.run([sys.executable, "-m", "tools.replay", "--verbose", "-j", "2", *PROVIDER_CONFIGS], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert not any(line.startswith("skip") for line in lines), proc.stdout[-3000:]
    m = re.fullmatch(r"replay: (\d+) configs, (\d+) requests on traefik: (\d+) disagreements, (\d+) unknown", lines[-1])
    assert m and m.group(1) == "8" and int(m.group(2)) >= 100, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert m.group(3) == "0", proc.stdout[-20000:]
    assert proc.returncode == 0


def test_the_ingress_variants_cover_every_way_a_backend_reaches_the_pods(tmp_path):
    """Each backend kind is generated, and where the Service is in the file the pods' port
    (named targetPort: the Deployment's container port) differs from the Service port: a
    replay proxying to the Service port would disagree."""
    from tools.replay import generate_traefik_ingress as gen

    made = [path for _, path in gen.traefik_ingresses(str(tmp_path))]
    assert len(made) >= 48
    kinds = set()
    for path in made:
        objects = kube_api.objects_of(path)
        ports = {p["backend"]["service"]["port"].get("number", "by name") for o in objects if o["kind"] == "Ingress"
                 for r in o["spec"]["rules"] for p in r["http"]["paths"]}
        services = [o for o in objects if o["kind"] == "Service"]
        kinds.add(("by name" in ports, bool(services), any(o["kind"] == "Deployment" for o in objects)))
        for svc in services:
            reached = {p["name"]: p["port"] for p in kube_endpoints.endpoint_ports(svc, objects)}
            name = svc["metadata"]["name"]
            assert reached["http"] in (gen.TARGETS[name], gen.CONTAINERS[name]) and reached["http"] != gen.SERVICES[name]
    # by number to a Service left to the cluster; by number or name, numeric or named targetPort
    assert kinds == {(False, False, False), (False, True, False), (True, True, False), (False, True, True),
                     (True, True, True)}
