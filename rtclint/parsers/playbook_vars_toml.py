"""Continuwuity and Tuwunel through matrix-docker-ansible-deploy: the TOML homeserver
facts (parsers/toml_homeserver.py gives the same for a TOML file) of the config the
playbook writes when `matrix_homeserver_implementation` is `continuwuity` or `tuwunel`.

Read at matrix-docker-ansible-deploy c0681e4:
- roles/custom/matrix-continuwuity (v26.7.3), templates/continuwuity.toml.j2:
  `server_name` (`matrix_continuwuity_config_server_name`, the domain), `[global.well_known]
  client` (always written; group_vars/matrix_servers: `matrix_homeserver_url` when SSL is on,
  else empty), `[global.matrix_rtc] foci` = `…_rtc_foci_default` (the JWT service's public URL
  as a livekit focus while it is enabled, `…_rtc_foci_livekit_url`) + `…_auto` + `…_custom`.
- roles/custom/matrix-tuwunel (v1.9.0), templates/tuwunel.toml.j2: `[global.well_known]`
  with `client` and `livekit_url` (each written only when not empty; the same sources).

The client well-known clients read is still matrix-static-files' (parsers/playbook_vars.py),
so the homeserver's own well-known is not added here."""

from __future__ import annotations

from rtclint.model import Located, Service, SynapseConfig
from rtclint.parsers.playbook_vars_base import Unreadable, Vars, known

IMAGES = {"continuwuity": ("forgejo.ellis.link/continuwuation/continuwuity", "v26.7.3"),
          "tuwunel": ("ghcr.io/matrix-construct/tuwunel", "v1.9.0")}


def toml_homeserver(v: Vars, s: dict, flavor: str) -> tuple[SynapseConfig, Service]:
    pre = f"matrix_{flavor}_config_"
    jwt_drivers = ("matrix_livekit_jwt_service_enabled", "livekit_server_enabled", "matrix_rtc_enabled",
                   "matrix_element_call_enabled")
    cfg = SynapseConfig(path=v.doc.path, span=v.where(), flavor=flavor)
    cfg.server_name = cfg.keys["server_name"] = Located(known(v.text(pre + "server_name", s["domain"])),
                                                        v.where(pre + "server_name", "matrix_domain"))
    ssl = s["scheme"] == "https"
    client = known(v.text(pre + "well_known_client", known(v.text("matrix_homeserver_url", s["base_url"])) if ssl else ""))
    client_at = v.where(pre + "well_known_client", "matrix_homeserver_url", "matrix_playbook_ssl_enabled")
    if flavor == "continuwuity" or client:
        cfg.keys["well_known.client"] = Located(client, client_at, client_at)
    if flavor == "continuwuity":
        url = known(v.text(pre + "rtc_foci_livekit_url", s["jwt_url"] if s["jwt"] else ""))
        extra = [known(v.value(pre + "rtc_foci_auto", [])), known(v.value(pre + "rtc_foci_custom", []))]
        if not all(isinstance(x, list) for x in extra):
            raise Unreadable
        entries = ([{"type": "livekit", "livekit_service_url": url}] if url else []) + extra[0] + extra[1]
        at = v.where(pre + "rtc_foci_custom", pre + "rtc_foci_livekit_url", *jwt_drivers)
        cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located({"foci": entries}, at, at)
        cfg.keys["matrix_rtc.foci"] = Located(entries, at, at)
    else:
        url = known(v.text(pre + "well_known_livekit_url", s["jwt_url"] if s["jwt"] else ""))
        at = v.where(pre + "well_known_livekit_url", *jwt_drivers)
        entries = [{"type": "livekit", "livekit_service_url": url}] if url else []
        if url:
            cfg.keys["well_known.livekit_url"] = Located(url, at, at)
            cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located(entries, at, at)
    for index, entry in enumerate(entries):
        for key, value in (entry.items() if isinstance(entry, dict) else ()):
            cfg.keys[f"matrix_rtc.transports[{index}].{key}"] = Located(value, at, at)
        cfg.transports.append(Located(entry, at))
    image, tag = IMAGES[flavor]
    version = known(v.text(f"matrix_{flavor}_version", tag))
    service = Service(name=f"matrix-{flavor}", role="other", source="playbook", span=v.where(f"matrix_{flavor}_version"),
                      group=v.doc.path, image=Located(f"{image}:{version}", v.where(f"matrix_{flavor}_version")),
                      aliases={f"matrix-{flavor}"}, facts={"playbook": True})
    return cfg, service
