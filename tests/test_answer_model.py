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
