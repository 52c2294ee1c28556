"""No output ever contains a secret found in the tree.

Unique secret strings are planted in every place a LiveKit secret can live (Compose
environment, .env, livekit.yaml keys, LIVEKIT_KEYS, Kubernetes ConfigMap and Secret, ESS
values); every output format — and the fix diff — is grepped for them. Some plants are
also wrong on purpose (too short, placeholder-like, mismatched) so rules that talk about
secrets fire and their messages are covered."""

import subprocess
import sys

import pytest

SECRETS = {
    "compose": "S3cr3tCompose9f8e7d6c5b4a3928171615",
    "short": "tinyQ7x9",
    "envfile": "EnvFileSecret0a1b2c3d4e5f6a7b8c9d0e1f",
    "livekit": "LiveKitYamlSecretZ9Y8X7W6V5U4T3S2R1Q0",
    "keys_env": "KeysEnvSecretM1N2B3V4C5X6Z7L8K9J0H1G2",
    "configmap": "ConfigMapSecretP0O9I8U7Y6T5R4E3W2Q1A2",
    "ess": "EssValuesSecretQ1W2E3R4T5Y6U7I8O9P0A1S2",
    "k8s_secret": "KubeSecretValueA9S8D7F6G5H4J3K2L1Z0X9",
}


def plant(tree):
    (tree / "docker-compose.yml").write_text(f"""services:
  lk-jwt-service:
    image: ghcr.io/element-hq/lk-jwt-service:0.6.0
    env_file: jwt.env
    environment:
      - LIVEKIT_URL=https://rtc.example.com/
      - LIVEKIT_KEY=prodkey
      - LIVEKIT_SECRET={SECRETS['compose']}
      - LK_JWT_PORT=8080
  livekit:
    image: livekit/livekit-server:latest
    environment:
      LIVEKIT_KEYS: "prodkey:{SECRETS['keys_env']}"
    volumes:
      - ./livekit.yaml:/etc/livekit.yaml
""")
    (tree / "jwt.env").write_text(f"LIVEKIT_SECRET={SECRETS['envfile']}\nLIVEKIT_INSECURE_SKIP_VERIFY_TLS=YES_I_KNOW_WHAT_I_AM_DOING\n")
    (tree / "livekit.yaml").write_text(f"""port: 7880
rtc:
  tcp_port: 7881
  use_external_ip: false
keys:
  prodkey: {SECRETS['livekit']}
  otherkey: {SECRETS['short']}
webhook:
  api_key: unknownkey
""")
    (tree / "k8s.yaml").write_text(f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: lk
data:
  LIVEKIT_SECRET: {SECRETS['configmap']}
---
apiVersion: v1
kind: Secret
metadata:
  name: lk-secret
stringData:
  LIVEKIT_SECRET: {SECRETS['k8s_secret']}
""")
    (tree / "values.yaml").write_text(f"""serverName: example.com
matrixRTC:
  livekitAuth:
    key: prodkey
    secret:
      value: {SECRETS['ess']}
""")


@pytest.mark.parametrize("extra", [
    ["--format", "text"], ["--format", "json"], ["--format", "sarif"], ["--format", "github"],
    ["--format", "text", "--statistics"], ["--diff"], ["--diff", "--unsafe-fixes"],
])
def test_no_output_contains_a_planted_secret(tmp_path, extra):
    plant(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--no-cache", *extra, "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout + proc.stderr
    assert out.strip(), "no output at all"
    leaked = [name for name, value in SECRETS.items() if value in out]
    assert not leaked, f"leaked {leaked} with {extra}"


def test_planted_tree_has_findings_about_secrets(tmp_path):
    """The leak test is only meaningful if rules actually talk about these secrets."""
    import json

    plant(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--no-cache", "--format", "json", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    codes = {d["code"] for d in json.loads(proc.stdout)["diagnostics"]}
    assert {"RTC900", "RTC401"} <= codes, codes


# ---- every file kind, every output, every file rtclint writes ---------------------------

EVERYWHERE = {
    "compose_env": "ComposeEnvSecret7d1e2f3a4b5c6d7e8f9a",
    "compose_token": "ComposeApiTokenValue5k4j3h2g1f0e9d8c",
    "dotenv": "DotEnvPostgresPassword9q8w7e6r5t4y3",
    "jwt_env": "JwtEnvFileSecret3c4d5e6f7a8b9c0d1e2f",
    "livekit_keys": "LiveKitKeysSecretB2C3D4E5F6A7B8C9D0E1",
    "livekit_short": "shrtK3y9",
    "key_file": "KeyFileSecretF1E2D3C4B5A6F7E8D9C0B1",
    "configmap": "ConfigMapLiveKitSecretN5M6L7K8J9H0G1",
    "k8s_secret": "KubeStringDataSecretR4T5Y6U7I8O9P0Q1",
    "k8s_env": "KubeContainerEnvSecretV1W2X3Y4Z5A6B7",
    "ess": "EssLivekitAuthSecretC8D9E0F1A2B3C4D5",
    "registration": "RegistrationSharedSecretH6J7K8L9M0N1",
    "macaroon": "MacaroonSecretKeyP2Q3R4S5T6U7V8W9X0",
    "form": "FormSecretValueY1Z2A3B4C5D6E7F8G9H0",
    "caddy_header": "CaddyBearerTokenI1J2K3L4M5N6O7P8Q9",
    "nginx_header": "NginxAuthTokenR0S1T2U3V4W5X6Y7Z8A9",
    "haproxy_header": "HaproxyBearerTokenB0C1D2E3F4G5H6I7",
}


def plant_everywhere(tree):
    s = EVERYWHERE
    (tree / "docker-compose.yml").write_text(f"""services:
  lk-jwt-service:
    image: ghcr.io/element-hq/lk-jwt-service:0.6.0
    env_file: jwt.env
    environment:
      - LK_JWT_PORT=8080
      - LIVEKIT_URL=wss://rtc.example.com
      - LIVEKIT_KEY=prodkey
      - LIVEKIT_SECRET={s['compose_env']}
      - SOME_API_TOKEN={s['compose_token']}
  livekit:
    image: livekit/livekit-server:v1.8
    command: --config /etc/livekit.yaml
    volumes:
      - ./livekit.yaml:/etc/livekit.yaml
""")
    (tree / ".env").write_text(f"POSTGRES_PASSWORD={s['dotenv']}\n")
    (tree / "jwt.env").write_text(f"LIVEKIT_SECRET={s['jwt_env']}\n")
    (tree / "livekit.yaml").write_text(f"""port: 7880
rtc:
  tcp_port: 7881
keys:
  prodkey: {s['livekit_keys']}
  shortkey: {s['livekit_short']}
key_file: /etc/livekit-keys.yaml
""")
    (tree / "livekit-keys.yaml").write_text(f"filekey: {s['key_file']}\n")
    (tree / "k8s.yaml").write_text(f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: lk
data:
  LIVEKIT_SECRET: {s['configmap']}
---
apiVersion: v1
kind: Secret
metadata:
  name: lk-secret
stringData:
  jwt-secret: {s['k8s_secret']}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lk-jwt
spec:
  template:
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.6.0
          env:
            - name: LIVEKIT_SECRET
              value: "{s['k8s_env']}"
""")
    (tree / "values.yaml").write_text(f"""serverName: example.com
matrixRTC:
  livekitAuth:
    key: prodkey
    secret:
      value: {s['ess']}
""")
    (tree / "homeserver.yaml").write_text(f"""server_name: example.com
registration_shared_secret: "{s['registration']}"
macaroon_secret_key: '{s['macaroon']}'
form_secret: {s['form']}
experimental_features:
  msc3266_enabled: true
""")
    (tree / "Caddyfile").write_text(f"""example.com {{
	reverse_proxy /_matrix/* synapse:8008 {{
		header_up Authorization "Bearer {s['caddy_header']}"
	}}
}}
""")
    (tree / "nginx.conf").write_text(f"""events {{}}
http {{
    server {{
        listen 443 ssl;
        server_name matrix.example.com;
        location /_matrix {{
            proxy_set_header X-Auth-Token {s['nginx_header']};
            proxy_pass http://synapse:8008;
        }}
    }}
}}
""")
    (tree / "haproxy.cfg").write_text(f"""frontend https
    bind :443
    http-request set-header Authorization "Bearer {s['haproxy_header']}"
    default_backend synapse
backend synapse
    server s1 synapse:8008
""")


def _leaks(text: str) -> list[str]:
    return [name for name, value in EVERYWHERE.items() if value in text]


def _written_files(tree) -> dict[str, str]:
    """Every file under `tree` that rtclint wrote (not one of the planted configs)."""
    planted = {"docker-compose.yml", ".env", "jwt.env", "livekit.yaml", "livekit-keys.yaml", "k8s.yaml",
               "values.yaml", "homeserver.yaml", "Caddyfile", "nginx.conf", "haproxy.cfg"}
    out = {}
    for path in tree.rglob("*"):
        if path.is_file() and str(path.relative_to(tree)) not in planted:
            out[str(path.relative_to(tree))] = path.read_bytes().decode("utf-8", "replace")
    return out


def test_no_output_or_written_file_holds_any_planted_secret(tmp_path):
    import os

    tree = tmp_path / "tree"
    tree.mkdir()
    plant_everywhere(tree)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}

    def run(*args):
        proc = subprocess.run([sys.executable, "-m", "rtclint", "check", *args], cwd=tree, capture_output=True,
                              text=True, timeout=120, env=env)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.stdout + proc.stderr

    outputs = {}
    for fmt in ("text", "json", "sarif", "github", "html", "mermaid"):
        outputs[fmt] = run("--format", fmt, "--statistics", ".") if fmt == "text" else run("--format", fmt, ".")
        outputs[f"{fmt} -o"] = run("--format", fmt, "-o", f"report.{fmt}", ".")
    outputs["baseline"] = run("--write-baseline", "baseline.json", ".")
    outputs["with baseline"] = run("--baseline", "baseline.json", ".")
    outputs["diff"] = run("--diff", "--unsafe-fixes", ".")
    (tree / "fix.patch").write_text(outputs["diff"])
    written = _written_files(tree)
    assert "baseline.json" in written and "report.sarif" in written
    assert any(name.startswith(".rtclint_cache/") for name in written), sorted(written)
    leaked = {name: _leaks(text) for name, text in {**outputs, **written}.items() if _leaks(text)}
    assert not leaked, leaked


def test_the_planted_secrets_are_recognised_as_secrets(tmp_path):
    """The leak test above means something only if every plant is read as a secret (and
    would otherwise show: most of them sit on lines the text report quotes)."""
    from rtclint.engine import check
    from rtclint.model.secrets import of

    plant_everywhere(tmp_path)
    result = check([str(tmp_path)])
    found = of(result.deployment)
    missing = [name for name, value in EVERYWHERE.items() if value not in found.values]
    assert not missing


def test_a_baseline_holds_fingerprints_only(tmp_path):
    import json

    plant_everywhere(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rtclint", "check", "--no-cache", "--write-baseline", "b.json", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    entries = json.loads((tmp_path / "b.json").read_text())["entries"]
    assert entries and all(set(e) == {"path", "code", "hash", "count"} for e in entries)


def test_a_traceback_that_escapes_is_masked(tmp_path):
    """Even a crash the CLI does not catch never prints a secret the run has seen."""
    plant_everywhere(tmp_path)
    code = ("import sys; from rtclint.engine import check; check([sys.argv[1]]); "
            f"raise RuntimeError('bad value ' + {EVERYWHERE['macaroon']!r})")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert "RuntimeError: bad value ****" in proc.stderr
    assert not _leaks(proc.stderr)


def test_the_json_report_written_a_piece_at_a_time_masks_as_the_whole_text(tmp_path, monkeypatch):
    """`--format json` is written as it is encoded, each chunk masked on its own: with a
    chunk per finding, the text is still the whole report masked at once, and holds
    no planted secret."""
    from rtclint.engine import check
    from rtclint.model.secrets import of
    from rtclint.report import emitter, json_report

    plant(tmp_path)
    result = check([str(tmp_path)])
    whole = of(result.deployment).mask(json_report.render(result))
    monkeypatch.setattr(json_report, "FINDINGS_AT_ONCE", 1)
    chunks = list(emitter("json").render_chunks(result, None))
    assert len(chunks) > len(result.diagnostics)  # a chunk per finding, and the other keys
    assert "".join(chunks) == whole
    assert not [name for name, value in SECRETS.items() if value in whole]
