"""Traefik: the rule language as Traefik reads it, and the file provider as proxy sites."""

import os

import pytest

from rtclint.config import Config
from rtclint.engine import check
from rtclint.model import traefik_rule as tr

HERE = os.path.dirname(__file__)


@pytest.mark.parametrize("rule, request_, expected", [
    ("Host(`a.example.com`)", {"host": "A.example.com", "path": "/x"}, True),
    ("Host(`a.example.com`, `b.example.com`)", {"host": "b.example.com"}, True),  # v2 alternatives
    ("Host(`a.example.com`) && PathPrefix(`/livekit/jwt`)", {"host": "a.example.com", "path": "/livekit/jwt/sfu/get"}, True),
    ("Host(`a.example.com`) && PathPrefix(`/livekit/jwt`)", {"host": "a.example.com", "path": "/livekit/sfu"}, False),
    ("Path(`/rtc`) || PathPrefix(`/rtc/`)", {"path": "/rtc/v1"}, True),
    ("Path(`/rtc`)", {"path": "/rtc/v1"}, False),
    ("!PathPrefix(`/_matrix`)", {"path": "/.well-known/matrix/client"}, True),
    ("PathRegexp(`^/rtc(/v1)?$`)", {"path": "/rtc/v1"}, True),
    ("Path(`/user/{id:[0-9]+}`)", {"path": "/user/42"}, True),  # v2 path template
    ("Host(`*.example.com`)", {"host": "sfu.example.com"}, True),
    ("Host(`*.example.com`)", {"host": "a.sfu.example.com"}, False),
    ("ClientIP(`10.0.0.0/8`) && Path(`/x`)", {"path": "/x"}, None),  # the client is unknown
    ("ClientIP(`10.0.0.0/8`) && Path(`/x`)", {"path": "/y"}, False),  # …but the path decides
    ("ClientIP(`10.0.0.0/8`) || Path(`/x`)", {"path": "/x"}, True),
    ("Method(`POST`) && Path(`/get_token`)", {"path": "/get_token", "method": "options"}, False),
    ("Header(`Upgrade`, `websocket`)", {"headers": {"upgrade": "websocket"}}, True),
    ("PathRegexp(`(?P<x>a`)", {"path": "/a"}, None),  # a regexp Python cannot read: unknown
])
def test_rule_evaluation(rule, request_, expected):
    assert tr.evaluate(tr.parse(rule), request_) is expected


@pytest.mark.parametrize("rule, offset", [
    ("Host(`a`) &&", 12), ("Host('a')", 5), ("Hots(`a`)", 0), ("Host(`a`", 8), ("", 0), ("(Path(`/`)", 10),
])
def test_rules_traefik_refuses(rule, offset):
    with pytest.raises(tr.RuleError) as err:
        tr.parse(rule)
    assert err.value.offset == offset


def test_default_priority_is_rule_length():
    assert tr.default_priority("Host(`a`) && PathPrefix(`/b`)") == len("Host(`a`) && PathPrefix(`/b`)")


def _check(tree):
    return check([os.path.join(HERE, "fixtures", "traefik", tree)], Config())


def test_file_provider_routes_by_priority_and_host():
    result = _check("jwt-unstripped")
    sites = {s.hosts[0]: s for s in result.deployment.sites if s.kind == "traefik"}
    assert set(sites) == {"matrix.example.com", "example.com"}
    matrix = sites["matrix.example.com"]
    # The longer rule wins over the host-only Synapse router (Traefik's default priority).
    assert matrix.route_for("/livekit/jwt/sfu/get").facts["router"] == "livekit-jwt"
    assert matrix.route_for("/_matrix/client/versions").facts["router"] == "synapse"
    assert matrix.route_for("/rtc").facts["router"] == "livekit-sfu"
    jwt = matrix.route_for("/livekit/jwt/get_token").proxy
    assert (jwt.upstream.host, jwt.upstream.port, jwt.strip_prefix) == ("lk-jwt-service", 8080, "")
    sfu = matrix.route_for("/livekit/sfu/rtc").proxy
    assert sfu.strip_prefix == "/livekit/sfu" and sfu.websocket is True
    wk = sites["example.com"].route_for("/.well-known/matrix/client")
    assert [(h.name, h.value) for h in wk.headers] == [("Access-Control-Allow-Origin", "*")]
    assert sites["example.com"].route_for("/_matrix/federation/v1/openid/userinfo") is None


def test_rules_read_traefik_sites():
    codes = {(d.code, os.path.basename(d.span.path)) for d in _check("jwt-unstripped").diagnostics}
    assert ("RTC201", "dynamic.yml") in codes  # /livekit/jwt reaches lk-jwt-service unstripped


def test_a_rule_traefik_refuses_is_a_parse_error(tmp_path):
    (tmp_path / "dynamic.yml").write_text(
        "http:\n  routers:\n    r:\n      rule: \"Host(`a.example.com`) &&\"\n      service: s\n")
    diags = check([str(tmp_path)], Config()).diagnostics
    assert [(d.code, d.span.path.endswith("dynamic.yml")) for d in diags] == [("RTC001", True)]
    assert "Traefik refuses the rule of router `r`" in diags[0].message


def test_compose_labels_are_one_docker_provider():
    result = _check("labels-stack")
    sites = {}
    for s in result.deployment.sites:
        if s.kind == "traefik":
            sites.setdefault(s.hosts[0], []).append(s)
    assert set(sites) == {"matrix.example.com", "example.com", "sfu.example.com"}
    (matrix,) = sites["matrix.example.com"]  # routers of every container, in one site
    # The Synapse router's rule is longer, so Traefik tries it first: it takes /livekit/jwt too.
    assert matrix.route_for("/livekit/jwt/sfu/get").facts["router"] == "synapse"
    jwt = next(r for r in matrix.routes if r.facts["router"] == "jwt").proxy
    assert (jwt.upstream.host, jwt.upstream.port, jwt.strip_prefix) == ("lk-jwt-service", 8081, "/livekit/jwt")
    (sfu,) = sites["sfu.example.com"]
    # No port label: Traefik takes the container's port, which the tree cannot show.
    assert sfu.routes[0].proxy is None and "loadbalancer.server.port" in sfu.routes[0].facts["undecidable"]


def test_disabled_containers_and_unresolved_labels_are_left_out(tmp_path):
    (tmp_path / "compose.yml").write_text(
        "services:\n"
        "  a:\n    image: x\n    labels:\n      - traefik.enable=false\n"
        "      - traefik.http.routers.a.rule=Host(`a.example.com`)\n"
        "  b:\n    image: y\n    labels:\n      - traefik.http.routers.b.rule=Host(`${DOMAIN}`)\n")
    assert [s for s in check([str(tmp_path)], Config()).deployment.sites if s.kind == "traefik"] == []


def test_toml_file_provider_points_into_the_toml():
    result = _check("toml-file-provider")
    (rtc201,) = [d for d in result.diagnostics if d.code == "RTC201"]
    doc = result.documents[next(p for p in result.documents if p.endswith("dynamic.toml"))]
    line, _ = doc.line_col(rtc201.span.start)
    assert rtc201.span.path.endswith("dynamic.toml")
    # The router's `service` line: where the unstripped prefix is sent on.
    assert doc.text[rtc201.span.start:rtc201.span.end] == '"jwt"'
    assert line == 10


def test_broken_traefik_toml_is_a_parse_error_and_other_toml_is_not_read(tmp_path):
    (tmp_path / "dynamic.toml").write_text('[http.routers.a]\nrule = "Host(`a`)\n')
    (tmp_path / "netlify.toml").write_text('[build\ncommand = "x"\n')
    diags = check([str(tmp_path)], Config()).diagnostics
    assert [(d.code, d.span.path.rsplit("/", 1)[-1]) for d in diags] == [("RTC001", "dynamic.toml")]


def test_kubernetes_ingressroute_with_its_middleware():
    result = _check("ingressroute")
    (site,) = [s for s in result.deployment.sites if s.kind == "traefik"]
    assert site.hosts == ["matrix.example.com"]
    jwt = site.route_for("/livekit/jwt/sfu/get").proxy
    assert (jwt.upstream.host, jwt.upstream.port, jwt.strip_prefix) == ("lk-jwt-service", 8080, "/livekit/jwt")
    sfu = site.route_for("/livekit/sfu/rtc").proxy
    assert (sfu.upstream.host, sfu.upstream.port, sfu.strip_prefix) == ("livekit", 7880, "")


def test_entry_points_from_the_traefik_command_give_the_sites_their_ports():
    result = _check("labels-stack")
    ports = {s.hosts[0]: [(l.port, l.tls) for l in s.listens] for s in result.deployment.sites if s.kind == "traefik"}
    # synapse names `websecure` (:443); the others name none, so they listen on every entry point.
    assert ports == {"matrix.example.com": [(443, True)], "example.com": [(443, True)], "sfu.example.com": [(443, True)]}


def test_static_file_and_a_public_url_on_another_port(tmp_path):
    (tmp_path / "traefik.yml").write_text(
        "entryPoints:\n  websecure:\n    address: \":8443\"\n    http:\n      tls: {}\nproviders:\n  file:\n"
        "    filename: /etc/traefik/dynamic.yml\n")
    (tmp_path / "dynamic.yml").write_text(
        "http:\n  routers:\n    jwt:\n      rule: Host(`rtc.example.com`)\n      entryPoints: [websecure]\n"
        "      service: jwt\n  services:\n    jwt:\n      loadBalancer:\n        servers:\n"
        "          - url: http://lk-jwt-service:8080\n")
    (tmp_path / "homeserver.yaml").write_text(
        "server_name: example.com\nexperimental_features:\n  msc4143_enabled: true\nmatrix_rtc:\n  transports:\n"
        "    - type: livekit\n      livekit_service_url: https://rtc.example.com\n")
    result = check([str(tmp_path)], Config())
    (site,) = [s for s in result.deployment.sites if s.kind == "traefik"]
    assert [(l.port, l.tls) for l in site.listens] == [(8443, True)]
    assert "RTC104" in {d.code for d in result.diagnostics}  # the URL says 443, Traefik listens on 8443


def test_an_undecidable_upstream_keeps_the_routing_rules_quiet():
    """The SFU router has no port label: which port Traefik uses only the running container
    knows, so RTC204 (SFU route missing) must not claim the route is wrong."""
    diags = _check("labels-stack").diagnostics
    assert not [d for d in diags if d.code == "RTC204"]
    # RTC207 (the JWT router's port label is wrong) is not said: no client request reaches that
    # router, as Traefik's default priority is the rule's length and the synapse router's longer
    # rule takes matrix.example.com/livekit/jwt/* (the answer model, checked against the real
    # Traefik by test_traefik_oracle.py); RTC207 judges the routes the answers reach
    assert not [d for d in diags if d.code == "RTC207"]


def test_undecidable_routes_are_said_only_when_asked(tmp_path):
    """RTC006 is opt-in: off by default, on with --show-unknown (or by naming it)."""
    import shutil
    import subprocess
    import sys

    tree = tmp_path / "tree"
    shutil.copytree(os.path.join(HERE, "fixtures", "traefik", "labels-stack"), tree)
    rtclint = [sys.executable, "-m", "rtclint", "check", "--no-cache", "--output-format", "concise", "."]
    quiet = subprocess.run(rtclint, cwd=tree, capture_output=True, text=True)
    asked = subprocess.run(rtclint + ["--show-unknown"], cwd=tree, capture_output=True, text=True)
    named = subprocess.run(rtclint + ["--select", "RTC006"], cwd=tree, capture_output=True, text=True)
    assert "RTC006" not in quiet.stdout
    assert "RTC006" in asked.stdout and "loadbalancer.server.port" in asked.stdout
    assert [ln.split(": ")[1].split()[0] for ln in named.stdout.splitlines() if ln.startswith("compose.yml")] == ["RTC006"]
