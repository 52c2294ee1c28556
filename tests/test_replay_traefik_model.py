"""What `make replay` taught the Traefik answer model (the real Traefik disagreed before):
a router answers only on its entry points and scheme, and a redirect middleware's
status and Location are built per request as pkg/middlewares/redirect does."""

import textwrap

import pytest

from rtclint.model.answer import answer
from rtclint.model.answer_types import Request
from tools.replay.run import sites_of
from tools.replay.traefik import entrypoints, link

CONFIG = """\
http:
  routers:
    jwt:
      rule: Host(`matrix.example.com`) && PathPrefix(`/livekit/jwt`)
      entryPoints: [websecure]
      service: lk-jwt
      middlewares: [strip-jwt]
    to-https:
      rule: PathPrefix(`/`)
      entryPoints: [web]
      middlewares: [to-https]
      service: lk-jwt
  middlewares:
    strip-jwt:
      stripPrefix:
        prefixes: [/livekit/jwt]
    to-https:
      redirectScheme: {scheme: https, permanent: PERMANENT}
  services:
    lk-jwt:
      loadBalancer:
        servers: [{url: "http://lk-jwt:8080"}]
"""


def _sites(tmp_path, permanent=True):
    path = tmp_path / "dynamic.yml"
    path.write_text(textwrap.dedent(CONFIG).replace("PERMANENT", "true" if permanent else "false"))
    sites = sites_of("yaml", str(path))
    link(sites, entrypoints(sites))
    return sites


def _ask(sites, scheme, port, method="GET", path="/livekit/jwt/sfu/get"):
    return answer(sites, Request(scheme, "matrix.example.com", port, method, path, {}))


def test_entry_points_are_the_ones_the_routers_name(tmp_path):
    sites = _sites(tmp_path)
    assert entrypoints(sites) == {"web": (80, False), "websecure": (443, True)}


def test_a_router_answers_only_on_its_entry_point(tmp_path):
    sites = _sites(tmp_path)
    secure = _ask(sites, "https", 443)
    assert secure.kind == "proxy" and secure.upstream.path == "/sfu/get"
    plain = _ask(sites, "http", 80)
    assert plain.kind == "redirect", plain  # the jwt router is not on `web`


@pytest.mark.parametrize("permanent, method, status", [
    (True, "GET", 301), (True, "POST", 308), (True, "OPTIONS", 308),
    (False, "GET", 302), (False, "POST", 307),
])
def test_redirect_status_follows_the_method(tmp_path, permanent, method, status):
    found = _ask(_sites(tmp_path, permanent), "http", 80, method)
    assert (found.kind, found.status) == ("redirect", status)


def test_redirect_scheme_location_keeps_host_and_path_and_drops_the_port(tmp_path):
    found = _ask(_sites(tmp_path), "http", 80, path="/get_token")
    assert found.location == "https://matrix.example.com/get_token"


CORS = """\
http:
  routers:
    jwt:
      rule: PathPrefix(`/livekit/jwt`)
      service: lk-jwt
      middlewares: [strip-jwt, outer, cors]
  middlewares:
    strip-jwt:
      stripPrefix:
        prefixes: [/livekit/jwt]
    outer:
      headers:
        customResponseHeaders: {X-Outer: "1"}
    cors:
      headers:
        accessControlAllowOriginList: [ORIGINS]
        customResponseHeaders: {Access-Control-Allow-Origin: custom, X-Inner: "2"}
  services:
    lk-jwt:
      loadBalancer:
        servers: [{url: "http://lk-jwt:8080"}]
"""


def _cors_answer(tmp_path, origins, method, headers):
    path = tmp_path / "dynamic.yml"
    path.write_text(CORS.replace("ORIGINS", origins))
    sites = sites_of("yaml", str(path))
    link(sites, entrypoints(sites))
    found = answer(sites, Request("https", "matrix.example.com", 443, method, "/livekit/jwt/sfu/get", headers))
    return found, {h.name: h.value for h in found.headers}


@pytest.mark.parametrize("origins, origin, want", [
    ("'*'", "https://call.example.net", "*"), ("'*'", "", "*"),
    ("https://call.example.net", "https://call.example.net", "https://call.example.net"),
    ("https://other.example", "https://call.example.net", "custom"),  # no match: the custom value stays
])
def test_the_headers_middleware_sets_the_origin_that_matches_the_request(tmp_path, origins, origin, want):
    found, headers = _cors_answer(tmp_path, origins, "POST", {"origin": origin} if origin else {})
    assert found.kind == "proxy" and found.upstream.path == "/sfu/get"
    assert headers == {"Access-Control-Allow-Origin": want, "X-Inner": "2", "X-Outer": "1"}


def test_a_cors_headers_middleware_answers_the_preflight_itself(tmp_path):
    """Traefik's answer, not the service's: 200, empty, the CORS middleware's origin and
    what the middlewares before it set (not its own custom headers)."""
    preflight = {"origin": "https://call.example.net", "access-control-request-method": "POST"}
    found, headers = _cors_answer(tmp_path, "https://call.example.net", "OPTIONS", preflight)
    assert (found.kind, found.status, found.body) == ("respond", 200, "")
    assert headers == {"Access-Control-Allow-Origin": "https://call.example.net", "X-Outer": "1"}
    plain, _ = _cors_answer(tmp_path, "https://call.example.net", "OPTIONS", {"origin": "https://call.example.net"})
    assert plain.kind == "proxy"  # no Access-Control-Request-Method: no preflight


TWO_CONTAINERS = """\
services:
  lk-jwt:
    labels:
      traefik.http.routers.jwt.rule: PathPrefix(`/livekit/jwt`)
      traefik.http.routers.jwt.middlewares: strip-jwt
      traefik.http.middlewares.strip-jwt.stripprefix.prefixes: /livekit/jwt
      traefik.http.services.jwt.loadbalancer.server.port: "8080"
  livekit:
    labels:
      traefik.http.routers.sfu.rule: PathPrefix(`/rtc`)
      traefik.http.services.sfu.loadbalancer.server.port: "7880"
      OTHER
"""


@pytest.mark.parametrize("other, router, path", [
    ("traefik.http.middlewares.strip-jwt.stripprefix.prefixes: /livekit/jwt", "jwt", "/sfu/get"),  # identical: kept
    ("traefik.http.routers.jwt.rule: PathPrefix(`/elsewhere`)", None, None),  # differing router: dropped
    ("traefik.http.middlewares.strip-jwt.stripprefix.prefixes: /other", "jwt", None),  # its middleware dropped
])
def test_a_name_two_containers_define_differently_is_dropped_as_traefik_merges(tmp_path, other, router, path):
    compose = tmp_path / "compose.yml"
    compose.write_text(TWO_CONTAINERS.replace("OTHER", other))
    sites = sites_of("yaml", str(compose))
    link(sites, entrypoints(sites))
    found = answer(sites, Request("http", "replay.example", 80, "POST", "/livekit/jwt/sfu/get", {}))
    if router is None:
        assert found.kind == "respond" and found.status == 404
    elif path is None:
        assert found.kind == "unknown" and "strip-jwt" in found.reason
    else:
        assert found.kind == "proxy" and found.upstream.path == path


ROUTE = """\
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: sfu}
spec:
  routes:
    - match: PathPrefix(`/rtc`)
      kind: Rule
      services: [{name: livekit, port: PORT}]
"""


@pytest.mark.parametrize("port, kind, scheme", [("7880", "proxy", "http"), ("443", "proxy", "https"),
                                                ("https-sfu", "unknown", None), ("web", "unknown", None)])
def test_an_ingressroute_service_port_decides_the_scheme_or_is_unknown_by_name(tmp_path, port, kind, scheme):
    """Traefik speaks https to port 443 or a port named https…; a port by name is the
    Service's number, which the route alone does not show."""
    path = tmp_path / "route.yaml"
    path.write_text(ROUTE.replace("PORT", port))
    sites = sites_of("yaml", str(path))
    link(sites, entrypoints(sites))
    found = answer(sites, Request("https", "replay.example", 443, "GET", "/rtc", {}))
    assert found.kind == kind, found
    if scheme is not None:
        assert found.route.proxy.upstream.scheme == scheme


NOT_EXPOSED = """\
services:
  traefik:
    command: ["FLAG", "--entrypoints.websecure.address=:443"]
  lk-jwt:
    labels:
      traefik.http.routers.jwt.rule: PathPrefix(`/livekit/jwt`)
      traefik.http.services.jwt.loadbalancer.server.port: "8080"
      ENABLE
"""


@pytest.mark.parametrize("flag, enable, routed", [
    ("--providers.docker.exposedbydefault=false", "", False),
    ("--providers.docker.exposedByDefault=false", "traefik.enable: 'TRUE'", True),
    ("--providers.docker.exposedbydefault=false", "traefik.enable: 'yes'", False),  # Go's ParseBool refuses it
    ("--providers.docker.exposedbydefault", "", True),
    ("--log.level=INFO", "traefik.enable: '0'", False),
])
def test_exposed_by_default_false_routes_only_enabled_containers(tmp_path, flag, enable, routed):
    compose = tmp_path / "compose.yml"
    compose.write_text(NOT_EXPOSED.replace("FLAG", flag).replace("ENABLE", enable))
    sites = sites_of("yaml", str(compose))
    assert bool(sites) == routed
