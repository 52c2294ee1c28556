"""Gateway API HTTPRoutes in the replay: what the fake Kubernetes API serves Traefik's
kubernetesGateway provider besides the file (tools/replay/kube_gateway.py), what is not
replayed and why, and the real Traefik agreeing with the model on generated variants."""

import base64
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from replay_helpers import ANY_PORT, replay_unavailable, request_api
from rtclint.model.answer import Request, answer
from tools.replay import compare, kube_api, kube_gateway, traefik
from tools.replay.generate_traefik_gateway import objects as variant
from tools.replay.run import sites_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEM = ("-----BEGIN CERTIFICATE-----\ncrt\n", "-----BEGIN PRIVATE KEY-----\nkey\n")

FILE = """\
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: public}
spec: {controllerName: example.net/other-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: rtc}
spec:
  gatewayClassName: public
  listeners:
    - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: rtc-tls}]}}
    - {name: http, port: 8080, protocol: HTTP}
---
apiVersion: v1
kind: Secret
metadata: {name: rtc-tls, namespace: rtc}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: jwt, namespace: rtc}
spec:
  parentRefs: [{name: gw}]
  rules:
    - backendRefs: [{name: lk-jwt, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: lk-jwt, namespace: rtc}
spec: {ports: [{port: 8080, targetPort: 9000}]}
"""


def _objects(tmp_path, text=FILE):
    (tmp_path / "gw.yaml").write_text(text)
    return kube_api.objects_of(str(tmp_path / "gw.yaml"))


def _of(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def test_the_file_is_served_as_the_api_server_stores_it_with_traefiks_class_and_certificates(tmp_path):
    served = kube_gateway.prepare(_objects(tmp_path), PEM)
    (klass,) = _of(served, "GatewayClass")  # the file's own, of another controller, replaced
    assert (klass["metadata"]["name"], klass["spec"]["controllerName"]) == ("public", kube_gateway.CONTROLLER)
    assert [n["metadata"]["name"] for n in _of(served, "Namespace")] == ["rtc", kube_gateway.READY_NAMESPACE]
    (secret,) = _of(served, "Secret")  # the file's empty one replaced by the replay's certificate
    assert secret["type"] == "kubernetes.io/tls" and secret["metadata"]["namespace"] == "rtc"
    assert base64.b64decode(secret["data"]["tls.crt"]).decode() == PEM[0]
    assert base64.b64decode(secret["data"]["tls.key"]).decode() == PEM[1]
    # the CRD and Service defaults Traefik relies on
    (gateway,) = _of(served, "Gateway")
    assert gateway["spec"]["listeners"][0]["tls"]["certificateRefs"] == [{"name": "rtc-tls", "kind": "Secret",
                                                                          "group": ""}]
    (route,) = _of(served, "HTTPRoute")
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    (service,) = _of(served, "Service")
    assert service["spec"]["ports"][0]["protocol"] == "TCP"


def test_an_older_version_is_served_as_v1_which_traefik_lists(tmp_path):
    text = FILE.replace("k8s.io/v1\nkind: HTTPRoute", "k8s.io/v1beta1\nkind: HTTPRoute")
    assert text != FILE
    (route,) = _of(kube_gateway.prepare(_objects(tmp_path, text), PEM), "HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"


def test_entry_points_and_the_ready_objects_follow_the_listeners(tmp_path):
    eps = kube_gateway.entrypoints(_objects(tmp_path))
    assert eps == {"gw-443": (443, True), "gw-8080": (8080, False)}
    ready = kube_gateway.ready_objects("127.0.0.254", 8999, "/__ready", eps, PEM)
    (gateway,) = _of(ready, "Gateway")
    assert [(x["port"], x["protocol"], "tls" in x) for x in gateway["spec"]["listeners"]] == \
        [(443, "HTTPS", True), (8080, "HTTP", False)]
    (klass,) = _of(ready, "GatewayClass")
    assert gateway["spec"]["gatewayClassName"] == klass["metadata"]["name"]
    assert klass["spec"]["controllerName"] == kube_gateway.CONTROLLER
    (route,) = _of(ready, "HTTPRoute")
    assert route["spec"]["rules"][0]["matches"] == [{"path": {"type": "Exact", "value": "/__ready"}}]
    (service,) = _of(ready, "Service")
    assert service["spec"]["clusterIP"] == "127.0.0.254" and service["spec"]["ports"][0]["port"] == 8999
    cert_name = gateway["spec"]["listeners"][0]["tls"]["certificateRefs"][0]["name"]
    assert [s["metadata"]["name"] for s in _of(ready, "Secret")] == [cert_name]


def test_a_gateway_file_is_read_by_traefiks_gateway_provider(tmp_path):
    (tmp_path / "gw.yaml").write_text(FILE)
    assert traefik.kube_kind(str(tmp_path / "gw.yaml")) == "kubernetesgateway"
    assert traefik.source(str(tmp_path / "gw.yaml")) == "kubernetesgateway"
    command, files = traefik.plan_files(str(tmp_path / "gw.yaml"), "kubernetesgateway",
                                        {"gw-443": (443, True), "gw-8080": (8080, False)}, str(tmp_path))
    static = json.loads(files[command[1].split("=", 1)[1]])
    assert static["providers"] == {"kubernetesGateway": {"endpoint": kube_api.endpoint()}}  # to the pods
    assert static["entryPoints"]["gw-443"]["http"] == {"tls": {}} and "http" not in static["entryPoints"]["gw-8080"]


def _request(address, method, path, body=None):
    status, _, raw = request_api(address, path, method, body)
    return status, json.loads(raw)


def test_the_fake_api_lists_every_kind_the_gateway_provider_watches_and_takes_status_updates(tmp_path):
    pods = ("\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: jwt, namespace: rtc}\n"
            "spec: {template: {metadata: {labels: {app: jwt}}, spec: {containers: [{name: jwt}]}}}\n")
    (tmp_path / "gw.yaml").write_text(FILE.replace("spec: {ports:", "spec: {selector: {app: jwt}, ports:") + pods)
    api, where, why = kube_api.serve(str(tmp_path / "gw.yaml"), {"lk-jwt": "127.0.0.12"},
                                     ("127.0.0.254", 8999, "/__ready", 5), "kubernetesgateway", ANY_PORT)
    assert api is not None, why
    try:
        assert where["lk-jwt"] == ("127.0.0.12", [9000])  # the backendRef's Service's pods, at its targetPort
        status, body = _request(api.address, "GET", "/apis/gateway.networking.k8s.io/v1/gatewayclasses")
        # the gateway-api clientset decodes `<Kind>List` only
        assert status == 200 and body["kind"] == "GatewayClassList"
        assert sorted(c["metadata"]["name"] for c in body["items"]) == ["public", "replay-ready"]
        _, body = _request(api.address, "GET", "/apis/gateway.networking.k8s.io/v1/namespaces/rtc/httproutes")
        assert [r["metadata"]["name"] for r in body["items"]] == ["jwt"]
        for path in ("/apis/gateway.networking.k8s.io/v1/backendtlspolicies", "/apis/gateway.networking.k8s.io/v1/"
                     "grpcroutes", "/apis/gateway.networking.k8s.io/v1/tlsroutes",
                     "/apis/gateway.networking.k8s.io/v1beta1/referencegrants"):
            status, body = _request(api.address, "GET", path)
            assert status == 200 and body["items"] == [] and body["kind"].endswith("List") and body["kind"] != "List"
        _, body = _request(api.address, "GET", "/api/v1/namespaces")
        assert {n["metadata"]["name"] for n in body["items"]} == {"rtc", kube_gateway.READY_NAMESPACE}
        _, body = _request(api.address, "GET", "/api/v1/services")
        assert body["kind"] == "List"  # the core group as before
        update = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "status": {"parents": []}}
        status, body = _request(api.address, "PUT", "/apis/gateway.networking.k8s.io/v1/namespaces/rtc/httproutes/"
                                                    "jwt/status", json.dumps(update).encode())
        assert status == 200 and body == update
    finally:
        api.close()


ROUTE_HEAD = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: jwt, namespace: rtc}\nspec:\n"


@pytest.mark.parametrize("change, reason", [
    (("- backendRefs:", "- matches: [{path: {type: RegularExpression, value: /livekit/.*}}]\n      backendRefs:"),
     "RegularExpression"),
    (("parentRefs: [{name: gw}]", "parentRefs: [{name: elsewhere}]"), "parentRef Gateway elsewhere is not in the file"),
    (("parentRefs: [{name: gw}]", "parentRefs: [{name: gw, namespace: other}]"), "parentRef to another namespace"),
    (("parentRefs: [{name: gw}]", "parentRefs: []"), "no Gateway parentRef"),
    (("{name: lk-jwt, port: 8080}", "{name: lk-jwt, namespace: other, port: 8080}"), "backendRef to another namespace"),
    (("- backendRefs:", "- filters: [{type: ExtensionRef, extensionRef: {group: traefik.io, kind: Middleware, "
                        "name: m}}]\n      backendRefs:"), "ExtensionRef filter"),
    (("- backendRefs:", "- filters: [{type: URLRewrite, urlRewrite: {hostname: jwt.internal}}]\n      backendRefs:"),
     "URLRewrite of the hostname"),
    (("- backendRefs:", "- filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, "
                        "replaceFullPath: /}}}]\n      backendRefs:"), "RequestRedirect of the path"),
    (("{name: rtc-tls}", "{name: rtc-tls, namespace: certs}"), "certificateRef to another namespace"),
    (("- {name: http, port: 8080, protocol: HTTP}", "- {name: http, port: 443, protocol: HTTP}"),
     "HTTP and HTTPS listeners on one port"),
])
def test_what_the_spec_leaves_open_or_the_model_does_not_read_is_not_replayed(tmp_path, change, reason):
    text = FILE.replace(*change)
    assert text != FILE
    (tmp_path / "gw.yaml").write_text(text)
    api, _, why = kube_api.serve(str(tmp_path / "gw.yaml"), {}, ("127.0.0.254", 8999, "/r", 5), "kubernetesgateway",
                                 ANY_PORT)
    if api is not None:
        api.close()
    assert api is None and reason in why


def test_the_unchanged_file_is_replayed():
    assert kube_gateway.skip_reason(kube_gateway.prepare(
        [dict(o, metadata=dict(o["metadata"])) for o in yaml.safe_load_all(FILE)], PEM)) == ""


def _hosted_route(path: str) -> str:
    return ("---\n" + ROUTE_HEAD + "  parentRefs: [{name: gw}]\n  hostnames: [rtc.example.org]\n"
            f"  rules:\n    - matches: [{{path: {{type: PathPrefix, value: {path}}}}}]\n"
            "      backendRefs: [{name: lk-jwt, port: 8080}]\n").replace("name: jwt,", "name: hosted,")


@pytest.mark.parametrize("path, skipped", [("/", True), ("/rtc", False)])
def test_where_traefik_ranks_the_path_before_the_hostname_the_file_is_not_replayed(tmp_path, path, skipped):
    """The hostname-less route `jwt` (PathPrefix /.well-known) beside a route naming
    rtc.example.org: with `/` the spec answers rtc.example.org/.well-known/… by the named
    route, Traefik by the other (its path ranks higher); with `/rtc` no request matches both."""
    text = FILE.replace("- backendRefs:", "- matches: [{path: {type: PathPrefix, value: /.well-known}}]\n"
                                          "      backendRefs:") + _hosted_route(path)
    why = kube_gateway.skip_reason(_objects(tmp_path, text))
    assert ("Traefik ranks the path before the hostname" in why) is skipped, why
    assert skipped or why == ""


@pytest.mark.parametrize("how, want_extra", [("add", True), ("set", False)])
def test_a_response_header_set_replaces_the_backends_and_an_add_appends(tmp_path, how, want_extra):
    """lk-jwt-service sends its own Access-Control-Allow-Origin: behind `add` the client gets
    two, behind `set` one; compare.py says which, from what the parser recorded."""
    text = FILE.replace("- backendRefs:", "- filters: [{type: ResponseHeaderModifier, responseHeaderModifier: "
                                          f"{{{how}: [{{name: Access-Control-Allow-Origin, value: '*'}}]}}}}]\n"
                                          "      backendRefs:")
    (tmp_path / "gw.yaml").write_text(text)
    request = Request("https", "rtc.example.org", 443, "POST", "/sfu/get")
    model = answer(sites_of("yaml", str(tmp_path / "gw.yaml")), request)
    assert model.kind == "proxy"
    seen = {"address": "127.0.0.12", "port": 8080, "path": "/sfu/get", "upgrade": False,
            "headers": {"Access-Control-Allow-Origin": "*"}}
    once = {"status": 200, "body": "", "headers": {"access-control-allow-origin": ["*"]}}
    twice = {"status": 200, "body": "", "headers": {"access-control-allow-origin": ["*", "*"]}}
    names, mapping = {"127.0.0.12": "lk-jwt"}, {"lk-jwt": "127.0.0.12"}
    agreeing, disagreeing = (twice, once) if want_extra else (once, twice)
    assert compare.differences(request, agreeing, seen, model, names, mapping) == []
    assert compare.differences(request, disagreeing, seen, model, names, mapping) != []


# the HTTP listener redirecting by sectionName with the listener's hostname; CORS `set` on
# the JWT service, whose route names its host while the well-known's names none, with the
# Services written in the file
VARIANTS = {"redirect.yaml": ("prefix-rewrite", "root", "add", "listener", "redirect-302", "reversed", "cluster",
                              "matrix"),
            "cors.yaml": ("exact", "rtc", "jwt-set", "mixed", "both", "precedence", "file", "default")}


@pytest.mark.servers
@pytest.mark.skipif(bool(replay_unavailable()), reason=replay_unavailable() or "replay available")
def test_traefik_serves_generated_httproutes_as_the_model_answers(tmp_path):
    paths = []
    for name, choice in VARIANTS.items():
        (tmp_path / name).write_text(yaml.safe_dump_all(variant(*choice), sort_keys=False))
        paths.append(str(tmp_path / name))
    proc = subprocess.run([sys.executable, "-m", "tools.replay", "--verbose", "-j", "2", *paths], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    lines = proc.stdout.strip().splitlines()
    assert not any(line.startswith("skip") for line in lines), proc.stdout[-3000:]
    m = re.fullmatch(r"replay: (\d+) configs, (\d+) requests on traefik: (\d+) disagreements, (\d+) unknown", lines[-1])
    assert m and m.group(1) == "2", proc.stdout[-3000:] + proc.stderr[-3000:]
    # every request compared: the HTTPS and HTTP listeners, each host, none left unknown
    assert int(m.group(2)) >= 80 and m.group(4) == "0", proc.stdout[-3000:]
    assert m.group(3) == "0", proc.stdout[-20000:]
    assert proc.returncode == 0
