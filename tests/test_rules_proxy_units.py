"""Unit tests for the proxy-facing rules (RTC1xx discovery, RTC2xx routing) and their
helpers, on model objects built directly (no parser involved): the JSON position and
edit helpers, upstream role detection and its traps, and the decisions each rule makes
at its boundaries."""

from __future__ import annotations

import json

import pytest

from rtclint.config import Config
from rtclint.diagnostics import Applicability
from rtclint.document import Document, Span
from rtclint.model import (
    CLIENT_PATH,
    Deployment,
    EnvVar,
    FileFacts,
    Header,
    Listen,
    PathMatch,
    Proxy,
    Redirect,
    Respond,
    Route,
    Service,
    Site,
    Upstream,
)
from rtclint.rules.common.jsonedit import add_member_text, closing_suffix, parse_positions, style_of
from rtclint.rules.common.roles import PublicUrl, jwt_public_urls, mount_prefix, upstream_role
from rtclint.rules.registry import RuleContext, get_rule
from rtclint.model.answer import Request, answer

# -- helpers -------------------------------------------------------------------------------


def run_rule(code: str, dep: Deployment) -> list:
    rule = get_rule(code)
    return list(RuleContext(dep, Config()).run([rule]))


def apply(text: str, edits) -> str:
    for edit in sorted(edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.content + text[edit.span.end:]
    return text


def caddy_site(path: str, text: str, hosts, routes, listens=None) -> tuple[Deployment, Document]:
    doc = Document(path=path, abspath="/" + path, kind="caddy", text=text)
    site = Site("caddy", hosts, listens or [Listen(443, True)], routes, Span(path, 0, len(text)))
    dep = Deployment()
    dep.add(FileFacts(path, sites=[site]))
    dep.documents[path] = doc
    return dep, doc


def respond_route(path: str, text: str, body: str, matcher=None, headers=()) -> Route:
    start = text.index(body)
    respond = Respond(200, body, Span(path, start, start + len(body)))
    return Route(matcher or PathMatch("exact", (CLIENT_PATH,)), Span(path, text.index("respond"), len(text)),
                 respond=respond, headers=list(headers), name="respond")


def proxy_route(host: str, port: int | None, matcher: PathMatch, *, strip: str = "", up_path=None,
                name: str = "route") -> Route:
    proxy = Proxy(Upstream(host, port, path=up_path), strip_prefix=strip)
    return Route(matcher, Span("p", 0, 1), proxy=proxy, name=name)


# -- JSON helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize("body, suffix", [
    ('{"a": {"b": 1}', "}"),
    ('{"a": [1, 2', "]}"),
    ('{"a": "x', '"}'),
    ('{"a": 1}', None),  # nothing missing
    ('{"a": 1,', None),  # a dangling comma is not just a missing closer
    ('{"a" 1}', None),
])
def test_closing_suffix_only_for_missing_closers(body, suffix):
    assert closing_suffix(body) == suffix
    if suffix is not None:
        json.loads(body + suffix)


def test_closing_suffix_keeps_pretty_layout():
    body = '{\n  "a": [\n    1'
    suffix = closing_suffix(body)
    assert suffix == "\n  ]\n}"
    assert json.loads(body + suffix) == {"a": [1]}


def test_parse_positions_point_at_keys_and_values():
    text = '{"m.homeserver": {"base_url": "https://x"}, "k": [1, {"t": "livekit"}]}'
    root = parse_positions(text)
    key, value = root.member("k")
    assert text[key.start:key.end] == '"k"'
    assert text[value.start:value.end] == '[1, {"t": "livekit"}]'
    assert text[value.items[1].start:value.items[1].end] == '{"t": "livekit"}'
    assert parse_positions('{"a": 1') is None


@pytest.mark.parametrize("body, expected", [
    ('{"a": 1}', '{"a": 1, "k": ["v"]}'),
    ('{"a":1,"b":2}', '{"a":1,"b":2,"k":["v"]}'),
    ('{}', '{"k":["v"]}'),
    ('{\n    "a": 1\n}', '{\n    "a": 1,\n    "k": [\n        "v"\n    ]\n}'),
])
def test_add_member_follows_the_body_style(body, expected):
    root = parse_positions(body)
    at, text = add_member_text(body, root, "k", ["v"])
    assert body[:at] + text + body[at:] == expected


def test_style_detects_spacing():
    text = '{"a": 1, "b": 2}'
    style = style_of(text, parse_positions(text))
    assert (style.pretty, style.colon, style.comma) == (False, ": ", ", ")


# -- roles and URLs ----------------------------------------------------------------------------


def test_port_8080_catch_all_is_not_the_jwt_service():
    """ESS behind Caddy/nginx: everything goes to Traefik on 127.0.0.1:8080."""
    dep = Deployment()
    site = Site("nginx", ["mrtc.example.com"], [Listen(443, True)],
                [proxy_route("127.0.0.1", 8080, PathMatch("prefix", ("/",)))], Span("p", 0, 1))
    assert upstream_role(RuleContext(dep, Config()), site.routes[0], site) is None
    scoped = proxy_route("127.0.0.1", 8080, PathMatch("prefix", ("/.well-known/matrix/",)))
    assert upstream_role(RuleContext(dep, Config()), scoped, site) is None


def test_port_8080_on_a_jwt_path_is_the_jwt_service():
    dep = Deployment()
    route = proxy_route("localhost", 8080, PathMatch("prefix", ("/livekit/jwt/",)))
    assert upstream_role(RuleContext(dep, Config()), route) == "jwt"


def test_docker_host_on_8080_is_not_the_jwt_service():
    dep = Deployment()
    route = proxy_route("host.docker.internal", 8080, PathMatch("none", ("@http_fallback",)))
    assert upstream_role(RuleContext(dep, Config()), route) is None


def test_service_names_decide_before_ports():
    dep = Deployment()
    jwt = Service("auth", "jwt", "compose", Span("c", 0, 1), aliases={"auth-server"},
                  env={"LIVEKIT_JWT_PORT": EnvVar("LIVEKIT_JWT_PORT", "6080", Span("c", 0, 1))})
    dep.add(FileFacts("c", services=[jwt]))
    assert upstream_role(RuleContext(dep, Config()), proxy_route("auth-server", 6080, PathMatch("any"))) == "jwt"
    assert upstream_role(RuleContext(dep, Config()), proxy_route("livekit-sfu", 17880, PathMatch("any"))) == "livekit"
    assert upstream_role(RuleContext(dep, Config()), proxy_route("127.0.0.1", 7880, PathMatch("any"))) == "livekit"


def test_mount_prefix_from_endpoint_paths():
    assert mount_prefix(PathMatch("exact", ("/livekit/jwt/sfu/get", "/livekit/jwt/healthz"))) == "/livekit/jwt"
    assert mount_prefix(PathMatch("prefix", ("/livekit/jwt/",))) == "/livekit/jwt"
    assert mount_prefix(PathMatch("any")) == ""
    assert mount_prefix(PathMatch("prefix", ("/a/", "/b/"))) is None


def test_public_url_compares_places_not_spelling():
    a = PublicUrl.parse("https://RTC.example.com:443/livekit/jwt/")
    b = PublicUrl.parse("wss://rtc.example.com/livekit/jwt")
    assert a.same_place(b) and a.text() == "https://rtc.example.com/livekit/jwt"
    assert PublicUrl.parse("not a url") is None


def test_jwt_public_urls_use_the_tls_port():
    route = proxy_route("lk-jwt-service", 8080, PathMatch("prefix", ("/livekit/jwt/",)), strip="/livekit/jwt/",
                        up_path="/")
    site = Site("nginx", ["rtc.example.com"], [Listen(8443, True)], [route], Span("p", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("p", sites=[site]))
    assert list(jwt_public_urls(RuleContext(dep, Config()))) == ["https://rtc.example.com:8443/livekit/jwt"]


# -- RTC201: what the upstream receives (the answer model RTC201 reads) ---------------------------


@pytest.mark.parametrize("kind, prefix, strip, up_path, expected", [
    ("nginx", "/livekit/jwt/", "/livekit/jwt/", "/", "/get_token"),  # proxy_pass http://h:8080/;
    ("nginx", "/livekit/jwt/", "", None, "/livekit/jwt/get_token"),  # proxy_pass http://h:8080;
    ("nginx", "/livekit/jwt", "/livekit/jwt", "/", "//get_token"),  # location without the slash
    ("caddy", "/livekit/jwt/", "/livekit/jwt", None, "/get_token"),  # handle_path /livekit/jwt/*
    ("caddy", "/livekit/jwt/", "", None, "/livekit/jwt/get_token"),  # handle /livekit/jwt/*
    ("haproxy", "/livekit/jwt/", "/livekit/jwt/", "/", "/get_token"),  # set-path regsub
])
def test_forwarded_path(kind, prefix, strip, up_path, expected):
    route = proxy_route("jwt", 8080, PathMatch("prefix", (prefix,)), strip=strip, up_path=up_path)
    site = Site(kind, ["x"], [Listen(443, True)], [route], Span("p", 0, 1))
    found = answer([site], Request("https", "x", 443, "POST", "/livekit/jwt/get_token"))
    assert found.kind == "proxy" and found.upstream.path == expected


# -- RTC100: the error position and the fix, on a Caddy backtick body ---------------------------


def test_rtc100_points_inside_the_body_and_appends_the_brace():
    body = '{"m.homeserver":{"base_url":"https://m.example.com"},"org.matrix.msc4143.rtc_foci":[]'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, doc = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    [diag] = run_rule("RTC100", dep)
    assert text[diag.span.start] == "`"  # the JSON ends where the closing backtick is
    assert "`}` missing" in diag.message and "text/plain" in diag.message
    assert diag.fix.applicability is Applicability.SAFE
    fixed = apply(text, diag.fix.edits)
    assert fixed == text.replace("[]`", "[]}`")


def test_rtc100_no_safe_fix_when_the_error_is_in_the_middle():
    body = '{"a": 1,, "b": 2}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    [diag] = run_rule("RTC100", dep)
    assert diag.fix is None
    assert text[diag.span.start:diag.span.start + 1] == ","


# -- RTC101 / RTC102 / RTC103 -------------------------------------------------------------------


def _with_jwt_site(dep: Deployment) -> None:
    jwt = proxy_route("lk-jwt-service", 8080, PathMatch("any"))
    dep.add(FileFacts("jwt", sites=[Site("caddy", ["jwt.example.com"], [Listen(443, True)], [jwt],
                                          Span("Caddyfile", 0, 1))]))


def test_rtc101_safe_fix_names_the_only_jwt_url():
    body = '{"m.homeserver": {"base_url": "https://m.example.com"}}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    _with_jwt_site(dep)
    [diag] = run_rule("RTC101", dep)
    fixed = apply(text, diag.fix.edits)
    served = json.loads(fixed.split("`")[1])
    assert served["org.matrix.msc4143.rtc_foci"] == [
        {"type": "livekit", "livekit_service_url": "https://jwt.example.com"}]


def test_rtc102_wraps_a_lone_object():
    body = '{"org.matrix.msc4143.rtc_foci": {"type": "livekit", "livekit_service_url": "https://j.example.com"}}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    [diag] = run_rule("RTC102", dep)
    served = json.loads(apply(text, diag.fix.edits).split("`")[1])
    assert isinstance(served["org.matrix.msc4143.rtc_foci"], list)


@pytest.mark.parametrize("url, severity, fixable", [
    ("wss://sfu.example.com", "error", False),
    ("http://jwt.example.com", "error", False),
    ("https://sfu.example.com:7880", "error", False),
    ("https://jwt.example.com/", "warning", True),
])
def test_rtc103_cases(url, severity, fixable):
    body = '{"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "' + url + '"}]}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    [diag] = run_rule("RTC103", dep)
    assert diag.severity.value == severity
    assert (diag.fix is not None) == fixable
    assert text[diag.span.start:diag.span.end] == '"' + url + '"'
    if fixable:
        assert json.loads(apply(text, diag.fix.edits).split("`")[1])["org.matrix.msc4143.rtc_foci"][0][
            "livekit_service_url"] == url.rstrip("/")


# -- RTC106 / RTC111 ----------------------------------------------------------------------------


def test_rtc106_accepts_star_and_reports_a_specific_origin():
    body = '{}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    star = Header("Access-Control-Allow-Origin", "*")
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body, headers=[star])])
    assert run_rule("RTC106", dep) == []
    origin = Header("Access-Control-Allow-Origin", "https://app.element.io", Span("Caddyfile", 0, 5))
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body, headers=[origin])])
    [diag] = run_rule("RTC106", dep)
    assert "app.element.io" in diag.message


def test_rtc111_ignores_http_to_https_and_flags_a_shadowing_redirect():
    redirect = Route(PathMatch("any"), Span("p", 0, 1), redirect=Redirect("https://$host$request_uri", 301))
    http_site = Site("nginx", ["example.com"], [Listen(80, False)], [redirect], Span("p", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("p", sites=[http_site]))
    assert run_rule("RTC111", dep) == []
    body = "{}"
    text = "respond " + body
    shadowed = respond_route("p", text, body)
    tls_site = Site("caddy", ["example.com"], [Listen(443, True)], [redirect, shadowed], Span("p", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("p", sites=[tls_site]))
    [diag] = run_rule("RTC111", dep)
    assert "hides the route" in diag.message


# -- RTC206: the 120 s boundary -----------------------------------------------------------------


@pytest.mark.parametrize("timeout, fires", [(None, True), (60.0, True), (119.0, True), (120.0, False), (86400, False)])
def test_rtc206_nginx_boundary(timeout, fires):
    route = proxy_route("livekit", 7880, PathMatch("prefix", ("/livekit/sfu/",)))
    route.proxy.read_timeout = timeout
    site = Site("nginx", ["rtc.example.com"], [Listen(443, True)], [route], Span("p", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("p", sites=[site]))
    assert bool(run_rule("RTC206", dep)) == fires


def test_rtc205_206_never_for_caddy():
    route = proxy_route("livekit", 7880, PathMatch("any"))
    site = Site("caddy", ["rtc.example.com"], [Listen(443, True)], [route], Span("p", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("p", sites=[site]))
    assert run_rule("RTC205", dep) == [] and run_rule("RTC206", dep) == []


# -- host-bound routes, opaque upstreams, port pairing -----------------------------------------


def test_haproxy_routes_bound_to_other_hosts_are_skipped():
    from rtclint.rules.common.roles import route_for_host

    jwt = proxy_route("lk-jwt-service", 8080, PathMatch("prefix", ("/livekit/jwt/",)))
    jwt.facts["hosts"] = ["rtc.example.com"]
    other = proxy_route("synapse", 8008, PathMatch("any"))
    site = Site("haproxy", ["rtc.example.com", "matrix.example.com"], [Listen(443, True)], [jwt, other],
                Span("p", 0, 1))
    assert route_for_host(site, "rtc.example.com", "/livekit/jwt/get_token") is jwt
    assert route_for_host(site, "matrix.example.com", "/livekit/jwt/get_token") is other


def _url_tree(route: Route, host: str = "jwt.example.com") -> Deployment:
    body = '{"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "https://' + host + '"}]}'
    text = "example.com {\n\trespond /.well-known/matrix/client `" + body + "`\n}\n"
    dep, _ = caddy_site("Caddyfile", text, ["example.com"], [respond_route("Caddyfile", text, body)])
    dep.add(FileFacts("Caddyfile", sites=[Site("caddy", [host], [Listen(443, True)], [route], Span("Caddyfile", 0, 1))]))
    return dep


def test_rtc200_blames_a_known_wrong_upstream_but_not_an_opaque_one():
    assert run_rule("RTC200", _url_tree(proxy_route("livekit", 7880, PathMatch("any"))))
    assert run_rule("RTC200", _url_tree(proxy_route("127.0.0.1", 8080, PathMatch("any")))) == []
    traefik = Service("traefik", "proxy", "compose", Span("c", 0, 1))
    dep = _url_tree(proxy_route("traefik", 80, PathMatch("any")))
    dep.add(FileFacts("c", services=[traefik]))
    assert run_rule("RTC200", dep) == []


def test_rtc207_compares_with_the_bound_port():
    jwt = Service("lk-jwt-service", "jwt", "compose", Span("docker-compose.yml", 0, 1),
                  env={"LIVEKIT_JWT_BIND": EnvVar("LIVEKIT_JWT_BIND", ":8081", Span("docker-compose.yml", 0, 1))})
    route = proxy_route("lk-jwt-service", 8080, PathMatch("any"))
    site = Site("caddy", ["jwt.example.com"], [Listen(443, True)], [route], Span("Caddyfile", 0, 1))
    dep = Deployment()
    dep.add(FileFacts("Caddyfile", sites=[site], services=[jwt]))
    [diag] = run_rule("RTC207", dep)
    assert "8081" in diag.message and "docker-compose.yml" in diag.message
    jwt.env = {}  # default 8080
    assert run_rule("RTC207", dep) == []
