"""matrix-docker-ansible-deploy's `vars.yml` → the MatrixRTC backend the playbook runs.

What the playbook deploys for calls, read with the defaults of the roles it pulls, so the
JWT-service (RTC3xx), LiveKit (RTC4xx) and routing (RTC2xx) rules read it as they read a
Compose stack. Read from spantaleev/matrix-docker-ansible-deploy at c0681e4 (2026-08-22:
group_vars/matrix_servers, roles/custom/matrix-livekit-jwt-service) and the roles its
requirements.yml pins: ansible-role-livekit-server v1.13.5-0 (66c10a5: defaults/main.yml,
templates/config.yaml.j2, labels.j2, vars/main.yml, systemd/livekit-server.service.j2) and
ansible-role-traefik (the store holds 17813a2, v3.7.6-0; the pin is v3.7.11-0):

- lk-jwt-service (`matrix-livekit-jwt-service`, image `ghcr.io/element-hq/lk-jwt-service:`
  `0.6.0`), its env.j2: `LIVEKIT_JWT_BIND=:8080` (`…_container_port`), `LIVEKIT_URL` =
  LiveKit's `livekit_server_websocket_public_url`, `LIVEKIT_KEY`/`LIVEKIT_SECRET` =
  `(matrix_homeserver_generic_secret_key + ':lk.key'|':lk.secret') | hash('sha512') |
  to_uuid` (Ansible's uuid5 namespace 361E6D51-…), `LIVEKIT_FULL_ACCESS_HOMESERVERS` =
  `[matrix_domain] + …_list_auto + …_list_custom` joined by commas, and the lines of
  `…_environment_variables_extension`. `LIVEKIT_CS_API_URL_OVERRIDES` points at an internal
  address the playbook computes from its entry points: left out (unknown, never judged).
- LiveKit (`matrix-livekit-server`, `docker.io/livekit/livekit-server:v1.13.5`): config.yaml.j2
  with `port` 7880, `rtc.tcp_port` 7881, `rtc.udp_port` 7882 (or `port_range_start/end`),
  `use_external_ip: true`, `room.auto_create: false` (the playbook's), `keys` = the JWT
  service's pair when it is enabled, combined with `livekit_server_config_keys_custom`;
  TURN on behind playbook-managed Traefik (`external_tls`, `tls_port` 5350, `udp_port`
  3479, relay 30000–30020, `domain` = LiveKit's host); then
  `livekit_server_configuration_extension_yaml` combined (recursive). Published as the
  systemd unit does: the TCP and UDP ports, TURN's UDP port and relay range.
- Traefik, as the roles' labels.j2 write them: the JWT service on
  `Host(<fqn_matrix>) && PathPrefix(/livekit-jwt-service)`, LiveKit on
  `Host(<fqn_matrix>) && PathPrefix(/livekit-server)` (signalling at
  `wss://<fqn_matrix>/livekit-server`), each with a slashless redirect and a stripPrefix,
  on the `web-secure` entry point (443, TLS) of playbook-managed Traefik. The playbook's
  other routers on those hosts (Synapse, the static files) are not read here: a request
  none of these routers takes is unknown, never a 404. With `other-traefik-container` the
  entry points are the admin's, outside the tree (ports unknown).

- Element Call (roles/custom/matrix-element-call, v0.24.0): its container and config.json.j2
  (`livekit.livekit_service_url` = the JWT service's public URL while it is enabled).

A value rtclint cannot read exactly (a Jinja expression, the whole LiveKit configuration
replaced) leaves the file unread, as for the homeserver settings (RTC004 names it).
Secrets are kept as facts only; messages print them masked (rules/common/services.mask).
"""

from __future__ import annotations

from rtclint.document import Span
from rtclint.model import EnvVar, FileFacts, LiveKitConfig, Located, PortMapping, Service
from rtclint.parsers.playbook_vars_base import Unreadable, Vars, known as _known
from rtclint.parsers.playbook_vars_livekit import jwt_pair

JWT_VERSION = "0.6.0"
EC_VERSION = "v0.24.0"  # roles/custom/matrix-element-call/defaults/main.yml
LIVEKIT_VERSION = "v1.13.5"
JWT_NAME = "matrix-livekit-jwt-service"
TRAEFIK_PROXIES = ("playbook-managed-traefik", "other-traefik-container")
# Variables that replace the LiveKit configuration wholesale: not evaluated here.
_REPLACING = ("livekit_server_configuration", "livekit_server_configuration_yaml", "livekit_server_config_keys",
              "livekit_server_configuration_extension")


def read_rtc(v: Vars, s: dict, facts: FileFacts) -> bool:
    """Add the JWT service, LiveKit and their Traefik routes; False when unreadable."""
    if any(v.span(name) is not None for name in _REPLACING):
        return False
    try:
        proxy = _known(v.text("matrix_playbook_reverse_proxy_type", ""))
        if proxy == "playbook-managed-traefik":
            from rtclint.parsers.playbook_vars_traefik import managed_traefik

            facts.services.append(managed_traefik(v))
        if not (s["jwt"] or s["livekit"]):
            return True
        lk = _livekit_settings(v, s)
        labels: list[tuple[str, list]] = []
        if s["jwt"]:
            jwt, jwt_labels = _jwt(v, s, lk, proxy)
            facts.services.append(jwt)
            labels.append((JWT_NAME, jwt_labels))
        if s["livekit"]:
            service, cfg, lk_labels = _livekit(v, s, lk, proxy)
            facts.services.append(service)
            facts.livekit.append(cfg)
            labels.append((service.name, lk_labels))
        if _known(v.flag("matrix_element_call_enabled", False)):
            _element_call(v, s, facts)
        if proxy in TRAEFIK_PROXIES:
            from rtclint.parsers.playbook_vars_traefik import traefik_facts

            traefik_facts(v, labels, facts)
    except (Unreadable, ValueError, TypeError):  # not of the type the playbook needs
        return False
    return True


def _livekit_settings(v: Vars, s: dict) -> dict:
    """What the LiveKit role computes that the JWT service reads too (vars/main.yml)."""
    host = _known(v.text("livekit_server_hostname", s["fqn"]))
    prefix = _known(v.text("livekit_server_path_prefix", "/livekit-server"))
    scheme = _known(v.text("livekit_server_scheme", "https"))
    name = _known(v.text("livekit_server_identifier", "matrix-livekit-server"))
    ws = "wss" if scheme == "https" else "ws"
    return {"host": host, "prefix": prefix, "name": name, "ws_url": f"{ws}://{host}{prefix}"}


def _jwt(v: Vars, s: dict, lk: dict, proxy: str) -> tuple[Service, list]:
    """The lk-jwt-service container with the environment its env.j2 writes."""
    pre = "matrix_livekit_jwt_service_"
    env_pre = pre + "environment_variable_"
    port = _known(v.number(pre + "container_port", 8080))
    span = v.where(pre + "enabled", "livekit_server_enabled", "matrix_rtc_enabled", "matrix_element_call_enabled")
    env: dict[str, EnvVar] = {}

    def put(name: str, var: str, value, secret: bool = False) -> None:
        # a derived key or secret is written where its source is (a secret too: masked)
        source = v.where(var, "matrix_homeserver_generic_secret_key") if secret else v.span(var)
        at = source if source is not None else span
        env[name] = EnvVar(name, value, at, value_span=at, name_span=at, from_secret=secret and value is None)

    put("LIVEKIT_JWT_BIND", env_pre + "livekit_jwt_bind", _known(v.text(env_pre + "livekit_jwt_bind", f":{port}")))
    key, secret = jwt_pair(v)
    put("LIVEKIT_KEY", env_pre + "livekit_key", key, True)
    put("LIVEKIT_URL", env_pre + "livekit_url", _known(v.text(env_pre + "livekit_url", lk["ws_url"])))
    put("LIVEKIT_SECRET", env_pre + "livekit_secret", secret, True)
    full = env_pre + "livekit_full_access_homeservers"
    # the joined string, else `_list` = `_list_default` ([matrix_domain]) + `_list_auto` + `_list_custom`
    parts = [_known(v.value(full + "_list_" + part, default)) for part, default in
             (("default", [s["domain"]]), ("auto", []), ("custom", []))]
    listed = _known(v.value(full + "_list", [x for part in parts if isinstance(part, list) for x in part]))
    if not isinstance(listed, list) or not all(isinstance(part, list) for part in parts):
        raise Unreadable
    homeservers = _known(v.text(full, ",".join(str(x) for x in listed)))
    written = [name for name in (full, *(full + "_list" + part for part in ("", "_custom", "_auto", "_default")))
               if v.span(name) is not None]
    put("LIVEKIT_FULL_ACCESS_HOMESERVERS", (written or [full])[0], homeservers)
    for name, value in _env_lines(_known(v.text(pre + "environment_variables_extension", ""))):
        put(name, pre + "environment_variables_extension", value)
    version = _known(v.text(pre + "version", JWT_VERSION))
    service = Service(name=JWT_NAME, role="jwt", source="playbook", span=span, group=v.doc.path,
                      image=Located(f"ghcr.io/element-hq/lk-jwt-service:{version}", v.where(pre + "version")),
                      env=env, ports=[PortMapping(port, None, "tcp", span, kind="container")],
                      aliases={JWT_NAME}, facts={"playbook": True})
    bind = _known(v.value(pre + "container_http_host_bind_port", ""))
    if bind:
        service.ports.append(_published(str(bind), port, "tcp", v.where(pre + "container_http_host_bind_port")))
    labels = _jwt_labels(v, s, proxy, port)
    return service, labels


def _env_lines(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            out.append((name.strip(), value))
    return out


def _published(bind: str, port: int, proto: str, span: Span) -> PortMapping:
    """`-p <bind>:<port>`: the playbook's host bind port may carry an interface."""
    host = bind.rsplit(":", 1)[-1]
    ip = bind.rsplit(":", 1)[0] if ":" in bind else None
    return PortMapping(port, int(host) if host.isdecimal() else None, proto, span, host_ip=ip)


def _jwt_labels(v: Vars, s: dict, proxy: str, port: int) -> list:
    pre = "matrix_livekit_jwt_service_container_labels_"
    if not _known(v.flag(pre + "traefik_enabled", proxy in TRAEFIK_PROXIES)):
        return []
    host = _known(v.text(pre + "traefik_hostname", s["jwt_host"]))
    prefix = _known(v.text(pre + "traefik_path_prefix", s["jwt_prefix"]))
    return _router_labels(v, pre, JWT_NAME, host, prefix, port, redirect_anchor="",
                          spans=("matrix_livekit_jwt_service_path_prefix", "matrix_livekit_jwt_service_hostname"),
                          port_var="matrix_livekit_jwt_service_container_port")


def _router_labels(v: Vars, pre: str, name: str, host: str, prefix: str, port: int, redirect_anchor: str,
                   spans: tuple[str, ...], port_var: str) -> list:
    """The HTTP labels both roles' labels.j2 write (Traefik's Docker provider reads them)."""
    at = v.where(pre + "traefik_rule", pre + "traefik_path_prefix", pre + "traefik_hostname", *spans)
    rule = _known(v.text(pre + "traefik_rule", f"Host(`{host}`)" + (f" && PathPrefix(`{prefix}`)" if prefix != "/" else "")))
    entrypoints = _known(v.text(pre + "traefik_entrypoints", _primary_entrypoint(v)))
    priority = _known(v.number(pre + "traefik_priority", 0))
    out = [(f"traefik.http.services.{name}.loadbalancer.server.port", str(port), v.where(port_var, *spans))]
    middlewares = []
    if prefix != "/":
        # labels.j2: `regex=<anchor>(<prefix | quote>)$`; shlex quoting leaves such a path as it is
        out += [(f"traefik.http.middlewares.{name}-slashless-redirect.redirectregex.regex",
                 f"{redirect_anchor}({prefix})$", at),
                (f"traefik.http.middlewares.{name}-slashless-redirect.redirectregex.replacement", "${1}/", at),
                (f"traefik.http.middlewares.{name}-strip-prefix.stripprefix.prefixes", prefix, at)]
        middlewares += [f"{name}-slashless-redirect", f"{name}-strip-prefix"]
    headers = _known(v.value(pre + "traefik_additional_response_headers_custom", {}))
    if not isinstance(headers, dict):
        raise Unreadable
    for header, value in headers.items():
        out.append((f"traefik.http.middlewares.{name}-add-headers.headers.customresponseheaders.{header}", str(value),
                    v.where(pre + "traefik_additional_response_headers_custom")))
    if headers:
        middlewares.append(f"{name}-add-headers")
    out.append((f"traefik.http.routers.{name}.rule", rule, at))
    if priority > 0:
        out.append((f"traefik.http.routers.{name}.priority", str(priority), v.where(pre + "traefik_priority")))
    out.append((f"traefik.http.routers.{name}.service", name, at))
    if middlewares:
        out.append((f"traefik.http.routers.{name}.middlewares", ",".join(middlewares), at))
    out.append((f"traefik.http.routers.{name}.entrypoints", entrypoints, at))
    if entrypoints != "web":
        out.append((f"traefik.http.routers.{name}.tls", "true", at))
    return out


def _primary_entrypoint(v: Vars) -> str:
    """`traefik_entrypoint_primary`: web-secure while that entry point is on, else web."""
    return "web-secure" if _known(v.flag("traefik_config_entrypoint_web_secure_enabled", True)) else "web"


def _livekit(v: Vars, s: dict, lk: dict, proxy: str) -> tuple[Service, LiveKitConfig, list]:
    from rtclint.parsers.playbook_vars_livekit import livekit_config

    cfg, ports = livekit_config(v, s, lk, proxy)
    pre = "livekit_server_"
    span = v.where(pre + "enabled", "matrix_rtc_enabled", "matrix_element_call_enabled")
    version = _known(v.text(pre + "version", LIVEKIT_VERSION))
    service = Service(name=lk["name"], role="livekit", source="playbook", span=span, group=v.doc.path,
                      image=Located(f"docker.io/livekit/livekit-server:{version}", v.where(pre + "version")),
                      ports=ports, aliases={lk["name"]}, command=["--config", "/livekit-config.yaml"],
                      facts={"playbook": True, "livekit_config_file": v.doc.path})
    cfg.service = service.name
    if cfg.facts.get("keys_outside"):  # the pair comes from a secret written elsewhere (a vault)
        service.facts["env_files_missing"] = True
    labels = []
    lpre = pre + "container_labels_"
    if _known(v.flag(lpre + "traefik_enabled", proxy in TRAEFIK_PROXIES)):
        host = _known(v.text(lpre + "traefik_hostname", lk["host"]))
        prefix = _known(v.text(lpre + "traefik_path_prefix", lk["prefix"]))
        labels = _router_labels(v, lpre, lk["name"], host, prefix, cfg.http_port, redirect_anchor="^",
                                spans=(pre + "path_prefix", pre + "hostname"), port_var=pre + "config_port")
    return service, cfg, labels


def _element_call(v: Vars, s: dict, facts: FileFacts) -> None:
    """Element Call's container and the config.json its role writes (config.json.j2:
    `default_server_config.m.homeserver` and `livekit.livekit_service_url`, the JWT
    service's public URL while it is enabled, else empty: then left out)."""
    pre = "matrix_element_call_"
    conf = pre + "config_"
    version = _known(v.text(pre + "version", EC_VERSION))
    at = v.where(pre + "enabled", "matrix_rtc_enabled")
    url = _known(v.text(conf + "livekit_livekit_service_url", s["jwt_url"] if s["jwt"] else ""))
    base = _known(v.text(conf + "default_server_config_m_homeserver_base_url",
                         v.text("matrix_homeserver_url", s["base_url"])))
    name = _known(v.text(conf + "default_server_config_m_homeserver_server_name", s["domain"]))
    where = {key: v.where(conf + key, pre + "enabled") for key in ("livekit_livekit_service_url",
             "default_server_config_m_homeserver_base_url", "default_server_config_m_homeserver_server_name")}
    facts.element_call.append({
        "path": v.doc.path, "matrix_rtc_mode": None, "delayed_leave_event_delay_ms": None, "playbook": True,
        "livekit_service_url": Located(url, where["livekit_livekit_service_url"]) if url else None,
        "base_url": Located(base, where["default_server_config_m_homeserver_base_url"]),
        "server_name": Located(name, where["default_server_config_m_homeserver_server_name"])})
    facts.services.append(Service(name="matrix-element-call", role="element-call", source="playbook", span=at,
                                  group=v.doc.path, aliases={"matrix-element-call"}, facts={"playbook": True},
                                  image=Located(f"ghcr.io/element-hq/element-call:{version}", v.where(pre + "version"))))
