"""Deterministic generator of a realistic infra corpus for the benchmark.

    python bench/generate.py OUT_DIR [--scale N]

Scale 1: 300 nginx files (3–6 server blocks each), 60 Caddyfiles, 120 multi-document
Kubernetes YAML files, 60 Compose files with their livekit.yaml and homeserver.yaml.
Scale N multiplies every count. The same seed always gives the same bytes."""

from __future__ import annotations

import argparse
import json
import os
import random

NGINX_FILES, CADDY_FILES, KUBE_FILES, COMPOSE_FILES = 300, 60, 120, 60


def well_known(rng: random.Random, domain: str) -> str:
    body = {"m.homeserver": {"base_url": f"https://matrix.{domain}"}}
    if rng.random() < 0.8:
        body["org.matrix.msc4143.rtc_foci"] = [{"type": "livekit", "livekit_service_url": f"https://rtc.{domain}/livekit/jwt"}]
    return json.dumps(body, separators=(",", ":"))


def nginx_server(rng: random.Random, domain: str, i: int) -> str:
    port = rng.choice([443, 443, 443, 8443])
    wk = well_known(rng, domain).replace('"', '\\"')
    cors = "        add_header Access-Control-Allow-Origin * always;\n" if rng.random() < 0.7 else ""
    http_version = "        proxy_http_version 1.1;\n" if rng.random() < 0.6 else ""
    return f"""server {{
    listen {port} ssl;
    server_name {domain} matrix{i}.{domain};
    ssl_certificate /etc/ssl/{domain}.crt;
    ssl_certificate_key /etc/ssl/{domain}.key;

    location = /.well-known/matrix/client {{
        default_type application/json;
{cors}        return 200 "{wk}";
    }}

    location ^~ /livekit/jwt/ {{
        proxy_pass http://lk-jwt-service:8080/;
        proxy_set_header Host $host;
    }}

    location ^~ /livekit/sfu/ {{
        proxy_pass http://livekit:7880/;
{http_version}        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_read_timeout {rng.choice([60, 120, 300])}s;
    }}

    location ~ ^(/_matrix|/_synapse/client) {{
        proxy_pass http://synapse:8008;
        proxy_set_header X-Forwarded-For $remote_addr;
        client_max_body_size 50M;
    }}
}}
"""


def caddyfile(rng: random.Random, n: int) -> str:
    out = ["{\n\temail admin@example.com\n}\n"]
    for i in range(rng.randint(3, 6)):
        domain = f"site{n}-{i}.example.com"
        out.append(f"""{domain} {{
	handle /.well-known/matrix/client {{
		header Access-Control-Allow-Origin *
		respond `{well_known(rng, domain)}`
	}}
	handle_path /livekit/jwt/* {{
		reverse_proxy lk-jwt-service:8080
	}}
	handle_path /livekit/sfu/* {{
		reverse_proxy livekit:7880
	}}
	reverse_proxy /_matrix/* synapse:8008
}}
""")
    return "\n".join(out)


def kube(rng: random.Random, n: int) -> str:
    docs = []
    for i in range(rng.randint(3, 6)):
        name = f"app{n}-{i}"
        docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: matrix
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.6.{rng.randint(0, 3)}
          env:
            - name: LIVEKIT_URL
              value: wss://rtc{n}.example.com
            - name: LIVEKIT_FULL_ACCESS_HOMESERVERS
              value: example.com
            - name: LIVEKIT_SECRET
              valueFrom:
                secretKeyRef: {{name: livekit-{n}, key: secret}}
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports:
    - port: 80
      targetPort: {rng.choice([8080, 8080, 8081])}
""")
    return "---\n".join(docs)


def compose(rng: random.Random, n: int) -> tuple[str, str, str]:
    secret = "".join(rng.choice("abcdef0123456789") for _ in range(rng.choice([16, 40])))
    compose_text = f"""services:
  lk-jwt-service:
    image: ghcr.io/element-hq/lk-jwt-service:0.{rng.randint(3, 6)}.0
    environment:
      - LIVEKIT_JWT_BIND=:8080
      - LIVEKIT_URL=wss://rtc{n}.example.com
      - LIVEKIT_KEY=key{n}
      - LIVEKIT_SECRET={secret}
      - LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com
  livekit:
    image: livekit/livekit-server:v1.13.{rng.randint(0, 4)}
    command: --config /etc/livekit.yaml
    ports:
      - "7881:7881"
      - "50000-50100:50000-50100/udp"
    volumes:
      - ./livekit.yaml:/etc/livekit.yaml:ro
  synapse:
    image: matrixdotorg/synapse:v1.15{rng.randint(0, 7)}.0
    volumes:
      - ./homeserver.yaml:/data/homeserver.yaml
"""
    livekit = f"""port: 7880
rtc:
  tcp_port: 7881
  port_range_start: 50000
  port_range_end: 50100
  use_external_ip: {str(rng.random() < 0.5).lower()}
keys:
  key{n}: {secret}
"""
    homeserver = f"""server_name: example{n}.com
experimental_features:
  msc4143_enabled: true
  msc4222_enabled: {str(rng.random() < 0.5).lower()}
matrix_rtc:
  transports:
    - type: livekit
      livekit_service_url: https://rtc{n}.example.com/livekit/jwt
max_event_delay_duration: 24h
"""
    return compose_text, livekit, homeserver


def write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def generate(out: str, scale: int = 1, seed: int = 20261122,
             sizes: tuple[int, int, int, int] = (NGINX_FILES, CADDY_FILES, KUBE_FILES, COMPOSE_FILES)
             ) -> dict[str, list[str]]:
    """Write the corpus under `out`; returns the file lists per set (nginx, caddy, yaml).
    `sizes` (nginx, Caddy, Kubernetes, Compose files at scale 1) lets tests make small ones."""
    nginx_files, caddy_files, kube_files, compose_files = sizes
    rng = random.Random(seed)
    sets: dict[str, list[str]] = {"nginx": [], "caddy": [], "yaml": []}
    for n in range(nginx_files * scale):
        domain = f"d{n}.example.com"
        text = "\n".join(nginx_server(rng, domain, i) for i in range(rng.randint(3, 6)))
        path = os.path.join(out, "nginx", "sites-enabled", f"site{n}.conf")
        write(path, text)
        sets["nginx"].append(path)
    for n in range(caddy_files * scale):
        path = os.path.join(out, "caddy", f"site{n}", "Caddyfile")
        write(path, caddyfile(rng, n))
        sets["caddy"].append(path)
    for n in range(kube_files * scale):
        path = os.path.join(out, "k8s", f"app{n}.yaml")
        write(path, kube(rng, n))
        sets["yaml"].append(path)
    for n in range(compose_files * scale):
        base = os.path.join(out, "compose", f"stack{n}")
        compose_text, livekit, homeserver = compose(rng, n)
        for name, text in (("docker-compose.yml", compose_text), ("livekit.yaml", livekit),
                           ("homeserver.yaml", homeserver)):
            write(os.path.join(base, name), text)
            sets["yaml"].append(os.path.join(base, name))
    return sets


def kube_set(out: str, files: int = 300, seed: int = 20261122) -> list[str]:
    """`files` multi-document Kubernetes manifests under `out` (Deployments, Services and
    Secrets, as in the corpus): issue #15's "300 Kubernetes YAML files"."""
    rng = random.Random(seed)
    paths = []
    for n in range(files):
        path = os.path.join(out, f"app{n}.yaml")
        write(path, kube(rng, n))
        paths.append(path)
    return paths


def one_line_servers(path: str, blocks: int) -> str:
    """One nginx file of `blocks` `server {…}` blocks, each on one line (how some
    generators and minifiers write them): a scaling case for per-block work."""
    lines = [f"server {{ listen 443 ssl; server_name s{n}.example.com; ssl_certificate /etc/ssl/s{n}.crt; "
             f"ssl_certificate_key /etc/ssl/s{n}.key; location / {{ proxy_pass http://backend{n % 7}:8008; }} }}"
             for n in range(blocks)]
    write(path, "\n".join(lines) + "\n")
    return path


def copy_corpus(source: str, out: str, times: int) -> str:
    """`times` copies of the tree at `source` (the upstream corpus, read at bench time and
    never kept in the repository) side by side under `out`."""
    import shutil

    for n in range(times):
        shutil.copytree(source, os.path.join(out, f"copy{n}"), symlinks=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    counts = {k: len(v) for k, v in generate(args.out, args.scale).items()}
    print(json.dumps(counts))
