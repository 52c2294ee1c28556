"""Variants of proxy configs that exercise what people get wrong, written under `out`.

Each server gets the product of a few independent choices (how the well-known is served,
how CORS headers are set, how the JWT service and the SFU are routed, what answers
everything else). Only variants the real server accepts are replayed (run.py starts it:
a config it refuses is skipped, with its complaint)."""

from __future__ import annotations

import itertools
import os

WK = ('{"m.homeserver":{"base_url":"https://matrix.example.com"},"org.matrix.msc4143.rtc_foci":'
      '[{"type":"livekit","livekit_service_url":"https://matrix.example.com/livekit/jwt"}]}')

NGINX_WK = {
    "exact": "location = /.well-known/matrix/client {{ {hdr}{dt}return 200 '{wk}'; }}",
    "prefix": "location /.well-known/matrix/client {{ {hdr}{dt}return 200 '{wk}'; }}",
    "noregex": "location ^~ /.well-known/matrix/ {{ {hdr}{dt}return 200 '{wk}'; }}",
    "regex": "location ~ ^/\\.well-known/matrix/client$ {{ {hdr}{dt}return 200 '{wk}'; }}",
    "proxied": "location /.well-known/matrix/ {{ {hdr}proxy_pass http://synapse:8008; }}",
}
NGINX_HDR = {
    "none": "", "always": "add_header Access-Control-Allow-Origin * always; ",
    "2xx": "add_header Access-Control-Allow-Origin *; ", "other": "add_header X-Frame-Options DENY; ",
    "ctype": "add_header Content-Type application/json always; ",
}
NGINX_JWT = {
    "uri": "location /livekit/jwt/ { proxy_pass http://lk-jwt:8080/; }",
    "nouri": "location /livekit/jwt/ { proxy_pass http://lk-jwt:8080; }",
    "rewrite": "location ^~ /livekit/jwt/ { rewrite ^/livekit/jwt/(.*)$ /$1 break; proxy_pass http://lk-jwt:8080; }",
    "regex": "location ~ ^/(sfu/get|get_token|healthz|delegate_delayed_leave) { proxy_pass http://lk-jwt:8080; }",
    "options": "location /livekit/jwt/ { if ($request_method = OPTIONS) { "
               "add_header Access-Control-Allow-Origin * always; "
               "return 204; } proxy_pass http://lk-jwt:8080/; }",
    "nested": "location /livekit/ { location /livekit/jwt/ { proxy_pass http://lk-jwt:8080/; } "
              "location ~ ^/livekit/sfu/ { proxy_pass http://livekit:7880; } }",
}
NGINX_SFU = {
    "ws": "location /livekit/sfu/ { proxy_pass http://livekit:7880/; proxy_http_version 1.1; "
          "proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_read_timeout 120s; }",
    "plain": "location /livekit/sfu/ { proxy_pass http://livekit:7880/; }",
    "root": "location / { proxy_pass http://livekit:7880; proxy_set_header Upgrade $http_upgrade; "
            "proxy_set_header Connection upgrade; }",
}
NGINX_SERVER_HDR = {"none": "", "cors": "add_header Access-Control-Allow-Origin * always; ",
                    "json": "default_type application/json; "}


def nginx(out: str) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(NGINX_WK, NGINX_HDR, ("", "default_type application/json; "), NGINX_JWT, NGINX_SFU,
                             NGINX_SERVER_HDR)
    for i, (wk, hdr, dt, jwt, sfu, server_hdr) in enumerate(axes):
        if i % 23:  # a spread of the product, not all of it
            continue
        body = NGINX_WK[wk].format(hdr=NGINX_HDR[hdr], dt=dt, wk=WK)
        text = (f"server {{ listen 443 ssl; server_name matrix.example.com example.com; "
                f"ssl_certificate /etc/replay/tls/site.pem; ssl_certificate_key /etc/replay/tls/site.pem;\n"
                f"  {NGINX_SERVER_HDR[server_hdr]}\n  {body}\n  {NGINX_JWT[jwt]}\n  {NGINX_SFU[sfu]}\n}}\n"
                f"server {{ listen 80; server_name example.com; return 301 https://$host$request_uri; }}\n")
        found.append(_write(out, f"nginx-{i:04d}.conf", text, "nginx"))
    return found


CADDY_WK = {
    "respond": "respond /.well-known/matrix/client `{wk}` 200",
    "handle": "handle /.well-known/matrix/client {{\n    {hdr}\n    respond `{wk}`\n  }}",
    "route": "route /.well-known/matrix/* {{\n    {hdr}\n    respond `{wk}`\n  }}",
    "named": "@wk path /.well-known/matrix/client\n  handle @wk {{\n    {hdr}\n    respond `{wk}` 200\n  }}",
    "text": "handle /.well-known/matrix/client {{\n    {hdr}\n    respond \"not json\"\n  }}",
    "proxied": "handle /.well-known/matrix/* {{\n    {hdr}\n    reverse_proxy synapse:8008\n  }}",
}
CADDY_HDR = {"none": "", "cors": "header Access-Control-Allow-Origin *",
             "ctype": "header Content-Type application/json", "import": "import cors"}
CADDY_JWT = {
    "handle_path": "handle_path /livekit/jwt/* {\n    reverse_proxy lk-jwt:8080\n  }",
    "strip": "handle /livekit/jwt/* {\n    uri strip_prefix /livekit/jwt\n    reverse_proxy lk-jwt:8080\n  }",
    "route": "route /livekit/jwt/* {\n    uri strip_prefix /livekit/jwt\n    reverse_proxy lk-jwt:8080\n  }",
    "handle": "handle /livekit/jwt/* {\n    reverse_proxy lk-jwt:8080\n  }",
    "paths": "@jwt path /sfu/get* /get_token* /healthz /delegate_delayed_leave\n  handle @jwt {\n"
             "    reverse_proxy lk-jwt:8080\n  }",
}
CADDY_SFU = {
    "handle_path": "handle_path /livekit/sfu/* {\n    reverse_proxy livekit:7880\n  }",
    "handle": "handle /livekit/sfu/* {\n    reverse_proxy livekit:7880\n  }",
    "root": "reverse_proxy /rtc* livekit:7880",
}
CADDY_REST = {"none": "", "404": "handle {\n    respond 404\n  }", "redir": "redir /old /new 301",
              "synapse": "reverse_proxy /_matrix/* synapse:8008"}


def caddy(out: str) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(CADDY_WK, CADDY_HDR, CADDY_JWT, CADDY_SFU, CADDY_REST)
    for i, (wk, hdr, jwt, sfu, rest) in enumerate(axes):
        if i % 11:
            continue
        body = CADDY_WK[wk].format(hdr=CADDY_HDR[hdr], wk=WK)
        text = ("(cors) {\n  header Access-Control-Allow-Origin *\n}\n"
                f"matrix.example.com, example.com {{\n  {body}\n  {CADDY_JWT[jwt]}\n  {CADDY_SFU[sfu]}\n"
                f"  {CADDY_REST[rest]}\n}}\n")
        found.append(_write(out, f"Caddyfile-{i:04d}", text, "caddy"))
    return found


HA_WK = {
    "return": "http-request return status 200 content-type application/json {hdr}string '{wk}' "
              "if {{ path /.well-known/matrix/client }}",
    "lf": 'http-request return status 200 content-type "application/json" {hdr}lf-string \'{wk}\' if is_wk',
    "notype": "http-request return status 200 {hdr}string '{wk}' if is_wk",
    "proxied": "use_backend synapse if is_wk",
}
HA_ACL = {"plain": "acl is_wk path /.well-known/matrix/client", "beg": "acl is_wk path_beg /.well-known/matrix/",
          "ci": "acl is_wk path -i /.well-known/matrix/client", "m": "acl is_wk path -m beg /.well-known/matrix/c"}
HA_HDR = {"none": "", "cors": 'hdr Access-Control-Allow-Origin "*" '}
HA_JWT = {
    "replace": ("acl jwt path_beg /livekit/jwt/", "http-request replace-path /livekit/jwt(/.*) \\1"),
    "setpath": ("acl jwt path_beg /livekit/jwt/", "http-request set-path %[path,regsub(^/livekit/jwt/,/)]"),
    "root": ("acl jwt path /sfu/get /get_token /healthz /delegate_delayed_leave", ""),
    "host": ("acl jwt hdr(host) -i matrix.example.com", ""),
}
HA_ORDER = ("jwt-first", "sfu-first")
HA_DEFAULT = {"synapse": "default_backend synapse", "none": ""}


def haproxy(out: str) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(HA_WK, HA_ACL, HA_HDR, HA_JWT, HA_ORDER, HA_DEFAULT)
    for i, (wk, acl, hdr, jwt, order, default) in enumerate(axes):
        if i % 5:
            continue
        jwt_acl, jwt_rewrite = HA_JWT[jwt]
        uses = ["use_backend jwt if jwt", "use_backend sfu if sfu"]
        if order == "sfu-first":
            uses.reverse()
        text = ("global\n  log stdout format raw local0\ndefaults\n  mode http\n  timeout connect 5s\n"
                "  timeout client 30s\n  timeout server 30s\n  timeout tunnel 1h\n"
                "frontend https\n  bind :443 ssl crt /etc/replay/haproxy/site.pem\n"
                f"  {HA_ACL[acl]}\n  {jwt_acl}\n  acl sfu path_beg /rtc /twirp\n"
                f"  {HA_WK[wk].format(hdr=HA_HDR[hdr], wk=WK)}\n  " + "\n  ".join(uses) + f"\n  {HA_DEFAULT[default]}\n"
                f"backend jwt\n  {jwt_rewrite}\n  server jwt lk-jwt:8080\n"
                "backend sfu\n  server sfu livekit:7880\n"
                "backend synapse\n  server synapse synapse:8008\n")
        found.append(_write(out, f"haproxy-{i:04d}.cfg", text, "haproxy"))
    return found


def _write(out: str, name: str, text: str, kind: str) -> tuple[str, str]:
    path = os.path.join(out, name)
    with open(path, "w") as fh:
        fh.write(text)
    return kind, path


def generate(out: str) -> list[tuple[str, str]]:
    from tools.replay.generate_traefik import traefik
    from tools.replay.generate_traefik_crd import traefik_crds
    from tools.replay.generate_traefik_gateway import traefik_gateways
    from tools.replay.generate_traefik_ingress import traefik_ingresses
    from tools.replay.generate_traefik_labels import traefik_labels

    os.makedirs(out, exist_ok=True)
    return (nginx(out) + haproxy(out) + caddy(out) + traefik(out) + traefik_labels(out) + traefik_crds(out)
            + traefik_ingresses(out) + traefik_gateways(out))
