"""Traefik label variants: the file-provider variants (generate_traefik.py) spelled as the
Compose labels of the containers their services name, for Traefik's docker provider.

Beside the routing axes of the file variants, what people get wrong with labels: the
list form (`- key=value`) against the map form, a router without `service` (the
container's only service), a middleware defined on another container (one provider,
one namespace), option names in another case (`loadBalancer.server.port`,
`stripPrefix.prefixes`), a container with `traefik.enable=false` whose catch-all router
must not count, a router or middleware two containers define (differently: Traefik
drops it; identically: kept once), `exposedbydefault=false` with a container not
enabled."""

from __future__ import annotations

import itertools
import os

import yaml

from tools.replay.generate_traefik import CATCH_ALL, ENTRY, HOSTS, JWT, JWT_MW, SFU, WK_MW, WK_RULE, _config

FORM = ("list", "map")
SERVICE_LABEL = ("named", "implicit")
MW_HOME = ("own", "synapse")
CASE = ("lower", "camel")
DECOY = ("none", "disabled")
# a name two containers define: differently (Traefik drops it) or identically (kept once)
CONFLICT = ("none", "router", "middleware", "same")
# Traefik run with --providers.docker.exposedbydefault=false: every container labelled
# traefik.enable=true, or the JWT service's container not
EXPOSED = ("default", "enabled", "jwt-not-enabled")
STRIDE = 20789  # a prime: consecutive picks differ on every axis
TRAEFIK = {"image": "traefik:v3.3", "command": ["--providers.docker=true", "--entrypoints.web.address=:80",
                                                "--entrypoints.websecure.address=:443"],
           "ports": ["80:80", "443:443"]}


def traefik_labels(out: str, stride: int = STRIDE) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(WK_RULE, WK_MW, JWT, SFU, HOSTS, ENTRY, CATCH_ALL, JWT_MW,
                             FORM, SERVICE_LABEL, MW_HOME, CASE, DECOY, CONFLICT,
                             EXPOSED)
    for i, choice in enumerate(axes):
        if i % stride:
            continue
        folder = os.path.join(out, f"traefik-labels-{i:05d}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "compose.yml")
        with open(path, "w") as fh:
            yaml.safe_dump(compose(_config(*choice[:8]), *choice[8:]), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def compose(dynamic: dict, form: str, service_label: str, mw_home: str, case: str, decoy: str,
            conflict: str = "none", exposed: str = "default") -> dict:
    """A Compose project whose containers carry `dynamic` (a file-provider config) as labels."""
    http = dynamic["http"]
    labels: dict[str, dict[str, str]] = {}
    used: dict[str, list[str]] = {}
    for name, router in http["routers"].items():
        home = _host_of(http["services"][router["service"]])
        used.setdefault(home, []).extend(router.get("middlewares", []))
        for option, value in router.items():
            if option == "service" and service_label == "implicit":
                continue
            key = {"entryPoints": "entrypoints"}.get(option, option) if case == "lower" else option
            labels.setdefault(home, {})[f"traefik.http.routers.{name}.{key}"] = _text(value)
    for name, service in http["services"].items():
        home = _host_of(service)
        port = service["loadBalancer"]["servers"][0]["url"].rsplit(":", 1)[1]
        lb = "loadbalancer" if case == "lower" else "loadBalancer"
        labels.setdefault(home, {})[f"traefik.http.services.{name}.{lb}.server.port"] = port
    for name, middleware in http["middlewares"].items():
        users = [c for c, names in used.items() if name in names]
        if not users:
            continue
        home = "synapse" if mw_home == "synapse" else users[0]
        for key, value in _flatten(middleware, case):
            labels.setdefault(home, {})[f"traefik.http.middlewares.{name}.{key}"] = value
    _conflict(labels, conflict)
    services = {"traefik": TRAEFIK}
    if exposed != "default":
        services["traefik"] = dict(TRAEFIK, command=TRAEFIK["command"] + ["--providers.docker.exposedbydefault=false"])
        for container, own in labels.items():
            if not (exposed == "jwt-not-enabled" and container == "lk-jwt"):
                own["traefik.enable"] = "true"
    for container, own in labels.items():
        services[container] = {"image": f"example/{container}",
                               "labels": own if form == "map" else [f"{k}={v}" for k, v in own.items()]}
    if decoy == "disabled":
        services["decoy"] = {"image": "example/decoy", "labels": {
            "traefik.enable": "false", "traefik.http.routers.decoy.rule": "PathPrefix(`/`)",
            "traefik.http.routers.decoy.priority": "99999",
            "traefik.http.services.decoy.loadbalancer.server.port": "9000"}}
    return {"services": services}


def _conflict(labels: dict[str, dict[str, str]], conflict: str) -> None:
    """Another container's labels for the JWT router or its strip middleware."""
    jwt = labels.get("lk-jwt", {})
    other = "livekit" if conflict == "router" else "synapse"
    for key, value in list(jwt.items()):
        if conflict == "router" and key.lower().endswith("routers.jwt.rule"):
            labels.setdefault(other, {})[key] = "PathPrefix(`/elsewhere`)"
        elif conflict in ("middleware", "same") and ".middlewares.strip-jwt." in key.lower():
            labels.setdefault(other, {})[key] = value if conflict == "same" else "/elsewhere"


def _host_of(service: dict) -> str:
    return service["loadBalancer"]["servers"][0]["url"].split("//", 1)[1].rsplit(":", 1)[0]


def _flatten(value, case: str, prefix: str = "", data_keys: bool = False) -> list[tuple[str, str]]:
    """A middleware's options as label keys: maps one level deeper, lists comma-joined; the
    keys of a header map are header names, kept as written."""
    if not isinstance(value, dict):
        return [(prefix, _text(value))]
    out = []
    for key, inner in value.items():
        spelled = key if case == "camel" or data_keys else key.lower()
        out += _flatten(inner, case, f"{prefix}.{spelled}" if prefix else spelled,
                        key.lower() in ("customresponseheaders", "customrequestheaders"))
    return out


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
