"""The LiveKit configuration and published ports the playbook writes from `vars.yml`.

ansible-role-livekit-server v1.13.5-0 (66c10a5) renders templates/config.yaml.j2 from its
`livekit_server_config_*` variables, combines `livekit_server_configuration_extension_yaml`
into it (`combine(recursive=True)`; not a mapping: ignored) and publishes ports as
templates/systemd/livekit-server.service.j2 does (`-p port:port`, none with host
networking); group_vars/matrix_servers (matrix-docker-ansible-deploy c0681e4) sets
`room.auto_create: false`, the TURN ports 5350/3479 and TURN behind Traefik, and the keys
(the JWT service's pair). See parsers/playbook_vars_rtc.py for the whole picture."""

from __future__ import annotations

import hashlib
import uuid

from rtclint.document import Span
from rtclint.model import LiveKitConfig, Located, PortMapping
from rtclint.parsers.playbook_vars_base import UNKNOWN, Unreadable, Vars, known
from rtclint.parsers.yaml import scalar

# Ansible's `to_uuid` filter: uuid5 in this namespace (lib/ansible/plugins/filter/core.py).
_ANSIBLE_UUID_NAMESPACE = uuid.UUID("361E6D51-FAEC-444A-9079-341386DA8E2E")
_PRE = "livekit_server_config_"
_JWT_ENV = "matrix_livekit_jwt_service_environment_variable_"
RTC_KEYS = ("tcp_port", "udp_port", "port_range_start", "port_range_end", "use_external_ip", "node_ip")
TURN_KEYS = ("enabled", "udp_port", "tls_port", "relay_range_start", "relay_range_end", "external_tls", "domain")


def jwt_pair(v: Vars) -> tuple[str | None, str | None]:
    """The JWT service's API key and secret: as written, else derived from
    `matrix_homeserver_generic_secret_key` (`(it + ':lk.key') | hash('sha512') | to_uuid`);
    None when neither is here (a vault, another vars file): unknown, never judged."""
    base = v.value("matrix_homeserver_generic_secret_key", None)

    def derive(suffix: str) -> str | None:
        if not isinstance(base, str) or not base:
            return None
        digest = hashlib.sha512((base + suffix).encode()).hexdigest()
        return str(uuid.uuid5(_ANSIBLE_UUID_NAMESPACE, digest))

    key = known(v.text(_JWT_ENV + "livekit_key", derive(":lk.key") or ""))
    secret = known(v.text(_JWT_ENV + "livekit_secret", derive(":lk.secret") or ""))
    return key or None, secret or None


def livekit_config(v: Vars, s: dict, lk: dict, proxy: str) -> tuple[LiveKitConfig, list[PortMapping]]:
    """The LiveKitConfig config.yaml.j2 renders (extension combined), and the ports."""
    driver = v.where("livekit_server_enabled", "matrix_rtc_enabled", "matrix_element_call_enabled")
    at: dict[tuple, Span] = {}

    def get(path: tuple, var: str, default, kind: str = "value"):
        value = known(getattr(v, kind)(var, default))
        at[path] = v.where(var) if v.span(var) is not None else driver
        return value

    config: dict = {"port": get(("port",), _PRE + "port", 7880, "number"), "rtc": {}, "room": {}, "turn": {}}
    config["room"]["auto_create"] = get(("room", "auto_create"), _PRE + "room_auto_create", False, "flag")
    rtc = config["rtc"]
    rtc["tcp_port"] = get(("rtc", "tcp_port"), _PRE + "rtc_tcp_port", 7881, "number")
    for name, default in (("udp_port", 7882), ("port_range_start", ""), ("port_range_end", ""), ("node_ip", "")):
        value = get(("rtc", name), _PRE + "rtc_" + name, default)
        if value:  # the template writes these only when set
            rtc[name] = int(value) if name != "node_ip" and str(value).isdecimal() else value
    rtc["use_external_ip"] = get(("rtc", "use_external_ip"), _PRE + "rtc_use_external_ip", True, "flag")
    turn = _turn(v, s, lk, proxy, get)
    config["turn"] = turn
    key, secret = jwt_pair(v)
    keys = {key: secret} if s["jwt"] and key else {}
    custom = get(("keys",), _PRE + "keys_custom", {})
    if not isinstance(custom, dict):
        raise Unreadable
    config["keys"] = {**keys, **{str(k): str(val) for k, val in custom.items()}}
    at[("keys",)] = v.where(_PRE + "keys_custom", _JWT_ENV + "livekit_secret", "matrix_homeserver_generic_secret_key")
    refs = {_JWT_ENV + "livekit_key": key, _JWT_ENV + "livekit_secret": secret, "matrix_domain": s["domain"],
            "matrix_server_fqn_matrix": s["fqn"]}
    config = _extended(v, config, at, refs)
    cfg = _facts(v, config, at, driver)
    if s["jwt"] and key is None:
        cfg.facts["keys_outside"] = True
    return cfg, _ports(v, config, driver)


def _turn(v: Vars, s: dict, lk: dict, proxy: str, get) -> dict:
    """TURN as group_vars/matrix_servers turns it on: behind playbook-managed Traefik
    (TLS ended there, `external_tls`) or with certificates from traefik-certs-dumper."""
    web_secure = known(v.flag("traefik_config_entrypoint_web_secure_enabled", True))
    external = get(("turn", "external_tls"), _PRE + "turn_external_tls",
                   proxy == "playbook-managed-traefik" and s["scheme"] == "https", "flag")
    dumper = known(v.flag("traefik_certs_dumper_enabled", (proxy == "playbook-managed-traefik" and web_secure)
                          or proxy == "other-traefik-container"))
    enabled = get(("turn", "enabled"), _PRE + "turn_enabled",
                  proxy in ("playbook-managed-traefik", "other-traefik-container") and bool(external or dumper), "flag")
    if not enabled:
        return {"enabled": False}
    turn = {"enabled": True, "domain": get(("turn", "domain"), _PRE + "turn_domain", lk["host"], "text")}
    for name, default in (("tls_port", 5350), ("udp_port", 3479), ("relay_range_start", 30000),
                          ("relay_range_end", 30020)):
        turn[name] = get(("turn", name), _PRE + "turn_" + name, default, "number")
    turn["external_tls"] = external
    return turn


def _extended(v: Vars, config: dict, at: dict, refs: dict) -> dict:
    """`livekit_server_configuration_extension_yaml` combined into the rendered config."""
    from rtclint.parsers.pyyaml import yaml

    var = "livekit_server_configuration_extension_yaml"
    text = v.value(var, "")
    if text is UNKNOWN:
        text = _resolved(v, scalar(v.nodes[var][1]), refs)
    if not isinstance(text, str):
        raise Unreadable
    try:
        extension = _opaque_leaves(yaml.safe_load(text)) if text.strip() else None
    except yaml.YAMLError:
        raise Unreadable from None
    if not isinstance(extension, dict):
        return config
    span = v.where(var)

    def combine(base, override, path: tuple):
        if isinstance(base, dict) and isinstance(override, dict):
            out = dict(base)
            for k, val in override.items():
                out[k] = combine(base.get(k), val, (*path, k))
            return out
        at[path] = span
        for known_path in [p for p in at if p[:len(path)] == path and p != path]:
            at[known_path] = span
        return override

    return combine(config, extension, ())


_OPAQUE = "__rtclint_unknown__"


def _resolved(v: Vars, text, refs: dict):
    """The extension's text with `{{ var }}` replaced by what rtclint computed for `var`
    (the JWT service's key or secret, the domain), any other expression by an opaque token
    whose value stays unknown."""
    import re

    if not isinstance(text, str):
        return text

    def one(m: re.Match) -> str:
        value = refs.get(m.group(1)) if m.group(1) else None
        return str(value) if value is not None else _OPAQUE

    return re.sub(r"\{\{\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|.*?\}\})", one, text)


def _opaque_leaves(node):
    """The loaded extension with every value that rests on an unknown expression as None;
    a mapping key that does is not read at all."""
    if isinstance(node, dict):
        if any(_OPAQUE in str(k) for k in node):
            raise Unreadable
        return {k: _opaque_leaves(val) for k, val in node.items()}
    if isinstance(node, list):
        return [_opaque_leaves(item) for item in node]
    return None if isinstance(node, str) and _OPAQUE in node else node


def _facts(v: Vars, config: dict, at: dict, driver: Span) -> LiveKitConfig:
    """A LiveKitConfig as parsers/yaml_livekit.build keeps one, spans on the variables."""

    def loc(*path: str) -> Located:
        span = at.get(tuple(path)) or at.get(tuple(path[:1])) or driver
        return Located(_lookup(config, path), span, span)

    cfg = LiveKitConfig(path=v.doc.path, span=driver, raw=config, facts={"origin": "file", "playbook": True})
    cfg.facts["written_keys"] = [((name,), at.get((name,), driver)) for name in config] + [
        ((name, sub), at.get((name, sub), driver)) for name, node in config.items() if isinstance(node, dict)
        for sub in node]
    cfg.port = loc("port")
    for name in RTC_KEYS:
        if name in (config.get("rtc") or {}):
            cfg.rtc[name] = loc("rtc", name)
    for name in TURN_KEYS:
        if name in (config.get("turn") or {}):
            cfg.turn[name] = loc("turn", name)
    keys = config.get("keys") if isinstance(config.get("keys"), dict) else {}
    for name, secret in keys.items():
        cfg.keys[str(name)] = Located(None if secret is None else str(secret), at[("keys",)], at[("keys",)])
    cfg.facts["keys_span"] = at[("keys",)]
    hook = config.get("webhook") if isinstance(config.get("webhook"), dict) else {}
    if "api_key" in hook:
        cfg.webhook_api_key = loc("webhook", "api_key")
    if isinstance(hook.get("urls"), list):
        cfg.facts["webhook_urls"] = [str(u) for u in hook["urls"] if u is not None]
        if None in hook["urls"]:  # a URL from an expression rtclint does not evaluate
            cfg.facts["webhook_unknown"] = True
    if hook:
        cfg.facts["webhook_span"] = at.get(("webhook",), driver)
    room = config.get("room") if isinstance(config.get("room"), dict) else {}
    if "auto_create" in room:
        cfg.facts["room_auto_create"] = loc("room", "auto_create")
        cfg.facts["room_span"] = cfg.facts["room_auto_create"].span
    if config.get("development") is not None:
        cfg.facts["development"] = config.get("development") is True
    return cfg


def _lookup(config: dict, path: tuple):
    node = config
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _ports(v: Vars, config: dict, span: Span) -> list[PortMapping]:
    """What the systemd unit publishes (from the role's variables, not the extension)."""
    network = known(v.text("livekit_server_container_network", "matrix-addons"))
    interface = known(v.value("livekit_server_container_rtc_listen_interface", ""))
    if network == "host" or interface in (None, "none"):
        return []
    ip = interface or None
    rtc, turn = config["rtc"], config["turn"]
    out = [PortMapping(int(rtc["tcp_port"]), int(rtc["tcp_port"]), "tcp", span, host_ip=ip)]
    first, last = known(v.value(_PRE + "rtc_port_range_start", "")), known(v.value(_PRE + "rtc_port_range_end", ""))
    udp = known(v.value(_PRE + "rtc_udp_port", 7882))
    if first and last:
        out.append(_range(int(first), int(last), span, ip))
    if udp:
        low, _, high = str(udp).partition("-")
        out.append(_range(int(low), int(high or low), span, ip))
    if turn.get("enabled"):
        if not turn.get("external_tls"):
            out.append(PortMapping(turn["tls_port"], turn["tls_port"], "tcp", span, host_ip=ip))
        out.append(PortMapping(turn["udp_port"], turn["udp_port"], "udp", span, host_ip=ip))
        out.append(_range(turn["relay_range_start"], turn["relay_range_end"], span, ip))
    return out


def _range(first: int, last: int, span: Span, ip) -> PortMapping:
    end = last if last != first else None
    return PortMapping(first, first, "udp", span, host_ip=ip, container_port_end=end, host_port_end=end)
