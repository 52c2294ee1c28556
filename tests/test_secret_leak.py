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
