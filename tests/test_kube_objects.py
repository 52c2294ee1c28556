"""Kubernetes objects as the API server and the kubelet hand them to a pod: Secret `data`
(base64) and `stringData`, ConfigMap and Secret keys as env (`envFrom`, `valueFrom`) and as
files (volumes with `items`, `subPath`). A config inside them is read as what it is, and a
finding points into the manifest at the value's line."""

import base64
import textwrap

import pytest

from conftest import run_rtclint
from rtclint.model.stacks import jwt_services, livekit_instances
from trees import run, write

SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture value, 32 characters
OTHER = "9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a"


def text_at(result, span):
    return result.deployment.documents[span.path].text[span.start : span.end]


def line_of(result, span):
    return result.deployment.documents[span.path].text.count("\n", 0, span.start) + 1


def livekit(keys_secret_block, volume_items="", sub_path=""):
    """A LiveKit pod mounting Secret `lk-config`, and the JWT pod reading `jwt-auth`."""
    return textwrap.dedent(f"""
        apiVersion: v1
        kind: Secret
        metadata: {{name: lk-config, namespace: rtc}}
        @DATA@
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: livekit, namespace: rtc}}
        spec:
          template:
            metadata: {{labels: {{app: livekit}}}}
            spec:
              containers:
                - name: livekit
                  image: livekit/livekit-server:v1.9.0
                  args: [--config, /etc/livekit/livekit.yaml]
                  volumeMounts:
                    - {{name: config, mountPath: /etc/livekit{sub_path}}}
              volumes:
                - name: config
                  secret:
                    secretName: lk-config{volume_items}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {{name: jwt-auth, namespace: rtc}}
        stringData:
          key: callkey
          secret: {SECRET}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: jwt, namespace: rtc}}
        spec:
          template:
            spec:
              containers:
                - name: jwt
                  image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                  env:
                    - name: LIVEKIT_URL
                      value: wss://sfu.example.org
                    - name: LIVEKIT_KEY
                      valueFrom: {{secretKeyRef: {{name: jwt-auth, key: key}}}}
                    - name: LIVEKIT_SECRET
                      valueFrom: {{secretKeyRef: {{name: jwt-auth, key: secret}}}}
        """).replace("@DATA@\n", keys_secret_block)


def string_data(secret):
    return f"stringData:\n  livekit.yaml: |\n    port: 7880\n    keys:\n      callkey: {secret}\n"


def b64_data(secret):
    body = base64.b64encode(f"port: 7880\nkeys:\n  callkey: {secret}\n".encode()).decode()
    return f"data:\n  livekit.yaml: {body}\n"


def test_secret_key_refs_and_a_livekit_config_in_string_data_agree(tmp_path):
    result = run(tmp_path, {"rtc.yaml": livekit(string_data(SECRET))})
    (jwt,) = jwt_services(result.deployment)
    secret = jwt.env["LIVEKIT_SECRET"]
    assert secret.value == SECRET and text_at(result, secret.value_span) == SECRET
    assert jwt.env["LIVEKIT_KEY"].value == "callkey"
    (inst,) = [i for i in livekit_instances(result.deployment) if i.service is not None]
    assert inst.config.facts["secret"] == "lk-config" and inst.keys()["callkey"].value == SECRET
    codes = {d.code for d in result.diagnostics}
    assert "RTC303" not in codes and "RTC900" not in codes  # Secrets are the right place


def test_a_disagreeing_secret_is_rtc303_at_its_line_in_the_secret(tmp_path):
    result = run(tmp_path, {"rtc.yaml": livekit(string_data(OTHER))})
    (finding,) = [d for d in result.diagnostics if d.code == "RTC303"]
    assert text_at(result, finding.span) == SECRET  # the JWT service's secret, in Secret jwt-auth
    assert result.deployment.documents["rtc.yaml"].text.splitlines()[line_of(result, finding.span) - 1].strip() \
        == f"secret: {SECRET}"
    assert SECRET not in finding.message and OTHER not in finding.message


def test_base64_data_is_decoded_and_the_finding_points_at_the_encoded_value(tmp_path):
    result = run(tmp_path, {"rtc.yaml": livekit(b64_data(OTHER))})
    (inst,) = [i for i in livekit_instances(result.deployment) if i.service is not None]
    located = inst.keys()["callkey"]
    assert located.value == OTHER
    assert base64.b64decode(text_at(result, located.span)).decode().endswith(f"callkey: {OTHER}\n")
    assert [d.code for d in result.diagnostics if d.code == "RTC303"] == ["RTC303"]
    # agreeing keys in base64: quiet
    quiet = run(tmp_path / "ok", {"rtc.yaml": livekit(b64_data(SECRET))})
    assert "RTC303" not in {d.code for d in quiet.diagnostics}


def test_items_and_sub_path_choose_which_keys_are_files(tmp_path):
    elsewhere = "\n                    items: [{key: livekit.yaml, path: other.yaml}]"
    unlinked = run(tmp_path / "a", {"rtc.yaml": livekit(string_data(OTHER), volume_items=elsewhere)})
    linked = [i for i in livekit_instances(unlinked.deployment) if i.service is not None and i.config]
    assert linked and linked[0].config.facts["key"] == "livekit.yaml"  # still mounted (as other.yaml)
    none = "\n                    items: [{key: unrelated, path: x}]"
    alone = run(tmp_path / "b", {"rtc.yaml": livekit(string_data(OTHER), volume_items=none)})
    (pod,) = [i for i in livekit_instances(alone.deployment) if i.service is not None]
    assert pod.config is None  # the key is not a file in the pod: its keys are not this pod's
    sub = run(tmp_path / "c", {"rtc.yaml": livekit(string_data(OTHER), sub_path="/livekit.yaml, subPath: livekit.yaml")})
    (pod,) = [i for i in livekit_instances(sub.deployment) if i.service is not None]
    assert pod.config is not None and pod.config.facts["key"] == "livekit.yaml"


def test_env_from_secret_ref_and_config_map_ref(tmp_path):
    result = run(tmp_path, {"jwt.yaml": f"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: jwt-env}}
        data: {{LIVEKIT_URL: "wss://sfu.example.org", not-an-env-name: x}}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {{name: jwt-keys}}
        data:
          LIVEKIT_KEY: {base64.b64encode(b"callkey").decode()}
          LIVEKIT_SECRET: {base64.b64encode(SECRET.encode()).decode()}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: jwt}}
        spec:
          template:
            spec:
              containers:
                - name: jwt
                  image: ghcr.io/element-hq/lk-jwt-service:0.8.0
                  envFrom: [{{configMapRef: {{name: jwt-env}}}}, {{secretRef: {{name: jwt-keys}}}}]
        """})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.org"
    assert jwt.env["LIVEKIT_SECRET"].value == SECRET and jwt.env["LIVEKIT_SECRET"].from_secret
    assert "not-an-env-name" not in jwt.env and jwt.facts["env_from"] == []
    prefixed = run(tmp_path / "p", {"jwt.yaml": result.deployment.documents["jwt.yaml"].text.replace(
        "{secretRef: {name: jwt-keys}}", "{secretRef: {name: jwt-keys}, prefix: OLD_}")})
    (jwt,) = jwt_services(prefixed.deployment)
    assert "LIVEKIT_SECRET" not in jwt.env and jwt.env["OLD_LIVEKIT_SECRET"].value == SECRET
    assert "RTC900" not in {d.code for d in result.diagnostics}


def test_a_reference_the_tree_does_not_hold_stays_unknown(tmp_path):
    result = run(tmp_path, {"jwt.yaml": livekit(string_data(OTHER)).replace("name: jwt-auth, key: secret",
                                                                           "name: elsewhere, key: secret")})
    (jwt,) = jwt_services(result.deployment)
    assert jwt.env["LIVEKIT_SECRET"].value is None
    assert "RTC303" not in {d.code for d in result.diagnostics}


def test_secret_values_are_never_printed(tmp_path):
    write(str(tmp_path), {"rtc.yaml": livekit(b64_data(OTHER))})
    for fmt in ("text", "json", "sarif"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(tmp_path))
        assert "RTC303" in proc.stdout, proc.stderr
        assert SECRET not in proc.stdout and OTHER not in proc.stdout
        assert base64.b64encode(f"port: 7880\nkeys:\n  callkey: {OTHER}\n".encode()).decode() not in proc.stdout


@pytest.mark.parametrize("body", [
    "apiVersion: v1\nkind: Secret\ndata: {a: '!!notbase64', b: 5, c: [1]}\nstringData: {x: [1], y: null}\n",
    "apiVersion: v1\nkind: Secret\ndata: {livekit.yaml: " + base64.b64encode(b"\xff\xfe").decode() + "}\n",
    "apiVersion: v1\nkind: Secret\nstringData: {livekit.yaml: '[1, 2'}\n",
    "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {volumes: [{secret: {items: 5}}, {configMap: {items: [3]}}], "
    "containers: [{volumeMounts: [{name: 5, subPath: [1]}], env: [{name: A, valueFrom: {secretKeyRef: 7}}]}]}}}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec: {hostnames: [1, {a: b}], parentRefs: 3, "
    "rules: [{matches: [{path: 5}], filters: [{type: URLRewrite, urlRewrite: {path: 7}}, {type: 9}], backendRefs: [{port: x}]}, 4]}\n",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec: {listeners: [{port: http, protocol: 5}, 3]}\n"
    "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec: {parentRefs: [{name: [1]}], rules: [{}]}\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {annotations: {nginx.ingress.kubernetes.io/rewrite-target: '$9(',"
    " nginx.ingress.kubernetes.io/configuration-snippet: [1]}}\nspec: {rules: [{http: {paths: [{path: '(', backend: {service: {name: x}}}]}}]}\n",
])
def test_odd_shapes_never_raise(tmp_path, body):
    result = run(tmp_path, {"x.yaml": body})
    assert not [d for d in result.diagnostics if "internal error" in d.message]
    from rtclint.model.answer import Request, answer

    for site in result.deployment.sites:
        for p in ("/", "/x/y", "("):
            answer([site], Request("https", site.hosts[0] if site.hosts else "x", 443, "GET", p))
