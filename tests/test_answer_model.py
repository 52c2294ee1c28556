"""The answer model on small configs whose real answers `make replay` checks: nginx
location choice, add_header `always`, proxy_pass URI replacement, `if`; Caddy handle_path;
HAProxy rule order; unknown with a reason where the model cannot decide."""

import os

from rtclint.engine import Loader
from rtclint.model.answer import Request, answer
from rtclint.parsers import parser_for
from rtclint.parsers.base import Tree


def sites(tmp_path, kind, name, text):
    path = tmp_path / name
    path.write_text(text)
    loader = Loader()
    doc = loader.load(str(path), kind)
    tree = Tree([str(tmp_path)], loader.load, {str(path): kind})
    return parser_for(kind).read(doc, tree).sites


def get(path, host="matrix.example.com", method="GET", port=443, headers=None):
    return Request("https", host, port, method, path, headers or {})


NGINX = """
server {
  listen 443 ssl; server_name matrix.example.com;
  add_header Access-Control-Allow-Origin * always;
  location = /.well-known/matrix/client { add_header X-Other 1; return 200 '{"a":1}'; }
  location /.well-known/matrix/ { default_type application/json; return 404 '{}'; }
  location /livekit/jwt/ {
    if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin * always; return 204; }
    proxy_pass http://lk-jwt:8080/;
  }
  location ~ ^/rtc { proxy_pass http://livekit:7880; proxy_set_header Upgrade $http_upgrade;
                     proxy_set_header Connection upgrade; }
  location /lua/ { content_by_lua_block { ngx.say("x") } }
}
"""


def test_nginx_exact_location_drops_server_headers(tmp_path):
    got = answer(sites(tmp_path, "nginx", "a.conf", NGINX), get("/.well-known/matrix/client"))
    assert (got.kind, got.status, got.body, got.content_type) == ("respond", 200, '{"a":1}', "text/plain")
    assert got.header_values("access-control-allow-origin") == []


def test_nginx_prefix_location_inherits_always_header_on_404(tmp_path):
    got = answer(sites(tmp_path, "nginx", "a.conf", NGINX), get("/.well-known/matrix/server"))
    assert (got.status, got.content_type) == (404, "application/json")
    assert got.header_values("access-control-allow-origin") == ["*"]


def test_nginx_proxy_pass_uri_replaces_the_prefix_and_if_answers_options(tmp_path):
    found = sites(tmp_path, "nginx", "a.conf", NGINX)
    got = answer(found, get("/livekit/jwt/sfu/get", method="POST"))
    assert (got.kind, got.upstream.host, got.upstream.port, got.upstream.path) == ("proxy", "lk-jwt", 8080, "/sfu/get")
    pre = answer(found, get("/livekit/jwt/sfu/get", method="OPTIONS"))
    assert (pre.kind, pre.status, pre.header_values("access-control-allow-origin")) == ("respond", 204, ["*"])


def test_nginx_regex_location_passes_upgrade(tmp_path):
    got = answer(sites(tmp_path, "nginx", "a.conf", NGINX), get("/rtc/v1", headers={"upgrade": "websocket"}))
    assert (got.upstream.path, got.upstream.upgrade) == ("/rtc/v1", True)


def test_nginx_lua_is_unknown_with_the_reason(tmp_path):
    got = answer(sites(tmp_path, "nginx", "a.conf", NGINX), get("/lua/x"))
    assert got.kind == "unknown" and "content_by_lua_block" in got.reason


def test_nginx_no_location_static_404_and_405(tmp_path):
    found = sites(tmp_path, "nginx", "a.conf", NGINX)
    assert answer(found, get("/nothing")).status == 404
    assert answer(found, get("/nothing", method="OPTIONS")).status == 405


CADDY = """
matrix.example.com {
  header Access-Control-Allow-Origin *
  handle_path /livekit/jwt/* {
    reverse_proxy lk-jwt:8080
  }
  handle /.well-known/matrix/client {
    respond `{"a":1}`
  }
}
"""


def test_caddy_handle_path_strips_and_json_body_gets_json_type(tmp_path):
    found = sites(tmp_path, "caddy", "Caddyfile", CADDY)
    got = answer(found, get("/livekit/jwt/get_token", method="POST"))
    assert (got.kind, got.upstream.host, got.upstream.path, got.upstream.upgrade) == ("proxy", "lk-jwt", "/get_token",
                                                                                      False)
    wk = answer(found, get("/.well-known/matrix/client"))
    assert (wk.status, wk.body, wk.content_type) == (200, '{"a":1}', "application/json")
    assert wk.header_values("access-control-allow-origin") == ["*"]
    none = answer(found, get("/elsewhere"))
    assert (none.kind, none.status, none.body) == ("respond", 200, "")


HAPROXY = """
frontend https
  mode http
  bind :443 ssl crt /etc/x.pem
  acl jwt path_beg /livekit/jwt/
  acl wk path /.well-known/matrix/client
  http-request return status 200 content-type application/json string '{}' if wk
  use_backend jwt if jwt
  default_backend synapse
backend jwt
  http-request replace-path /livekit/jwt(/.*) \\1
  server jwt lk-jwt:8080
backend synapse
  server s synapse:8008
"""


def test_haproxy_rules_in_order(tmp_path):
    found = sites(tmp_path, "haproxy", "haproxy.cfg", HAPROXY)
    wk = answer(found, get("/.well-known/matrix/client"))
    assert (wk.kind, wk.status, wk.body, wk.content_type) == ("respond", 200, "{}", "application/json")
    jwt = answer(found, get("/livekit/jwt/sfu/get", method="POST"))
    assert (jwt.upstream.host, jwt.upstream.path) == ("lk-jwt", "/sfu/get")
    rest = answer(found, get("/_matrix/client/v1/rtc/transports"))
    assert (rest.upstream.host, rest.upstream.port) == ("synapse", 8008)


def test_no_site_for_the_port_is_unknown(tmp_path):
    got = answer(sites(tmp_path, "haproxy", "haproxy.cfg", HAPROXY), get("/", port=8443))
    assert got.kind == "unknown" and "8443" in got.reason


HAPROXY_OR = """
frontend https
  mode http
  bind :443 ssl crt /etc/x.pem
  bind :80
  acl jwt path_beg /livekit/jwt/
  acl host_m hdr(host) -i matrix.example.com
  acl host_m hdr(host) -i example.com
  http-request redirect scheme https code 301 unless { ssl_fc }
  http-request redirect prefix https://matrix.example.com code 308 if { hdr(host) -i example.com } { path_beg /_matrix/ }
  http-request redirect location https://x.example/a if { path /a } || { method PUT }
  use_backend jwt if jwt host_m or { path_sub get_token }
  use_backend sfu if !host_m || { path_beg,lower /rtc }
  default_backend synapse
backend jwt
  server jwt lk-jwt:8080
backend sfu
  server sfu livekit:7880
backend synapse
  server s synapse:8008
"""


def test_haproxy_or_conditions_and_redirects(tmp_path):
    """Checked against the real haproxy by tools/replay/semantics.py."""
    found = sites(tmp_path, "haproxy", "haproxy.cfg", HAPROXY_OR)
    plain = answer(found, Request("http", "matrix.example.com", 80, "GET", "/x"))
    assert (plain.kind, plain.status, plain.location) == ("redirect", 301, "https://matrix.example.com/x")
    moved = answer(found, get("/_matrix/client/versions", host="example.com"))
    assert (moved.status, moved.location) == (308, "https://matrix.example.com/_matrix/client/versions")
    assert answer(found, get("/a")).location == "https://x.example/a"
    assert answer(found, get("/b", method="PUT")).location == "https://x.example/a"
    assert answer(found, get("/livekit/jwt/sfu/get")).upstream.host == "lk-jwt"
    assert answer(found, get("/other/get_token", host="elsewhere.example")).upstream.host == "lk-jwt"
    assert answer(found, get("/livekit/jwt/sfu/get", host="elsewhere.example")).upstream.host == "livekit"
    assert answer(found, get("/RTC", host="example.com")).upstream.host == "livekit"
    assert answer(found, get("/", host="example.com")).upstream.host == "synapse"


def test_haproxy_unknown_fetch_in_an_or_stays_unknown(tmp_path):
    text = HAPROXY_OR.replace("or { path_sub get_token }", "or { src 10.0.0.0/8 }")
    found = sites(tmp_path, "haproxy", "haproxy.cfg", text)
    assert answer(found, get("/x", host="example.com")).kind == "unknown"  # jwt false, src undecided
    assert answer(found, get("/livekit/jwt/x", host="example.com")).upstream.host == "lk-jwt"  # true or anything


def test_nginx_header_variables_expand_and_empty_ones_are_not_sent(tmp_path):
    text = """
server {
  listen 443 ssl; server_name matrix.example.com;
  location / { add_header Access-Control-Allow-Origin $http_origin always; add_header X-Empty $http_x_none;
               add_header X-Where "$scheme://$host$request_uri"; add_header X-Odd $hostname; return 200 'x'; }
}
"""
    found = sites(tmp_path, "nginx", "nginx.conf", text)
    got = answer(found, get("/p", headers={"origin": "https://call.example.net"}))
    values = {h.name: h.value for h in got.headers}
    assert values == {"Access-Control-Allow-Origin": "https://call.example.net",
                      "X-Where": "https://matrix.example.com/p", "X-Odd": "$hostname"}


CADDY_MATCHERS = """
matrix.example.com, example.com {
  @preflight {
    method OPTIONS
    header Origin *
  }
  @cors header Origin https://call.*
  @nothost not host example.com
  @ua header User-Agent curl*
  header @cors Access-Control-Allow-Origin "*"
  handle @preflight {
    respond 204
  }
  handle @ua {
    respond "curl" 200
  }
  handle @nothost {
    reverse_proxy livekit:7880
  }
  handle {
    reverse_proxy synapse:8008
  }
}
"""


def test_caddy_method_header_and_not_host_matchers(tmp_path):
    """Checked against the real Caddy by tools/replay/semantics.py."""
    found = sites(tmp_path, "caddy", "Caddyfile", CADDY_MATCHERS)
    origin = {"origin": "https://call.example.net"}
    pre = answer(found, get("/sfu/get", method="OPTIONS", headers=origin))
    assert (pre.kind, pre.status, pre.header_values("access-control-allow-origin")) == ("respond", 204, ["*"])
    # no Origin: neither the preflight handle nor the CORS header; then User-Agent is unknowable
    plain = answer(found, get("/sfu/get", method="OPTIONS"))
    assert plain.kind == "unknown" and "header" in plain.reason


def test_caddy_not_host_is_a_condition_not_a_host(tmp_path):
    text = CADDY_MATCHERS.replace("  @ua header User-Agent curl*\n", "").replace(
        "  handle @ua {\n    respond \"curl\" 200\n  }\n", "")
    found = sites(tmp_path, "caddy", "Caddyfile", text)
    assert answer(found, get("/rtc", host="matrix.example.com")).upstream.host == "livekit"
    assert answer(found, get("/rtc", host="example.com")).upstream.host == "synapse"
