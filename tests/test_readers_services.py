"""The service readers (Compose, Kubernetes, livekit.yaml, .env) and the cross-file links:
every fact carries a span whose text is what the fact says."""

import os

import pytest

from rtclint.config import DEFAULT_TARGETS

from conftest import run_rtclint
from rtclint.model.stacks import livekit_instances, paired_livekit
from trees import run, write

SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # fixture value, 32 characters


def text_at(result, span):
    return result.deployment.documents[span.path].text[span.start : span.end]


def service(result, name):
    return next(s for s in result.deployment.services if s.name == name)


# -- Compose ----------------------------------------------------------------------------

PORTS = """
services:
  livekit:
    image: livekit/livekit-server:v1.13.4
    ports:
      - 7880
      - "7881:7881"
      - 127.0.0.1:8080:80
      - "[::1]:9443:443/tcp"
      - "50100-50200:50100-50200/udp"
      - "9000:7000-7002"
      - target: 7882
        published: "17882"
        protocol: udp
        host_ip: 0.0.0.0
    expose:
      - "3000-3001"
"""


def test_compose_ports_every_syntax(tmp_path):
    svc = service(run(tmp_path, {"docker-compose.yml": PORTS}), "livekit")
    got = [(p.container_port, p.container_port_end, p.host_port, p.host_port_end, p.protocol, p.host_ip, p.kind)
           for p in svc.ports]
    assert got == [
        (7880, None, None, None, "tcp", None, "publish"),  # ephemeral host port
        (7881, None, 7881, None, "tcp", None, "publish"),
        (80, None, 8080, None, "tcp", "127.0.0.1", "publish"),
        (443, None, 9443, None, "tcp", "::1", "publish"),
        (50100, 50200, 50100, 50200, "udp", None, "publish"),
        (7000, 7002, 9000, 9002, "tcp", None, "publish"),
        (7882, None, 17882, None, "udp", "0.0.0.0", "publish"),
        (3000, 3001, None, None, "tcp", None, "expose"),
    ]
    udp = svc.ports[4]
    assert udp.host_port_for(50150) == 50150 and udp.host_port_for(50201) is None
    assert svc.ports[5].host_port_for(7001) == 9001


def test_compose_environment_list_and_map_spans(tmp_path):
    result = run(tmp_path, {"docker-compose.yml": """
        services:
          jwt:
            image: ghcr.io/element-hq/lk-jwt-service:0.6.0
            environment:
              - LIVEKIT_URL=wss://sfu.example.com
              - "LIVEKIT_KEY=callkey"
              - LIVEKIT_FROM_SHELL
          other:
            image: ghcr.io/element-hq/lk-jwt-service:0.6.0
            environment:
              LIVEKIT_JWT_PORT: 8080
              LIVEKIT_URL: 'wss://a.example.com'
              EMPTY:
        """})
    jwt = service(result, "jwt")
    assert jwt.role == "jwt"
    url = jwt.env["LIVEKIT_URL"]
    assert text_at(result, url.name_span) == "LIVEKIT_URL" and text_at(result, url.value_span) == "wss://sfu.example.com"
    key = jwt.env["LIVEKIT_KEY"]
    assert text_at(result, key.value_span) == "callkey" and text_at(result, key.name_span) == "LIVEKIT_KEY"
    assert jwt.env["LIVEKIT_FROM_SHELL"].value is None
    other = service(result, "other")
    assert other.env["LIVEKIT_JWT_PORT"].value == "8080"
    assert text_at(result, other.env["LIVEKIT_URL"].value_span) == "wss://a.example.com"
    assert other.env["EMPTY"].value is None


def test_env_file_merged_and_environment_wins(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                env_file:
                  - path: ./conf/jwt.env
                    required: true
                environment:
                  - LIVEKIT_URL=wss://env-wins.example.com
            """,
        "conf/jwt.env": f"""
            # comment
            export LIVEKIT_KEY=callkey
            LIVEKIT_SECRET="{SECRET}"
            LIVEKIT_URL=wss://from-file.example.com # inline comment
            """,
    })
    jwt = service(result, "jwt")
    assert jwt.env["LIVEKIT_URL"].value == "wss://env-wins.example.com"
    secret = jwt.env["LIVEKIT_SECRET"]
    assert secret.value == SECRET and secret.from_file == "conf/jwt.env"
    assert text_at(result, secret.value_span) == SECRET
    assert "conf/jwt.env" in result.deployment.files["docker-compose.yml"].includes
    # the env file is not a program of its own once a Compose service reads it
    assert [s.name for s in result.deployment.services] == ["jwt"]


def test_env_file_alone_is_a_service_and_bad_line_is_rtc001(tmp_path):
    result = run(tmp_path, {"jwt.env": "LIVEKIT_URL=wss://x.example.com\nthis is not an assignment\n"})
    svc = service(result, "jwt.env")
    assert svc.role == "jwt" and svc.source == "env-file"
    bad = [d for d in result.diagnostics if d.code == "RTC001"]
    assert len(bad) == 1 and result.deployment.documents["jwt.env"].line_col(bad[0].span.start) == (2, 1)


def test_mount_links_livekit_config_and_kind_comes_from_the_mount(tmp_path):
    # `sfu.yml` has neither a LiveKit name nor enough LiveKit keys to be recognised alone
    result = run(tmp_path, {
        "compose.yaml": """
            services:
              sfu:
                image: livekit/livekit-server:v1.13.4
                command: ["--config", "/etc/lk/config.yaml"]
                volumes:
                  - type: bind
                    source: ./cfg/sfu.yml
                    target: /etc/lk/config.yaml
            """,
        "cfg/sfu.yml": f"keys:\n  callkey: {SECRET}\n",
    })
    (inst,) = livekit_instances(result.deployment)
    assert inst.service.name == "sfu" and inst.config is not None and inst.config.path == "cfg/sfu.yml"
    assert inst.config.service == "sfu"
    assert text_at(result, inst.keys()["callkey"].span) == SECRET
    assert not [d for d in result.diagnostics if d.code == "RTC400"]


def test_livekit_config_and_keys_from_env(tmp_path):
    result = run(tmp_path, {"docker-compose.yml": f"""
        services:
          livekit:
            image: livekit/livekit-server:v1.13.4
            environment:
              LIVEKIT_CONFIG: |
                port: 7880
                rtc:
                  tcp_port: 7881
                  use_external_ip: true
                keys:
                  inline: {SECRET}
              LIVEKIT_KEYS: "callkey: {SECRET[::-1]}"
        """})
    (inst,) = livekit_instances(result.deployment)
    cfg = inst.config
    assert cfg.facts["origin"] == "env-config" and cfg.rtc["use_external_ip"].value is True
    assert text_at(result, cfg.rtc["tcp_port"].span) == "7881"
    assert text_at(result, cfg.keys["inline"].span) == SECRET
    # LIVEKIT_KEYS replaces the config's keys, as `--keys` does
    assert list(inst.keys()) == ["callkey"] and text_at(result, inst.keys()["callkey"].span) == SECRET[::-1]


def test_two_projects_pair_within_each(tmp_path):
    files = {}
    for site, secret in (("a", SECRET), ("b", SECRET[::-1])):
        files[f"{site}/docker-compose.yml"] = f"""
            services:
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                environment:
                  - LIVEKIT_KEY=callkey
              livekit:
                image: livekit/livekit-server:v1.13.4
                command: --config /etc/livekit.yaml
                volumes:
                  - ./livekit.yaml:/etc/livekit.yaml
            """
        files[f"{site}/livekit.yaml"] = f"keys:\n  callkey: {secret}\nrtc:\n  use_external_ip: true\n"
    result = run(tmp_path, files)
    dep = result.deployment
    for jwt in [s for s in dep.services if s.role == "jwt"]:
        inst = paired_livekit(dep, jwt)
        assert inst is not None and inst.config.path == os.path.dirname(jwt.span.path) + "/livekit.yaml"
        assert paired_livekit(dep, jwt) is inst  # asked again (rules do): the same answer


@pytest.mark.parametrize("body", [
    "services: [a, b]\n",
    "services:\n  x:\n    ports: 80\n    environment: FOO\n    volumes: {a: b}\n    env_file: [{}]\n",
    "services:\n  x:\n    ports: [{target: abc}, '99999999999:1', 'a:b:c:d']\n    command: \"unterminated '\"\n",
    "services:\n  x: null\n  y:\n    environment:\n      - =novalue\n      - ''\n",
])
def test_odd_compose_shapes_never_raise(tmp_path, body):
    result = run(tmp_path, {"docker-compose.yml": body})
    assert not [d for d in result.diagnostics if "internal error" in d.message]


# -- Kubernetes -------------------------------------------------------------------------

KUBE = f"""
apiVersion: v1
kind: ConfigMap
metadata:
  name: ess-well-known
  namespace: ess
data:
  client: |
    {{
      "m.homeserver": {{"base_url": "https://matrix.example.org"}},
      "org.matrix.msc4143.rtc_foci": [
        {{"type": "livekit", "livekit_service_url": "https://rtc.example.org"}}
      ]
    }}
---
apiVersion: v1
kind: Secret
metadata:
  name: livekit-auth
  namespace: ess
stringData:
  secret: {SECRET}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jwt
  namespace: ess
spec:
  template:
    metadata:
      labels: {{app: jwt}}
    spec:
      containers:
        - name: jwt
          image: ghcr.io/element-hq/lk-jwt-service:0.6.0
          ports: [{{containerPort: 8080, name: http}}]
          env:
            - name: LIVEKIT_SECRET
              valueFrom:
                secretKeyRef: {{name: livekit-auth, key: secret}}
            - name: LIVEKIT_URL
              value: "wss://sfu.example.org"
---
apiVersion: v1
kind: Service
metadata:
  name: jwt-svc
  namespace: ess
spec:
  type: NodePort
  selector: {{app: jwt}}
  ports:
    - {{port: 80, targetPort: http, nodePort: 30080}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: rtc
  namespace: ess
spec:
  tls: [{{hosts: [rtc.example.org]}}]
  rules:
    - host: rtc.example.org
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: jwt-svc, port: {{number: 80}}}}}}
"""


def test_kubernetes_objects(tmp_path):
    result = run(tmp_path, {"manifests.yaml": KUBE})
    dep = result.deployment
    facts = dep.files["manifests.yaml"]
    # the well-known inside the block scalar: positions map into the file
    (wk,) = [w for w in dep.extra_well_knowns if w.source == "configmap"]
    assert wk.which == "client" and wk.facts["configmap"] == "ess-well-known"
    at = wk.source_offset(wk.body.index("https://rtc"))
    assert dep.documents["manifests.yaml"].text[at : at + 23] == "https://rtc.example.org"
    # container env: valueFrom takes the Secret's value, pointing at it; a plain value keeps its span
    jwt = service(result, "jwt")
    assert jwt.source == "k8s" and jwt.role == "jwt"
    assert jwt.env["LIVEKIT_SECRET"].from_secret and text_at(result, jwt.env["LIVEKIT_SECRET"].value_span) == SECRET
    assert text_at(result, jwt.env["LIVEKIT_URL"].value_span) == "wss://sfu.example.org"
    assert [(p.container_port, p.kind, p.name) for p in jwt.ports] == [(8080, "container", "http")]
    # Service → aliases; Ingress → a TLS site whose route reaches the pod's port
    (ks,) = dep.kube_services
    assert ks.type == "NodePort" and ks.ports[0].node_port.value == 30080
    assert dep.service_named("jwt-svc") is jwt
    (site,) = [s for s in dep.sites if s.kind == "ingress"]
    assert site.hosts == ["rtc.example.org"] and site.tls_ports == [443]
    route = site.route_for("/get_token")
    assert route.proxy.upstream.host == "jwt-svc" and route.proxy.upstream.port == 8080
    # the Secret's value is kept (the cache seals it: test_secret_leak), its holder is no program
    assert [s.source for s in facts.services if s.name == "secret/livekit-auth"] == ["k8s-secret"]


def test_livekit_yaml_recognised_by_content(tmp_path):
    result = run(tmp_path, {"sample.yaml": f"port: 7880\nrtc:\n  tcp_port: 7881\nkeys:\n  k: {SECRET}\n"})
    (cfg,) = result.deployment.livekit
    assert cfg.http_port == 7880 and text_at(result, cfg.keys["k"].key_span) == "k"


def test_secrets_never_printed(tmp_path):
    write(str(tmp_path), {"docker-compose.yml": f"""
        services:
          jwt:
            image: ghcr.io/element-hq/lk-jwt-service:latest
            environment:
              - LIVEKIT_KEY=callkey
              - LIVEKIT_SECRET=short-{SECRET[:9]}
          livekit:
            image: livekit/livekit-server
            environment:
              LIVEKIT_KEYS: "callkey: other-{SECRET[:9]}"
        """})
    for fmt in ("text", "json"):
        proc = run_rtclint(["check", "--no-cache", "--format", fmt, "."], cwd=str(tmp_path))
        assert proc.returncode == 1, proc.stderr
        assert SECRET[:9] not in proc.stdout and "****" in proc.stdout
        assert "RTC303" in proc.stdout and "RTC900" in proc.stdout


def test_mounted_well_known_and_image_targets(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              web:
                image: nginx:1.27
                volumes:
                  - ./www/client.json:/usr/share/nginx/html/.well-known/matrix/client:ro
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.4.4
              synapse:
                image: ghcr.io/element-hq/synapse:latest
            """,
        "www/client.json": '{"m.homeserver": {"base_url": "https://matrix.example.com"}}\n',
    })
    dep = result.deployment
    (wk,) = [w for w in dep.extra_well_knowns if w.facts.get("service") == "web"]
    assert wk.which == "client" and wk.span.path == "www/client.json"
    assert wk.parse()[0]["m.homeserver"]["base_url"] == "https://matrix.example.com"
    assert dep.targets["lk-jwt-service"] == "0.4.4"  # the image tag wins over the default
    assert dep.targets["synapse"] == DEFAULT_TARGETS["synapse"]  # `latest` says nothing: the default stays
    assert service(result, "web").role == "proxy"


def test_kubernetes_objects_without_namespace_match_any(tmp_path):
    result = run(tmp_path, {"app.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: jwt, namespace: matrix}
        spec:
          template:
            metadata: {labels: {app: jwt}}
            spec:
              containers: [{name: jwt, image: "ghcr.io/element-hq/lk-jwt-service:0.6.0"}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: jwt}
        spec:
          selector: {app: jwt}
          ports: [{port: 80, targetPort: 8080}]
        """})
    assert "jwt.matrix.svc.cluster.local" not in service(result, "jwt").aliases  # the Service has no namespace
    assert result.deployment.service_named("jwt") is service(result, "jwt")
    assert not [d for d in result.diagnostics if d.code == "RTC603"]  # 8080 is the default bind port


def test_compose_override_file_is_merged(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              jwt:
                image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                environment:
                  - LIVEKIT_URL=wss://sfu.example.com
            """,
        "docker-compose.override.yml": f"""
            services:
              jwt:
                environment:
                  - LIVEKIT_KEY=callkey
                  - LIVEKIT_SECRET_FROM_FILE=/run/secrets/lk
                  - LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com
            """,
    })
    (jwt,) = [s for s in result.deployment.services if s.name == "jwt"]
    assert set(jwt.env) == {"LIVEKIT_URL", "LIVEKIT_KEY", "LIVEKIT_SECRET_FROM_FILE", "LIVEKIT_FULL_ACCESS_HOMESERVERS"}
    assert jwt.role == "jwt" and not [d for d in result.diagnostics if d.code == "RTC300"]


@pytest.mark.parametrize("body", [
    "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Service, spec: {ports: [{port: abc}, 5]}}]\n",
    "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [{env: [{name: 5}, {value: x}, 7]}, 3]}}}\n",
    "apiVersion: v1\nkind: ConfigMap\ndata: {client: '{not json', livekit.yaml: '[1, 2'}\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nspec: {rules: [{http: {paths: [{backend: {service: {name: x, port: {name: http}}}}]}}, 5]}\n",
])
def test_odd_kubernetes_shapes_never_raise(tmp_path, body):
    result = run(tmp_path, {"m.yaml": body})
    assert not [d for d in result.diagnostics if "internal error" in d.message]


def test_element_call_config_linked_by_mount(tmp_path):
    result = run(tmp_path, {
        "docker-compose.yml": """
            services:
              call:
                image: ghcr.io/element-hq/element-call:v0.26.0
                volumes:
                  - ./call/config.json:/app/config.json:ro
            """,
        "call/config.json": '{"matrix_rtc_mode": "legacy", "livekit": {"livekit_service_url": "https://rtc.example.com"}}\n',
    })
    svc = service(result, "call")
    assert svc.role == "element-call" and svc.mounts[0].resolved == "call/config.json"
    (ec,) = result.deployment.element_call
    assert ec["service"] == "call"
    assert result.deployment.targets["element-call"] == "0.26.0"


def test_host_paths_outside_the_tree_are_never_read(tmp_path):
    inside = tmp_path / "repo"
    inside.mkdir()
    (tmp_path / "outside.env").write_text(f"LIVEKIT_SECRET={SECRET}\n")
    result = run(inside, {"docker-compose.yml": """
        services:
          jwt:
            image: ghcr.io/element-hq/lk-jwt-service:0.6.0
            env_file: ../outside.env
            volumes:
              - /etc/hostname:/etc/hostname:ro
              - ../outside.env:/x.env
        """})
    jwt = service(result, "jwt")
    assert "LIVEKIT_SECRET" not in jwt.env and all(m.resolved is None for m in jwt.mounts)
    assert not any(p.endswith("outside.env") for p in result.deployment.documents)


def test_rtc301_fix_on_kubernetes_env_keeps_yaml_valid(tmp_path):
    write(str(tmp_path), {"jwt.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: jwt}
        spec:
          template:
            spec:
              containers:
                - name: jwt
                  image: ghcr.io/element-hq/lk-jwt-service:0.6.0
                  env:
                    - name: LIVEKIT_JWT_PORT
                      value: "6080"
                    - name: LIVEKIT_LOCAL_HOMESERVERS
                      value: example.com
        """})
    proc = run_rtclint(["check", "--no-cache", "--fix", "."], cwd=str(tmp_path))
    assert proc.returncode in (0, 1), proc.stderr
    text = (tmp_path / "jwt.yaml").read_text()
    assert 'value: ":6080"' in text and "- name: LIVEKIT_FULL_ACCESS_HOMESERVERS\n" in text
    import yaml

    assert yaml.safe_load(text)["spec"]["template"]["spec"]["containers"][0]["env"][0] == {
        "name": "LIVEKIT_JWT_BIND", "value": ":6080"}


def test_empty_required_variable_counts_as_missing(tmp_path):
    result = run(tmp_path, {"jwt.env": "LIVEKIT_URL=\nLIVEKIT_KEY=k\nLIVEKIT_SECRET_FROM_FILE=/s\n"
                                       "LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com\n"})
    (diag,) = [d for d in result.diagnostics if d.code == "RTC300"]
    assert "LIVEKIT_URL" in diag.message and "LIVEKIT_KEY " not in diag.message


def test_single_file_run_does_not_guess_the_livekit_config(tmp_path):
    write(str(tmp_path), {
        "docker-compose.yml": """
            services:
              livekit:
                image: livekit/livekit-server:v1.13.4
                command: --config /etc/livekit.yaml
                ports: ["7881:7881", "50100-50200:50100-50200/udp"]
                volumes: ["./livekit.yaml:/etc/livekit.yaml:ro"]
            """,
        "livekit.yaml": f"rtc:\n  tcp_port: 7881\n  port_range_start: 50100\n  port_range_end: 50200\n"
                        f"  use_external_ip: true\nkeys:\n  k: {SECRET}\n",
    })
    for args in (["docker-compose.yml"], ["."]):  # pre-commit passes only the changed file
        proc = run_rtclint(["check", "--no-cache", "--format", "json", *args], cwd=str(tmp_path))
        codes = {d["code"] for d in __import__("json").loads(proc.stdout)["diagnostics"]}
        assert not codes & {"RTC400", "RTC403", "RTC404"}, (args, codes)


def test_embedded_offsets_point_at_the_same_characters():
    """Every non-blank character of a scalar's value maps to that character in the
    file, whatever style the scalar is written in (plain, quoted, literal, folded)."""
    hypothesis = pytest.importorskip("hypothesis")
    import yaml
    from hypothesis import strategies as st

    from rtclint.document import Document
    from rtclint.parsers.yaml_values import embedded

    alphabet = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x85\u2028\u2029\ufeff")
    text_values = st.text(alphabet=alphabet, min_size=1, max_size=40) | st.from_regex(r"[a-z{}\":, ]{1,20}(\n[a-z{} ]{0,20}){0,3}\n?", fullmatch=True)
    styles = st.sampled_from([None, "'", '"', "|", ">"])

    @hypothesis.settings(max_examples=150, deadline=None, derandomize=True)
    @hypothesis.given(text_values, styles, st.integers(0, 6))
    def check(value, style, indent):
        try:
            dumped = yaml.dump({"k": {"inner": value}}, default_style=style, allow_unicode=True, indent=2 + indent % 3)
        except yaml.YAMLError:
            return
        doc = Document("t.yaml", "t.yaml", "yaml", dumped)
        root = yaml.compose(dumped)
        node = root.value[0][1].value[0][1]
        if not isinstance(node, yaml.ScalarNode) or node.value != value:
            return
        emb = embedded(doc, node)
        assert len(emb.offsets) == len(value)
        assert emb.offsets == sorted(emb.offsets)
        for ch, at in zip(value, emb.offsets):
            if not ch.isspace() and dumped[at] != ch:
                # an escape sequence (\\x85, \\u00e9 in double quotes) has no character of its own
                assert node.style == '"', (value, style, dumped)

    check()


def test_kubernetes_livekit_config_from_configmap_key_ref_and_env(tmp_path):
    result = run(tmp_path, {"sfu.yaml": f"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: lk, namespace: rtc}}
        data:
          config.yaml: |
            port: 7880
            keys:
              callkey: {SECRET}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: livekit, namespace: rtc}}
        spec:
          template:
            spec:
              containers:
                - name: livekit
                  image: livekit/livekit-server:v1.13.4
                  env:
                    - name: LIVEKIT_CONFIG
                      valueFrom:
                        configMapKeyRef: {{name: lk, key: config.yaml}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: livekit-inline, namespace: other}}
        spec:
          template:
            spec:
              containers:
                - name: livekit
                  image: livekit/livekit-server:v1.13.4
                  env:
                    - name: LIVEKIT_KEYS
                      value: "inlinekey: {SECRET[::-1]}"
        """})
    by_name = {i.name: i for i in livekit_instances(result.deployment)}
    cfg = by_name["livekit"].config
    assert cfg is not None and cfg.facts["configmap"] == "lk" and cfg.service == "livekit"
    assert text_at(result, by_name["livekit"].keys()["callkey"].span) == SECRET
    inline = by_name["livekit-inline"].keys()
    assert list(inline) == ["inlinekey"] and text_at(result, inline["inlinekey"].span) == SECRET[::-1]
    codes = {d.code for d in result.diagnostics}
    assert "RTC900" in codes and "RTC400" not in codes


def test_image_role_answers_as_the_image_patterns():
    """`image_role` tests strings; its answers are those of the patterns it replaced
    (the image's last component, registry and tag stripped, after `(^|/)`, up to `$`; a
    proxy's name beginning any component before a `-`), first match winning."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from rtclint.model.roles import image_role

    patterns = ((r"(^|/)lk-jwt-service$", "jwt"), (r"(^|/)livekit-server$", "livekit"),
                (r"(^|/)(synapse|matrix-synapse)$", "synapse"), (r"(^|/)element-call$", "element-call"),
                (r"(^|/)(caddy|nginx|haproxy|traefik|openresty|angie)($|-)", "proxy"))

    def by_patterns(image):
        name = image.split("@", 1)[0]
        last = name.rsplit("/", 1)
        if ":" in last[-1]:
            name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
        return next((role for pattern, role in patterns if re.search(pattern, name.lower())), None)

    words = st.sampled_from(["lk-jwt-service", "livekit-server", "synapse", "matrix-synapse", "element-call",
                             "NGINX", "caddy", "traefik", "haproxy", "openresty", "angie", "nginx-proxy",
                             "x", "ghcr.io", "localhost:5000", "-", "-alpine", ":1.2", "@sha256:ab", "\n", "/"])

    @settings(max_examples=500)
    @given(st.lists(words, max_size=7))
    def check(pieces):
        image = "".join(pieces)
        assert image_role(image) == by_patterns(image), image

    check()
    assert image_role("docker.io/nginxproxy/nginx-proxy:1.6") == "proxy"
    assert image_role("ghcr.io/element-hq/lk-jwt-service:0.3.0@sha256:00") == "jwt"
