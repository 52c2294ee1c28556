"""matrix-docker-ansible-deploy's `vars.yml` → the facts of the configs the playbook writes.

The playbook renders Synapse's homeserver.yaml, the client well-known it serves and the
MatrixRTC stack (LiveKit, lk-jwt-service, Element Call) from a host's
`inventory/host_vars/<host>/vars.yml`. The variables that decide the call path are read
here with the playbook's own defaults, so the homeserver and well-known rules apply to
what it deploys. Read from spantaleev/matrix-docker-ansible-deploy at c0681e4 (2026-08-22):

- `matrix_domain` → Synapse's `server_name`; `matrix_server_fqn_matrix` defaults to
  `matrix.<matrix_domain>`, `matrix_playbook_ssl_enabled` to true
  (roles/custom/matrix-base/defaults/main.yml).
- `matrix_rtc_enabled` defaults to `matrix_element_call_enabled` (false)
  (roles/custom/matrix-element-call/defaults/main.yml); `livekit_server_enabled` to
  `matrix_rtc_enabled`; `matrix_livekit_jwt_service_enabled` to both; the JWT service's
  public URL is `<scheme>://<matrix_livekit_jwt_service_hostname (fqn_matrix)>`
  `<matrix_livekit_jwt_service_path_prefix (/livekit-jwt-service)>`
  (group_vars/matrix_servers, roles/custom/matrix-livekit-jwt-service).
- Synapse (roles/custom/matrix-synapse/defaults/main.yml, homeserver.yaml.j2):
  `matrix_rtc.transports` gets the JWT URL when the service is enabled
  (`matrix_synapse_matrix_rtc_transports_livekit_url`, plus `…_custom`); msc4143 follows
  "transports not empty"; msc4222, msc4354 and delayed events (`max_event_delay_duration`
  24h, `rc_delayed_event_mgmt` 1/s burst 20) follow `matrix_rtc_enabled`; `rc_message` is
  0.5/s burst 30. Only enabled flags are written, so a flag turned off in vars.yml is absent.
- The client well-known (roles/custom/matrix-static-files): `m.homeserver.base_url` is
  `<scheme>://<fqn_matrix>`, `org.matrix.msc4143.rtc_foci` lists the JWT service when it
  is enabled; it is served on `matrix.<domain>`, and on the base domain only with
  `matrix_static_files_container_labels_base_domain_enabled` — otherwise the base domain
  is the admin's own server, outside the tree: which host serves it there is unknown.
- What vars.yml may add on top: `matrix_synapse_experimental_features_custom` and
  `matrix_synapse_configuration_extension_yaml` (YAML combined into homeserver.yaml),
  `…_rtc_foci_custom` and `…_configuration_extension_json` (JSON combined into the
  well-known), all with Ansible's `combine(recursive=True)`.

The call backend it runs (lk-jwt-service, LiveKit, Element Call, and Traefik's routes to
them) is read by parsers/playbook_vars_rtc.py and its helpers, on the same variables; with
`matrix_homeserver_implementation: continuwuity|tuwunel`, the homeserver is the TOML config
their roles write (parsers/playbook_vars_toml.py).

Anything the playbook would compute from a value rtclint cannot read — a Jinja expression,
a quoted "true", a homeserver implementation other than those three — leaves the file
unread (RTC004 names it): the rules never see a guessed setting. Findings point at the variable that decided
(or at `matrix_domain` for a default); rtclint never edits this file (rules/withheld.py).
"""

from __future__ import annotations

import json

from rtclint.document import Document, Span
from rtclint.model import FileFacts, Located, Service, SynapseConfig, WellKnown
from rtclint.parsers.playbook_vars_base import UNKNOWN as _UNKNOWN, Vars as _Vars
from rtclint.parsers.yaml import load_nodes

SUBKIND = "playbook-vars"
SYNAPSE_VERSION = "v1.159.0"
# The implementations whose config the playbook writes and rtclint reads (the TOML ones:
# parsers/playbook_vars_toml.py).
HOMESERVERS = ("synapse", "continuwuity", "tuwunel")


def read(doc: Document) -> FileFacts | None:
    """The facts, or None when the call path depends on something rtclint cannot read."""
    nodes, broken = load_nodes(doc)
    if broken is not None:
        return broken
    from rtclint.parsers.pyyaml import yaml

    if len(nodes) != 1 or not isinstance(nodes[0], yaml.MappingNode):
        return None
    v = _Vars(doc, nodes[0])
    settings = _settings(v)
    if settings is None:
        return None
    facts = FileFacts(doc.path, subkind=SUBKIND)
    if not _homeserver(doc, v, settings, facts):
        return None
    if settings["static_files"]:
        facts.well_knowns.append(_well_known(v, settings))
    from rtclint.parsers.playbook_vars_rtc import read_rtc

    return facts if read_rtc(v, settings, facts) else None


def _homeserver(doc: Document, v: _Vars, settings: dict, facts: FileFacts) -> bool:
    """Synapse's settings, or the TOML config of Continuwuity/Tuwunel; False if unreadable."""
    if settings["implementation"] != "synapse":
        from rtclint.parsers.playbook_vars_base import Unreadable
        from rtclint.parsers.playbook_vars_toml import toml_homeserver

        try:
            cfg, container = toml_homeserver(v, settings, settings["implementation"])
        except Unreadable:
            return False
        facts.toml_homeservers.append(cfg)
        facts.services.append(container)
        return True
    cfg = _synapse(doc, v, settings)
    if cfg is None:
        return False
    facts.synapse.append(cfg)
    facts.services.append(_synapse_container(v))
    return True


# Variables that replace what the playbook computes wholesale (a whole list, mapping or
# file): rtclint does not evaluate them, so a vars.yml setting one is left unread.
_REPLACING = ("matrix_synapse_configuration", "matrix_synapse_configuration_yaml",
              "matrix_synapse_experimental_features", "matrix_synapse_experimental_features_default",
              "matrix_synapse_matrix_rtc_transports", "matrix_synapse_matrix_rtc_transports_default",
              "matrix_static_files_file_matrix_client_property_org_matrix_msc4143_rtc_foci")


def _settings(v: _Vars) -> dict | None:
    """What the playbook computes, as group_vars/matrix_servers and the roles do."""
    domain = v.text("matrix_domain", None)
    implementation = v.text("matrix_homeserver_implementation", "synapse")
    if not isinstance(domain, str) or not domain or implementation not in HOMESERVERS:
        return None
    if any(v.span(name) is not None for name in _REPLACING):
        return None
    s: dict = {"domain": domain, "implementation": implementation}
    ssl = v.flag("matrix_playbook_ssl_enabled", True)
    s["fqn"] = v.text("matrix_server_fqn_matrix", f"matrix.{domain}")
    s["rtc"] = v.flag("matrix_rtc_enabled", v.flag("matrix_element_call_enabled", False))
    if _UNKNOWN in (ssl, s["fqn"], s["rtc"]):
        return None
    scheme = "https" if ssl else "http"
    livekit = v.flag("livekit_server_enabled", s["rtc"])
    s["jwt"] = v.flag("matrix_livekit_jwt_service_enabled", s["rtc"] and livekit) if livekit is not _UNKNOWN else _UNKNOWN
    parts = (v.text("matrix_livekit_jwt_service_scheme", scheme), v.text("matrix_livekit_jwt_service_hostname", s["fqn"]),
             v.text("matrix_livekit_jwt_service_path_prefix", "/livekit-jwt-service"))
    if s["jwt"] is _UNKNOWN or _UNKNOWN in parts:
        return None
    s["livekit"], s["scheme"], s["jwt_host"], s["jwt_prefix"] = livekit, scheme, parts[1], parts[2]
    s["jwt_url"] = jwt_url = "{}://{}{}".format(*parts)
    lk_url = v.text("matrix_synapse_matrix_rtc_transports_livekit_url", jwt_url if s["jwt"] else "")
    custom = v.value("matrix_synapse_matrix_rtc_transports_custom", [])
    if lk_url is _UNKNOWN or not isinstance(custom, list):
        return None
    s["transports"] = ([{"type": "livekit", "livekit_service_url": lk_url}] if lk_url else []) + custom
    s["base_url"] = f"{scheme}://{s['fqn']}"
    for name, default in (("msc4143", bool(s["transports"])), ("msc4222", s["rtc"]), ("msc4354", s["rtc"]),
                          ("delayed", s["rtc"])):
        var = "matrix_synapse_delayed_events_enabled" if name == "delayed" else \
            f"matrix_synapse_experimental_features_{name}_enabled"
        s[name] = v.flag(var, default)
        if s[name] is _UNKNOWN:
            return None
    return s if _client_well_known(v, s) else None


_WK = "matrix_static_files_file_matrix_client_"


def _client_well_known(v: _Vars, s: dict) -> bool:
    """The client well-known's call keys, as matrix-static-files' client.j2 writes them and
    `…_configuration_extension_json` extends them (combine, recursive); False if unreadable."""
    s["static_files"] = v.flag("matrix_static_files_enabled", True)
    s["foci_enabled"] = v.flag(_WK + "property_org_matrix_msc4143_rtc_foci_enabled", s["jwt"])
    custom = v.value(_WK + "property_org_matrix_msc4143_rtc_foci_custom", [])
    base_url = v.text(_WK + "property_m_homeserver_base_url", v.text("matrix_homeserver_url", s["base_url"]))
    s["base_domain"] = v.flag("matrix_static_files_container_labels_base_domain_enabled", False)
    extension = v.value(_WK + "configuration_extension_json", "{}")
    replaced = v.span(_WK + "configuration_json") or v.span(_WK + "configuration")  # the whole file, by hand
    if replaced or not isinstance(custom, list) or not isinstance(extension, str) or \
            _UNKNOWN in (s["static_files"], s["foci_enabled"], base_url, s["base_domain"]):
        return False
    try:
        extension = json.loads(extension)
    except ValueError:
        return False
    body: dict = {"m.homeserver": {"base_url": base_url}}
    if s["foci_enabled"]:
        body["org.matrix.msc4143.rtc_foci"] = \
            ([{"type": "livekit", "livekit_service_url": s["jwt_url"]}] if s["jwt"] else []) + custom
    s["client_body"] = _combine(body, extension) if isinstance(extension, dict) else body
    return True


# The variable each setting follows when it is not written itself, most specific first.
_DRIVERS = {
    "rtc": ("matrix_rtc_enabled", "matrix_element_call_enabled"),
    "jwt": ("matrix_livekit_jwt_service_enabled", "livekit_server_enabled", "matrix_rtc_enabled",
            "matrix_element_call_enabled"),
}


def _synapse(doc: Document, v: _Vars, s: dict) -> SynapseConfig | None:
    """Synapse's settings as homeserver.yaml.j2 writes them (keys under Synapse's names)."""
    cfg = SynapseConfig(path=doc.path, span=v.where())
    keys = cfg.keys
    keys["server_name"] = Located(s["domain"], v.where("matrix_domain"))
    keys["public_baseurl"] = Located(s["base_url"] + "/", v.where("matrix_server_fqn_matrix"))
    rtc_at = v.where(*_DRIVERS["rtc"])
    cfg.experimental_span = rtc_at
    _set_top(cfg, "experimental_features", {}, rtc_at)
    for flag in ("msc4143", "msc4222", "msc4354"):
        var = f"matrix_synapse_experimental_features_{flag}_enabled"
        if s[flag] or v.span(var) is not None:  # the playbook writes enabled flags only
            at = v.where(var, *(_DRIVERS["jwt"] if flag == "msc4143" else _DRIVERS["rtc"]))
            keys[f"experimental_features.{flag}_enabled"] = cfg.experimental[f"{flag}_enabled"] = \
                Located(bool(s[flag]), at, at)
            keys["experimental_features"].value[f"{flag}_enabled"] = bool(s[flag])
    if s["delayed"]:
        at = v.where("matrix_synapse_delayed_events_enabled", *_DRIVERS["rtc"])
        keys["max_event_delay_duration"] = Located(v.value("matrix_synapse_max_event_delay_duration", "24h"), at, at)
        keys["rc_delayed_event_mgmt"] = Located(v.value("matrix_synapse_rc_delayed_event_mgmt",
                                                        {"per_second": 1, "burst_count": 20}), at, at)
    elif v.span("matrix_synapse_delayed_events_enabled") is not None:  # turned off here: unset, as Synapse reads it
        at = v.where("matrix_synapse_delayed_events_enabled")
        keys["max_event_delay_duration"] = Located(None, at, at)
    keys["rc_message"] = Located(v.value("matrix_synapse_rc_message", {"per_second": 0.5, "burst_count": 30}),
                                 v.where("matrix_synapse_rc_message"))
    transports_at = v.where("matrix_synapse_matrix_rtc_transports_livekit_url",
                           "matrix_synapse_matrix_rtc_transports_custom", *_DRIVERS["jwt"])
    # The playbook always writes `matrix_rtc.transports`; empty, it is Synapse's default, as if
    # unset, unless a variable here emptied it (then findings point at that line).
    if s["transports"] or v.span("matrix_synapse_matrix_rtc_transports_livekit_url") is not None:
        _set_top(cfg, "matrix_rtc", {"transports": s["transports"]}, transports_at)
    if not _extend(v, cfg):
        return None
    from rtclint.parsers.yaml_synapse import settle

    settle(cfg)
    cfg.raw = {k: val.value for k, val in keys.items() if "." not in k and "[" not in k}
    return cfg


def _extend(v: _Vars, cfg: SynapseConfig) -> bool:
    """`matrix_synapse_experimental_features_custom` (combined into experimental_features)
    and `matrix_synapse_configuration_extension_yaml` (YAML combined into the whole
    homeserver.yaml; not a mapping: ignored), both `combine(recursive=True)`: mappings
    merge, anything else replaces. False when either cannot be read."""
    from rtclint.parsers.pyyaml import yaml

    custom = v.value("matrix_synapse_experimental_features_custom", {})
    text = v.value("matrix_synapse_configuration_extension_yaml", "")
    if not isinstance(custom, dict) or not isinstance(text, str):
        return False
    try:
        extension = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        return False
    extension = extension if isinstance(extension, dict) else {}
    for source, overrides in (("matrix_synapse_experimental_features_custom", {"experimental_features": custom} if custom else {}),
                              ("matrix_synapse_configuration_extension_yaml", extension)):
        for top, value in overrides.items():
            old = cfg.keys.get(str(top))
            merged = _combine(old.value, value) if old is not None else value
            _set_top(cfg, str(top), merged, v.where(source), keep=old is not None)
    return True


def _combine(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _combine(base[k], val) if k in base else val for k, val in override.items()}}
    return override


def _set_top(cfg: SynapseConfig, top: str, value, at: Span, keep: bool = False) -> None:
    """Set a top-level setting and the dotted keys under it, as yaml_synapse reads them;
    `keep`: an unchanged nested value keeps where it was written."""
    from rtclint.parsers.yaml_synapse import NESTED_SECTIONS

    before = {k: loc for k, loc in cfg.keys.items() if k.startswith((top + ".", top + "["))} if keep else {}
    for key in [k for k in cfg.keys if k == top or k.startswith((top + ".", top + "["))]:
        del cfg.keys[key]
    cfg.keys[top] = Located(value, at, at)
    if top in NESTED_SECTIONS and isinstance(value, dict):
        for sub, sub_value in value.items():
            prior = before.get(f"{top}.{sub}")
            cfg.keys[f"{top}.{sub}"] = prior if prior is not None and prior.value == sub_value else \
                Located(sub_value, at, at)
    if top == "experimental_features":
        cfg.experimental = {k.split(".", 1)[1]: loc for k, loc in cfg.keys.items() if k.startswith(top + ".")}
    if top == "matrix_rtc":
        transports = value.get("transports") if isinstance(value, dict) else None
        cfg.transports = [Located(entry, at) for entry in transports] if isinstance(transports, list) else []
        for index, entry in enumerate(cfg.transports):
            for key, sub_value in (entry.value.items() if isinstance(entry.value, dict) else ()):
                cfg.keys[f"matrix_rtc.transports[{index}].{key}"] = Located(sub_value, at, at)


def _synapse_container(v: _Vars) -> Service:
    """The Synapse container, for its version: `matrix_synapse_version` (v1.159.0 at the
    commit read; roles/custom/matrix-synapse/defaults/main.yml) tags its image."""
    version = v.value("matrix_synapse_version", SYNAPSE_VERSION)
    tag = version if isinstance(version, str) else "unknown"
    return Service(name="matrix-synapse", role="synapse", source="playbook", span=v.where("matrix_synapse_version"),
                   image=Located(f"ghcr.io/element-hq/synapse:{tag}", v.where("matrix_synapse_version")),
                   facts={"playbook": True})


def _well_known(v: _Vars, s: dict) -> WellKnown:
    """The client well-known matrix-static-files serves (on matrix.<domain>; on the base
    domain too only when the playbook serves that)."""
    body = s["client_body"]
    hosts = [s["fqn"], s["domain"]] if s["base_domain"] else []
    at = v.where(_WK + "configuration_extension_json", _WK + "property_org_matrix_msc4143_rtc_foci_custom",
                _WK + "property_org_matrix_msc4143_rtc_foci_enabled", *_DRIVERS["jwt"])
    return WellKnown(which="client", body=json.dumps(body, indent=2), span=at, source="playbook", hosts=hosts,
                     value=body, facts={"served_on": [s["fqn"]], "playbook": True})
