"""NixOS service options → the facts the YAML/TOML/env readers give for the same programs.

- `services.matrix-synapse.settings` is the homeserver.yaml NixOS writes (nulls
  dropped): a SynapseConfig with the same dotted keys as `yaml_synapse`.
- `services.matrix-continuwuity.settings` (also the older `services.conduwuit`) and
  `services.matrix-tuwunel.settings` are the TOML file (`global.*`, nulls left out): a
  SynapseConfig with the flavor set, as `toml_homeserver`.
- `services.livekit`: `settings` is LiveKit's config (the module's defaults written in:
  port 7880, rtc.port_range_start 50000, port_range_end 51000, use_external_ip false),
  `keyFile` is passed as `--key-file` [nixpkgs nixos/modules/services/networking/livekit.nix].
- `services.lk-jwt-service`: a Service(role='jwt', source='nixos') whose environment is
  `environment.*` with the module's defaults (`LIVEKIT_JWT_BIND=:8080`,
  `LIVEKIT_FULL_ACCESS_HOMESERVERS=*`), and the renamed options `livekitUrl`, `port`,
  `keyFile` [nixos/modules/services/matrix/lk-jwt-service.nix]. `environmentFile` makes
  the environment partly unknown.

A setting the rules read that Nix must compute leaves the whole program out: rtclint
stays quiet rather than call a computed value missing.
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model import EnvVar, FileFacts, LiveKitConfig, Located, Service, SynapseConfig
from rtclint.parsers.nix_syntax import NixValue

SYNAPSE_CALL_KEYS = ("server_name", "public_baseurl", "experimental_features", "matrix_rtc",
                     "max_event_delay_duration", "rc_message", "rc_delayed_event_mgmt",
                     "extra_well_known_client_content", "serve_server_wellknown")
LIVEKIT_DEFAULTS = {"port_range_start": 50000, "port_range_end": 51000, "use_external_ip": False}
JWT_DEFAULTS = {"LIVEKIT_JWT_BIND": ":8080", "LIVEKIT_FULL_ACCESS_HOMESERVERS": "*"}
JWT_RENAMED = {"livekitUrl": "LIVEKIT_URL", "port": "LIVEKIT_JWT_PORT", "keyFile": "LIVEKIT_KEY_FILE"}


def located(value: NixValue) -> Located:
    return Located(value.python(), value.span, value.key_span)


def inner_span(value: NixValue):
    """A string's text without its quotes (where secrets are masked from), else its span."""
    if value.kind == "str" and value.offsets:
        return Span(value.span.path, value.offsets[0], value.offsets[-1] + 1)
    return value.span


def enabled(service: NixValue) -> bool:
    """False only when `enable = false` is written: the option may be set in another file."""
    flag = service.get("enable")
    return not (flag is not None and flag.kind == "bool" and flag.value is False)


# -- Synapse ----------------------------------------------------------------------------


def synapse(doc: Document, service: NixValue, facts: FileFacts) -> None:
    from rtclint.parsers.yaml_synapse import NESTED_SECTIONS, settle, synapse_well_known

    settings = service.get("settings")
    if settings is None or settings.kind != "attrs" or settings.partial:
        return
    if any(settings.get(k) is not None and not settings.get(k).known for k in SYNAPSE_CALL_KEYS):
        return
    cfg = SynapseConfig(path=doc.path, span=settings.key_span or settings.span, raw=settings.python())
    for key, value in settings.value.items():
        if value.kind == "null":
            continue  # the module drops nulls from the YAML it writes: the setting is unset
        cfg.keys[key] = located(value)
        if key in NESTED_SECTIONS and value.kind == "attrs":
            if key == "experimental_features":
                cfg.experimental_span = value.span
            for sub, sub_value in value.value.items():
                if sub_value.kind == "null":
                    continue
                cfg.keys[f"{key}.{sub}"] = located(sub_value)
                if key == "experimental_features":
                    cfg.experimental[sub] = cfg.keys[f"{key}.{sub}"]
    settle(cfg)
    transports = settings.get("matrix_rtc", "transports")
    for index, entry in enumerate(transports.value if transports is not None and transports.kind == "list" else []):
        _transport(cfg, index, entry)
    facts.synapse.append(cfg)
    wk = synapse_well_known(cfg)
    if wk is not None:
        facts.well_knowns.append(wk)


def _transport(cfg: SynapseConfig, index: int, entry: NixValue) -> None:
    cfg.transports.append(Located(entry.python(), entry.span))
    for key, value in entry.value.items() if entry.kind == "attrs" else ():
        cfg.keys[f"matrix_rtc.transports[{index}].{key}"] = located(value)


# -- Continuwuity / Tuwunel -------------------------------------------------------------


def toml_homeserver(doc: Document, service: NixValue, flavor: str, facts: FileFacts) -> None:
    from rtclint.parsers.toml_homeserver import served_well_known

    glob = service.get("settings", "global")
    if glob is None or glob.kind != "attrs" or not glob.known:
        return  # a computed setting could be any of the ones the rules read
    cfg = SynapseConfig(path=doc.path, span=glob.key_span or glob.span, raw={"global": glob.python()}, flavor=flavor)
    if "server_name" in glob.value:
        cfg.keys["server_name"] = cfg.server_name = located(glob.value["server_name"])
    cfg.fragment = cfg.server_name is None
    well_known = glob.get("well_known")
    for key, value in well_known.value.items() if well_known is not None and well_known.kind == "attrs" else ():
        if value.kind == "null":
            continue  # TOML has no null: the module leaves such settings out
        if value.kind not in ("attrs", "list") or key == "rtc_focus_server_urls":
            cfg.keys[f"well_known.{key}"] = located(value)
    entries: list[NixValue] = []
    if flavor == "tuwunel":
        url = glob.get("well_known", "livekit_url")
        if url is not None and url.kind == "str":
            entries.append(NixValue("attrs", {"type": NixValue("str", "livekit", url.span),
                                              "livekit_service_url": url}, url.span))
        listed = glob.get("well_known", "rtc_transports")
    else:
        listed = glob.get("matrix_rtc", "foci")
        rtc = glob.get("matrix_rtc")
        if rtc is not None:
            anchor = listed.span if listed is not None else rtc.span
            cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located(rtc.python(), anchor, rtc.key_span)
            cfg.keys["matrix_rtc.foci"] = located(listed) if listed is not None else Located(None, rtc.span)
    entries += listed.value if listed is not None and listed.kind == "list" else []
    if flavor == "tuwunel" and entries:
        cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located([e.python() for e in entries], entries[0].span,
                                                          entries[0].span)
    for index, entry in enumerate(entries):
        _transport(cfg, index, entry)
    facts.toml_homeservers.append(cfg)
    wk = served_well_known(cfg)
    if wk is not None:
        facts.well_knowns.append(wk)


# -- LiveKit and lk-jwt-service ---------------------------------------------------------


def livekit(doc: Document, service: NixValue, facts: FileFacts) -> None:
    from rtclint.parsers.yaml_livekit import RTC_KEYS, TURN_KEYS

    settings = service.get("settings")
    if settings is not None and (settings.kind != "attrs" or not settings.known):
        return
    settings = settings or NixValue("attrs", {}, service.span)
    anchor = service.key_span or service.span
    # origin 'file': NixOS writes the settings to a JSON file LiveKit reads with --config
    cfg = LiveKitConfig(path=doc.path, span=anchor, raw=settings.python(), facts={"origin": "file", "nixos": True})
    port = settings.get("port")
    cfg.port = located(port) if port is not None else Located(7880, anchor)
    rtc = settings.get("rtc")
    if rtc is not None:
        cfg.facts["rtc_span"] = rtc.key_span or rtc.span
    for name in RTC_KEYS:
        value = rtc.get(name) if rtc is not None else None
        if value is not None:
            cfg.rtc[name] = located(value)
        elif name in LIVEKIT_DEFAULTS:  # the module writes these into the generated config
            cfg.rtc[name] = Located(LIVEKIT_DEFAULTS[name], anchor)
    keys = settings.get("keys")
    if keys is not None and keys.kind == "attrs":
        cfg.facts["keys_span"] = keys.key_span or keys.span
        for name, value in keys.value.items():
            cfg.keys[name] = Located(str(value.value), inner_span(value), value.key_span)
    key_file = service.get("keyFile")
    if key_file is not None:
        cfg.key_file = located(key_file)
    turn = settings.get("turn")
    if turn is not None and turn.kind == "attrs":
        cfg.facts["turn_span"] = turn.key_span or turn.span
        for name in TURN_KEYS:
            if name in turn.value:
                cfg.turn[name] = located(turn.value[name])
    _webhook(settings.get("webhook"), cfg)
    development = settings.get("development")
    if development is not None:
        cfg.facts["development"] = development.value is True
    auto_create = settings.get("room", "auto_create")
    if auto_create is not None:
        cfg.facts["room_span"] = settings.get("room").key_span
        cfg.facts["room_auto_create"] = located(auto_create)
    facts.livekit.append(cfg)


def _webhook(hook: NixValue | None, cfg: LiveKitConfig) -> None:
    """`settings.webhook` as yaml_livekit reads `webhook:` (RTC409); a list of URLs Nix
    would compute is unknown, so the rule stays quiet about it."""
    if hook is None:
        return
    cfg.facts["webhook_span"] = hook.key_span or hook.span
    if hook.kind != "attrs":
        cfg.facts["webhook_unknown"] = True
        return
    api_key = hook.get("api_key")
    if api_key is not None:
        cfg.webhook_api_key = located(api_key)
    urls = hook.get("urls")
    if urls is not None and (urls.kind != "list" or not urls.known):
        cfg.facts["webhook_unknown"] = True
    elif urls is not None:
        cfg.facts["webhook_urls"] = [u.value for u in urls.value if u.kind == "str"]


def jwt_service(doc: Document, service: NixValue, facts: FileFacts) -> None:
    environment = service.get("environment")
    if environment is not None and (environment.kind != "attrs" or environment.partial):
        return
    anchor = service.key_span or service.span
    svc = Service(name="lk-jwt-service", role="jwt", source="nixos", span=anchor, group=doc.path,
                  facts={"nixos": True})
    for name, value in JWT_DEFAULTS.items():
        svc.env[name] = EnvVar(name, value, anchor)
    for option, name in JWT_RENAMED.items():
        if service.get(option) is not None:
            _env(svc, name, service.get(option))
    for name, value in environment.value.items() if environment is not None else ():
        _env(svc, name, value)
    if environment is not None:
        svc.facts["environment_span"] = environment.key_span or environment.span
    if service.get("environmentFile") is not None:
        svc.facts["env_from"] = True  # variables rtclint cannot see (RTC300 stays quiet)
    facts.services.append(svc)


def _env(svc: Service, name: str, value: NixValue) -> None:
    span = value.span
    if value.kind == "list":  # LIVEKIT_FULL_ACCESS_HOMESERVERS: the module joins a list with ','
        text = ",".join(str(v.value) for v in value.value) if value.known else None
    elif value.kind in ("str", "int", "path"):
        text = str(value.value)
    elif value.kind == "null":
        return
    else:
        text = None
    svc.env[name] = EnvVar(name, text, value.key_span or span, value_span=inner_span(value), name_span=value.key_span,
                           from_secret=text is None)
