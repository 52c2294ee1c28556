"""Hand-written variants for what the answer model learned last: nginx variables in
`add_header` values and `return` bodies (an empty value sends no header), HAProxy
conditions with `or`/`||`, a named ACL on several lines, `method`, `ssl_fc`, `,lower`
and `-m` methods, and `http-request redirect location|prefix|scheme`; Caddy named
matchers with `method`, `header` (wildcards, `!field`), `not` and `not host`, also on
`header @name` lines. Each is replayed
whole (the sample too): before the model read them they were unknown or disagreed."""

from __future__ import annotations

import os

NGINX_TLS = "listen 443 ssl; server_name matrix.example.com example.com;\n  " \
            "ssl_certificate /etc/replay/tls/site.pem; ssl_certificate_key /etc/replay/tls/site.pem;"
NGINX = {
    "nginx-vars-headers.conf": "server { " + NGINX_TLS + """
  location = /.well-known/matrix/client { add_header Access-Control-Allow-Origin $http_origin always; default_type application/json; return 200 '{"m.homeserver":{"base_url":"https://$host"}}'; }
  location /livekit/jwt/ { add_header Access-Control-Allow-Origin "$http_origin" always; proxy_pass http://lk-jwt:8080/; }
  location / { add_header X-Where "$scheme://$host$request_uri"; add_header Access-Control-Allow-Origin $http_x_nothing always; proxy_pass http://livekit:7880; }
}
""",
    "nginx-vars-inherited.conf": "server { " + NGINX_TLS + """
  add_header Access-Control-Allow-Origin $http_origin;
  location = /.well-known/matrix/client { return 200 '{"m.homeserver":{"base_url":"$scheme://$host:$server_port"}}'; }
  location /livekit/jwt/ { if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin '$http_origin' always; return 204; } proxy_pass http://lk-jwt:8080/; }
  location ~ ^/rtc { proxy_pass http://livekit:7880; }
}
""",
}
HA_HEAD = """global
  log stdout format raw local0
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout tunnel 1h
frontend https
  bind :443 ssl crt /etc/replay/haproxy/site.pem
  bind :80
"""
HA_TAIL = """backend jwt
  http-request set-path %[path,regsub(^/livekit/jwt/,/)]
  server jwt lk-jwt:8080
backend sfu
  server sfu livekit:7880
backend synapse
  server synapse synapse:8008
"""
HAPROXY = {
    "haproxy-or-acls.cfg": """  acl wk path /.well-known/matrix/client
  acl wks path /.well-known/matrix/server
  acl jwt path_beg /livekit/jwt/
  acl rtc path_beg /rtc || path_beg /twirp
  acl is_options method OPTIONS
  http-request redirect scheme https code 301 unless { ssl_fc }
  http-after-response set-header Access-Control-Allow-Origin "*"
  http-request return status 200 content-type application/json string '{"m.server":"matrix.example.com:443"}' if wks or { path /.well-known/matrix/client } { method OPTIONS }
  http-request return status 204 if is_options jwt
  use_backend jwt if jwt || { path_beg /sfu/ } or { path /get_token }
  use_backend sfu if rtc or { path_beg,lower /livekit/sfu/ }
  use_backend synapse if wk or { hdr(host) -i example.com } !jwt
  default_backend sfu
""",
    "haproxy-redirects.cfg": """  http-request redirect prefix https://matrix.example.com code 308 if { hdr(host) -i example.com } { path_beg /_matrix/ }
  http-request redirect location https://matrix.example.com/.well-known/matrix/client if { path /.well-known/matrix/client } { hdr_beg(host) -i matrix. } || { path /x }
  http-request redirect prefix / code 302 if { path_end /healthz } !{ method POST }
  use_backend jwt if { path_beg -i /LIVEKIT/JWT/ } or { path_reg ^/(sfu/get|get_token)$ }
  use_backend sfu if { path -m beg /rtc } || { method PUT }
  default_backend synapse
""",
    "haproxy-field-host.cfg": """  acl host_m hdr(host),field(1,:) -i matrix.example.com
  acl host_x req.hdr(host),field(1,:),lower example.com
  http-request return status 200 content-type application/json string '{"m.server":"matrix.example.com:443"}' if host_x { path /.well-known/matrix/server }
  use_backend jwt if host_m { path_beg /livekit/jwt/ }
  use_backend sfu if host_x
  default_backend synapse
""",
    "haproxy-named-or.cfg": """  acl host_m hdr(host) -i matrix.example.com
  acl host_m hdr(host) -i example.com
  acl p_wk path_beg /.well-known/
  http-request redirect scheme https if !{ ssl_fc } p_wk
  http-request return status 200 content-type application/json hdr Access-Control-Allow-Origin "*" string '{"m.homeserver":{"base_url":"https://matrix.example.com"}}' if host_m p_wk or { path /.well-known/matrix/client }
  use_backend jwt if { path_beg /livekit/jwt/ } host_m or { path_sub get_token }
  use_backend sfu if !host_m || { path_beg /rtc }
  default_backend synapse
""",
}


CADDY = {
    "Caddyfile-method-header-not": 'matrix.example.com, example.com {\n  @preflight {\n    method OPTIONS\n    header Origin *\n  }\n  @ws {\n    header Upgrade websocket\n    not method POST\n  }\n  @jwt {\n    path /livekit/jwt/*\n    method POST GET\n  }\n  @notmatrix {\n    not host matrix.example.com\n    path /.well-known/*\n  }\n  @noorigin {\n    header !Origin\n    path /.well-known/matrix/server\n  }\n  handle @preflight {\n    header Access-Control-Allow-Origin "*"\n    respond 204\n  }\n  handle @notmatrix {\n    header Access-Control-Allow-Origin "*"\n    respond `{"m.homeserver":{"base_url":"https://matrix.example.com"}}` 200\n  }\n  handle @noorigin {\n    respond `{"m.server":"matrix.example.com:443"}` 200\n  }\n  handle @ws {\n    reverse_proxy livekit:7880\n  }\n  handle_path /livekit/jwt/* {\n    @post method POST\n    handle @post {\n      reverse_proxy lk-jwt:8080\n    }\n    respond "jwt get" 200\n  }\n  handle @jwt {\n    respond "never" 404\n  }\n  handle {\n    reverse_proxy synapse:8008\n  }\n}\n',
    "Caddyfile-header-matchers": 'matrix.example.com, example.com {\n  @cors header Origin https://call.*\n  @json header Content-Type *json*\n  @notget not method GET HEAD\n  @hostm host example.com\n  @nothost not host example.com\n  header @cors Access-Control-Allow-Origin "*"\n  handle @notget {\n    handle @json {\n      reverse_proxy lk-jwt:8080\n    }\n    respond "not json" 415\n  }\n  handle @nothost {\n    reverse_proxy livekit:7880\n  }\n  handle @hostm {\n    respond /.well-known/matrix/client `{"m.homeserver":{"base_url":"https://matrix.example.com"}}` 200\n    reverse_proxy synapse:8008\n  }\n}\n',
}


def semantics(out: str) -> list[tuple[str, str]]:
    os.makedirs(out, exist_ok=True)
    found = []
    for name, text in NGINX.items():
        found.append(("nginx", _write(out, name, text)))
    for name, text in HAPROXY.items():
        found.append(("haproxy", _write(out, name, HA_HEAD + text + HA_TAIL)))
    for name, text in CADDY.items():
        found.append(("caddy", _write(out, name, text)))
    return found


def _write(out: str, name: str, text: str) -> str:
    path = os.path.join(out, name)
    with open(path, "w") as fh:
        fh.write(text)
    return path
