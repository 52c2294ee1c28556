"""Kubernetes Ingress (as ingress-nginx serves it) and Gateway API HTTPRoute as proxy
sites: the answer model says what a request gets, and the routing rules judge them."""

import pytest

from rtclint.model.answer import Request, answer
from trees import run, write

JWT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: jwt}
spec:
  template:
    metadata: {labels: {app: jwt}}
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.8.0
          ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata: {name: jwt}
spec:
  selector: {app: jwt}
  ports: [{port: 80, targetPort: http}]
"""


def ingress(paths, annotations="", klass="nginx"):
    notes = f"\n  annotations:\n{annotations}" if annotations else ""
    return JWT + f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rtc{notes}
spec:
  ingressClassName: {klass}
  tls: [{{hosts: [rtc.example.org]}}]
  rules:
    - host: rtc.example.org
      http:
        paths:
{paths}"""


def path(p, kind="Prefix", service="jwt", port=80):
    return (f"          - path: {p}\n            pathType: {kind}\n"
            f"            backend: {{service: {{name: {service}, port: {{number: {port}}}}}}}\n")


def ask(result, p, host="rtc.example.org"):
    return answer(result.deployment, Request("https", host, 443, "GET", p))


def codes(result):
    return [d.code for d in result.diagnostics]


@pytest.mark.parametrize("kind, request_path, reached", [
    ("Prefix", "/livekit/jwt", True), ("Prefix", "/livekit/jwt/sfu/get", True), ("Prefix", "/livekit/jwtx", False),
    ("Exact", "/livekit/jwt", True), ("Exact", "/livekit/jwt/", False),
    ("ImplementationSpecific", "/livekit/jwtx", True),  # ingress-nginx: a plain nginx prefix location
])
def test_ingress_path_types(tmp_path, kind, request_path, reached):
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt", kind))})
    got = ask(result, request_path)
    if reached:
        assert got.kind == "proxy" and (got.upstream.host, got.upstream.port) == ("jwt", 8080)  # the targetPort
    else:
        assert (got.kind, got.status) == ("respond", 404)


def test_longest_path_first_across_ingresses_of_one_host(tmp_path):
    other = ingress(path("/", service="element", port=80)).split("---\n", 2)[2].replace("name: rtc", "name: web")
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt")) + "---\n" + other})
    (site,) = [s for s in result.deployment.sites if s.kind == "ingress"]
    assert ask(result, "/livekit/jwt/get_token").upstream.host == "jwt"
    assert ask(result, "/index.html").upstream.host == "element"
    assert len(site.routes) == 2


def test_rules_without_a_host_serve_every_host_no_rule_names(tmp_path):
    """A rule written without `host` serves any host (ingress-nginx's catch-all server,
    Traefik's router without a Host matcher: the replay's Ingress variants check it against
    Traefik); a host some rule names keeps its own rules."""
    hostless = ingress(path("/livekit/jwt")).replace("  tls: [{hosts: [rtc.example.org]}]\n", "").replace(
        "    - host: rtc.example.org\n      http:", "    - http:")
    named = ingress(path("/", service="element")).split("---\n", 2)[2].replace("name: rtc", "name: web").replace(
        "rtc.example.org", "web.example.org").replace("  tls: [{hosts: [web.example.org]}]\n", "")
    result = run(tmp_path, {"rtc.yaml": hostless + "---\n" + named})

    def get(host, p):
        return answer(result.deployment, Request("http", host, 80, "GET", p))

    assert get("anything.example.net", "/livekit/jwt/sfu/get").upstream.host == "jwt"
    assert (get("anything.example.net", "/other").kind, get("anything.example.net", "/other").status) == ("respond", 404)
    assert get("web.example.org", "/livekit/jwt/sfu/get").upstream.host == "element"  # its own rules


def test_a_backend_port_its_service_lacks_is_unknown_not_proxied(tmp_path):
    """The route names port 81 of a Service that has only 80: ingress-nginx answers 503,
    Traefik drops the route (404); the model proxies nowhere and says why."""
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt", port=81))})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "port 81 that Service jwt does not have" in got.reason
    assert ask(result, "/other").status == 404


def test_rewrite_target_strips_and_regex_paths(tmp_path):
    notes = "    nginx.ingress.kubernetes.io/rewrite-target: /$2\n"
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt(/|$)(.*)", "ImplementationSpecific"), notes)})
    assert ask(result, "/livekit/jwt/sfu/get").upstream.path == "/sfu/get"
    assert ask(result, "/LIVEKIT/JWT/get_token").upstream.path == "/get_token"  # `~*`: case-insensitive
    assert ask(result, "/livekit/jwt").upstream.path == "/"
    assert "RTC201" not in codes(result)
    unstripped = run(tmp_path / "b", {"rtc.yaml": ingress(path("/livekit/jwt"))})
    (finding,) = [d for d in unstripped.diagnostics if d.code == "RTC201"]
    assert finding.fix is None  # findings only: rtclint does not edit Ingress objects
    text = unstripped.deployment.documents["rtc.yaml"].text
    assert text[finding.span.start:finding.span.end].startswith("- path: /livekit/jwt") or \
        text[finding.span.start:finding.span.end].startswith("path: /livekit/jwt")


def test_use_regex_and_read_timeout(tmp_path):
    notes = ('    nginx.ingress.kubernetes.io/use-regex: "true"\n'
             '    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"\n')
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/(jwt|auth)", "ImplementationSpecific"), notes)})
    got = ask(result, "/livekit/auth/x")
    assert got.kind == "proxy" and got.upstream.read_timeout == 3600 and got.upstream.upgrade
    assert ask(result, "/livekit/other").status == 404
    default = run(tmp_path / "b", {"rtc.yaml": ingress(path("/livekit/jwt"))})
    assert ask(default, "/livekit/jwt").upstream.read_timeout == 60


def test_configuration_snippet(tmp_path):
    headers = ("    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
               "      more_set_headers \"Access-Control-Allow-Origin: *\";\n"
               "      add_header X-Test yes always;\n")
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt"), headers)})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert got.kind == "proxy" and {(h.name, h.value) for h in got.headers} == {("X-Test", "yes")}
    # headers-more replaces the service's header: no second copy, no RTC203
    assert got.route.facts["replaced_headers"] == {"Access-Control-Allow-Origin": "*"}
    assert "RTC203" not in codes(result)
    returns = "    nginx.ingress.kubernetes.io/configuration-snippet: |\n      return 403;\n"
    unknown = run(tmp_path / "b", {"rtc.yaml": ingress(path("/livekit/jwt"), returns)})
    got = ask(unknown, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "return" in got.reason


def test_annotations_of_another_controller_are_not_ingress_nginx(tmp_path):
    notes = "    nginx.ingress.kubernetes.io/rewrite-target: /$2\n"
    result = run(tmp_path, {"rtc.yaml": ingress(path("/livekit/jwt"), notes, klass="traefik")})
    assert ask(result, "/livekit/jwt/sfu/get").upstream.path == "/livekit/jwt/sfu/get"


ROUTE = JWT + """---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners:
    - {name: https, port: 443, protocol: HTTPS}
    - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rtc}
spec:
  parentRefs: [{name: gw, sectionName: https}]
  hostnames: [rtc.example.org]
  rules:
    - matches: [{path: {type: PathPrefix, value: /livekit/jwt}}]
      filters:
        - type: URLRewrite
          urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
        - type: RequestHeaderModifier
          requestHeaderModifier: {set: [{name: X-Forwarded-Proto, value: https}]}
      backendRefs: [{name: jwt, port: 80}]
    - matches: [{path: {type: Exact, value: /livekit/jwt/healthz}, headers: [{name: x-probe, value: "1"}]}]
      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /healthz}}}]
      backendRefs: [{name: jwt, port: 80}]
    - matches: [{path: {type: PathPrefix, value: /old}}]
      filters:
        - type: RequestRedirect
          requestRedirect: {hostname: matrix.example.org, statusCode: 301}
"""


def test_httproute_rewrites_modifies_headers_and_redirects(tmp_path):
    result = run(tmp_path, {"rtc.yaml": ROUTE})
    (site,) = [s for s in result.deployment.sites if s.kind == "gateway"]
    assert [(x.port, x.tls) for x in site.listens] == [(443, True)]  # the sectionName's listener only
    got = ask(result, "/livekit/jwt/sfu/get")
    assert (got.upstream.host, got.upstream.port, got.upstream.path) == ("jwt", 8080, "/sfu/get")
    assert [(h.name, h.value) for h in got.route.proxy.request_headers] == [("X-Forwarded-Proto", "https")]
    assert ask(result, "/livekit/jwt").upstream.path == "/"
    assert ask(result, "/livekit/jwtx").status == 404  # PathPrefix is element-wise
    # the Exact match with a header condition comes first: the model cannot say
    assert ask(result, "/livekit/jwt/healthz").kind == "unknown"
    redirect = ask(result, "/old/page")
    assert (redirect.kind, redirect.status, redirect.location) == ("redirect", 301, "https://matrix.example.org/old/page")
    assert answer(result.deployment, Request("http", "rtc.example.org", 80, "GET", "/livekit/jwt")).kind == "unknown"
    assert "RTC201" not in codes(result)


def test_httproute_without_rewrite_is_rtc201(tmp_path):
    broken = ROUTE.replace("        - type: URLRewrite\n"
                           "          urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}\n", "")
    result = run(tmp_path, {"rtc.yaml": broken})
    (finding,) = [d for d in result.diagnostics if d.code == "RTC201"]
    assert "/livekit/jwt" in finding.message and finding.fix is None


def test_a_cors_header_added_in_a_snippet_is_rtc203_and_its_fix_deletes_that_line_only(tmp_path):
    import yaml

    from conftest import run_rtclint

    notes = ("    nginx.ingress.kubernetes.io/configuration-snippet: |\n"
             "      add_header Access-Control-Allow-Origin * always;\n"
             "      add_header X-Test yes;\n")
    write(str(tmp_path), {"rtc.yaml": ingress(path("/livekit/jwt(/|$)(.*)", "ImplementationSpecific"),
                                              notes + "    nginx.ingress.kubernetes.io/rewrite-target: /$2\n")})
    result = run(tmp_path, {})
    (finding,) = [d for d in result.diagnostics if d.code == "RTC203"]
    assert finding.fix is not None
    proc = run_rtclint(["check", "--no-cache", "--fix", "."], cwd=str(tmp_path))
    assert proc.returncode in (0, 1), proc.stderr
    fixed = (tmp_path / "rtc.yaml").read_text()
    docs = list(yaml.safe_load_all(fixed))
    snippet = docs[-1]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/configuration-snippet"]
    assert snippet == "add_header X-Test yes;\n"
    assert "RTC203" not in {d.code for d in run(tmp_path, {}).diagnostics}
    # on one line with another directive, deleting the line would take that one too: no fix
    inline = ('    nginx.ingress.kubernetes.io/configuration-snippet: '
              '"add_header Access-Control-Allow-Origin *; add_header X-Test yes;"\n')
    one_line = run(tmp_path / "b", {"rtc.yaml": ingress(path("/livekit/jwt"), inline)})
    assert [d.fix for d in one_line.diagnostics if d.code == "RTC203"] == [None]


def test_a_wrong_target_port_is_rtc603_not_an_ingress_port_edit(tmp_path):
    wrong = ingress(path("/livekit/jwt(/|$)(.*)", "ImplementationSpecific"),
                    "    nginx.ingress.kubernetes.io/rewrite-target: /$2\n").replace("targetPort: http", "targetPort: 9000")
    result = run(tmp_path, {"rtc.yaml": wrong})
    found = codes(result)
    assert "RTC603" in found and "RTC207" not in found


def test_redirect_and_backend_protocol_annotations(tmp_path):
    notes = ("    nginx.ingress.kubernetes.io/permanent-redirect: https://matrix.example.org/\n"
             "    nginx.ingress.kubernetes.io/rewrite-target: /$1\n")
    moved = run(tmp_path, {"rtc.yaml": ingress(path("/old(.*)", "ImplementationSpecific"), notes)})
    got = ask(moved, "/old/x")
    assert (got.kind, got.status, got.location) == ("redirect", 301, "https://matrix.example.org/")
    tls = run(tmp_path / "b", {"rtc.yaml": ingress(path("/livekit/jwt"),
                                                   '    nginx.ingress.kubernetes.io/backend-protocol: "HTTPS"\n')})
    assert ask(tls, "/livekit/jwt").route.proxy.upstream.scheme == "https"
    fcgi = run(tmp_path / "c", {"rtc.yaml": ingress(path("/livekit/jwt"),
                                                    '    nginx.ingress.kubernetes.io/backend-protocol: "FCGI"\n')})
    assert ask(fcgi, "/livekit/jwt").kind == "unknown"


def ingress_route(port, kind=""):
    """An IngressRoute to the JWT Service (`JWT`: port 80, targetPort the container's port
    named `http`, 8080), as Traefik's kubernetescrd provider reads it."""
    target_kind = f", kind: {kind}" if kind else ""
    return JWT.replace("ports: [{port: 80,", "ports: [{name: web, port: 80,") + f"""---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {{name: rtc}}
spec:
  entryPoints: [websecure]
  routes:
    - match: Host(`rtc.example.org`) && PathPrefix(`/livekit/jwt`)
      kind: Rule
      services: [{{name: jwt, port: {port}{target_kind}}}]
"""


TRAEFIK = """
services:
  traefik:
    image: traefik:v3.4
    command: ["--entrypoints.websecure.address=:443", "--providers.kubernetescrd"]
"""


@pytest.mark.parametrize("port", ["80", "web"])
def test_an_ingressroute_reaches_the_pod_at_the_service_ports_target(tmp_path, port):
    """Traefik proxies an IngressRoute to the Service's endpoints: the pods, at the target
    port (here named `http` by the container: 8080), whether the route names the Service
    port by number or by name (crd/kubernetes_http.go loadServers)."""
    result = run(tmp_path, {"rtc.yaml": ingress_route(port), "compose.yaml": TRAEFIK})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert (got.kind, got.upstream.host, got.upstream.port) == ("proxy", "jwt", 8080)
    assert "RTC207" not in codes(result) and "RTC603" not in codes(result)


def test_an_ingressroute_port_by_name_without_its_service_stays_unknown(tmp_path):
    alone = ingress_route("web").split("---\napiVersion: traefik.io")[1]
    result = run(tmp_path, {"rtc.yaml": "apiVersion: traefik.io" + alone, "compose.yaml": TRAEFIK})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "names the port `web` of Service `jwt`" in got.reason


@pytest.mark.parametrize("port", ["81", "websocket"])
def test_an_ingressroute_port_its_service_lacks_is_rtc603_or_unknown(tmp_path, port):
    """Traefik leaves such a route out ("service port not found"): never proxied; a port by
    number its Service lacks is RTC603, with the Service's one port as the fix."""
    result = run(tmp_path, {"rtc.yaml": ingress_route(port), "compose.yaml": TRAEFIK})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and f"port {port} that Service jwt does not have" in got.reason
    rtc603 = [d for d in result.diagnostics if d.code == "RTC603"]
    assert "RTC207" not in codes(result)
    if port.isdecimal():
        assert [d.fix.edits[0].content for d in rtc603] == ["80"]
    else:
        assert rtc603 == []  # a port by name: as for an Ingress, only a number is checked


def test_an_ingressroute_to_a_traefik_service_is_unknown(tmp_path):
    result = run(tmp_path, {"rtc.yaml": ingress_route(80, kind="TraefikService"), "compose.yaml": TRAEFIK})
    got = ask(result, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "TraefikService `jwt`" in got.reason


def test_a_named_target_port_no_pod_of_the_tree_declares_is_unknown_never_the_service_port(tmp_path):
    """The Service sends to the pods' port named `http`; without the pods in the tree its
    number is not known, and no controller sends to the Service port (Traefik, reading the
    EndpointSlices, answered 404 where the model proxied to jwt:80: the replay caught it)."""
    no_pods = JWT.split("---\n", 1)[1]
    ingress_only = run(tmp_path / "ingress", {"rtc.yaml": no_pods + "---\n" + ingress(path("/livekit/jwt")).split(
        "---\n")[-1]})
    got = ask(ingress_only, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "targetPort `http`, a container port of pods the tree does not hold" in got.reason
    route_only = ingress_route(80).split("---\n")
    crd = run(tmp_path / "crd", {"rtc.yaml": "---\n".join(route_only[1:]), "compose.yaml": TRAEFIK})
    got = ask(crd, "/livekit/jwt/sfu/get")
    assert got.kind == "unknown" and "targetPort `http`" in got.reason


LISTENERS = JWT + """---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners:
    - {name: https, port: 443, protocol: HTTPS, hostname: "*.example.org"}
    - {name: http, port: 80, protocol: HTTP, hostname: rtc.example.org}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: rtc}
spec:
  parentRefs: [{name: gw, sectionName: https}]
  hostnames: [rtc.example.org, rtc.example.net]
  rules:
    - matches: [{path: {type: PathPrefix, value: /livekit/jwt}}]
      backendRefs: [{name: jwt, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-https}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
    - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
"""


def test_an_httproute_serves_only_on_its_listeners_and_their_hostnames(tmp_path):
    """The replay against Traefik's Gateway provider caught these: a route attached by
    `sectionName` to the HTTPS listener was also served on the HTTP one (routes were merged
    per hostname), a listener's `hostname` was ignored, and a route without `hostnames` on a
    listener without one served no host at all."""
    result = run(tmp_path, {"rtc.yaml": LISTENERS})

    def on(scheme, port, host, p="/livekit/jwt"):
        return answer(result.deployment, Request(scheme, host, port, "GET", p))

    assert on("https", 443, "rtc.example.org").upstream.host == "jwt"
    redirect = on("http", 80, "rtc.example.org")  # the redirect route alone serves port 80
    assert (redirect.kind, redirect.status) == ("redirect", 301)
    assert redirect.location == "https://rtc.example.org/livekit/jwt"
    assert on("https", 443, "rtc.example.net").kind == "unknown"  # outside the listener's *.example.org
    assert on("http", 80, "other.example.org").kind == "unknown"  # the HTTP listener's hostname only
    hostless = LISTENERS.replace(', hostname: "*.example.org"', "").replace("  hostnames: [rtc.example.org, "
                                                                            "rtc.example.net]\n", "")
    anywhere = run(tmp_path / "b", {"rtc.yaml": hostless})
    got = answer(anywhere.deployment, Request("https", "any.example.com", 443, "GET", "/livekit/jwt"))
    assert got.upstream.host == "jwt"


def test_a_request_no_rule_of_its_hosts_route_takes_goes_on_to_the_routes_without_hostnames(tmp_path):
    """HTTPRouteSpec.hostnames: the routes naming the host rank first, then those of a wider
    (wildcard, then no) hostname; the model answered 404 once the host's own routes missed
    (the replay against Traefik's Gateway provider caught it)."""
    text = LISTENERS.replace(', hostname: "*.example.org"', "").replace(
        "  parentRefs: [{name: gw, sectionName: http}]\n  rules:\n"
        "    - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]\n",
        "  parentRefs: [{name: gw, sectionName: https}]\n  rules:\n"
        "    - matches: [{path: {type: PathPrefix, value: /.well-known/matrix}}]\n"
        "      backendRefs: [{name: synapse, port: 8008}]\n"
        "    - backendRefs: [{name: livekit, port: 7880}]\n")
    result = run(tmp_path, {"rtc.yaml": text})
    assert ask(result, "/livekit/jwt").upstream.host == "jwt"  # its own route
    assert ask(result, "/.well-known/matrix/client").upstream.host == "synapse"  # the hostname-less route's
    assert ask(result, "/rtc").upstream.host == "livekit"
    assert ask(result, "/rtc", host="other.example.net").upstream.host == "livekit"
    assert ask(result, "/livekit/jwt", host="other.example.net").upstream.host == "livekit"  # not rtc's hosts


def test_a_redirect_without_scheme_or_port_keeps_the_listeners_port(tmp_path):
    """HTTPRequestRedirectFilter.port: unset, the scheme's well-known port when a scheme is
    given, else the listener's (left out of Location for 80 and 443); the model dropped the
    listener's 8080 (Traefik, in the replay, kept it)."""
    text = LISTENERS.replace("port: 80, protocol: HTTP, hostname: rtc.example.org", "port: 8080, protocol: HTTP") \
        .replace("requestRedirect: {scheme: https, statusCode: 301}", "requestRedirect: {hostname: new.example.org}")
    result = run(tmp_path, {"rtc.yaml": text})
    got = answer(result.deployment, Request("http", "rtc.example.org", 8080, "GET", "/x"))
    assert (got.kind, got.status, got.location) == ("redirect", 302, "http://new.example.org:8080/x")
    https = run(tmp_path / "b", {"rtc.yaml": text.replace("{hostname: new.example.org}", "{scheme: https}")})
    got = answer(https.deployment, Request("http", "rtc.example.org", 8080, "GET", "/x"))
    assert got.location == "https://rtc.example.org/x"


def test_an_httproute_rule_without_backends_or_a_redirect_answers_500(tmp_path):
    """HTTPRouteRule.backendRefs: no backend and no filter that answers: 500 (Traefik does so in
    the replay; the model said unknown though the parser had read the 500)."""
    redirect = "    - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]\n"
    text = LISTENERS.replace(redirect, "    - matches: [{path: {type: PathPrefix, value: /twirp}}]\n")
    result = run(tmp_path, {"rtc.yaml": text})
    got = answer(result.deployment, Request("http", "rtc.example.org", 80, "POST", "/twirp/x"))
    assert (got.kind, got.status) == ("respond", 500)
