"""Traefik's Docker provider: `traefik.*` container labels → a `traefik.Dynamic`.

Labels spell the dynamic configuration as dotted keys, case-insensitively:
`traefik.http.routers.<r>.rule`, `.entrypoints`, `.middlewares` (comma-separated),
`.service`, `.priority`; `traefik.http.services.<s>.loadbalancer.server.port|scheme`;
`traefik.http.middlewares.<m>.<type>.<option>` (lists comma-separated, maps one level
deeper: `headers.customresponseheaders.X-Name`). As the Docker provider does:
- `traefik.enable=false` hides the container; with `exposedByDefault=false` (a Traefik
  container's `--providers.docker.exposedbydefault=false`) only `traefik.enable=true` shows it;
- a router without `service` uses the container's only service; when the labels define
  no service, Traefik makes one named after the container on its single exposed port
  (unknown when the container exposes several or none the tree shows);
- the upstream host is the Compose service name, on the project network.
"""

from __future__ import annotations

from rtclint.document import Span
from rtclint.model.proxy import Upstream
from rtclint.parsers.traefik import Dynamic, Middleware, Router, Value

_BOOLS = {**dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
          **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False)}
# Middleware options whose label value is a comma-separated list.
_LIST_OPTIONS = {"prefixes", "regex", "accesscontrolalloworiginlist", "accesscontrolallowmethods",
                 "accesscontrolallowheaders", "sourcerange"}


def dynamic_from_labels(labels: list[tuple[str, str, Span]], service: str, span: Span,
                        exposed_ports: list[int], exposed_by_default: bool = True) -> Dynamic | None:
    """The container's Traefik configuration, or None when it has no router labels or
    is disabled. `labels` are (key, value, span of the value)."""
    by_key = {key.lower(): (key, value, vspan) for key, value, vspan in labels}
    enable = by_key.get("traefik.enable")
    # Go's strconv.ParseBool; a value it refuses makes Traefik skip the container
    enabled = _BOOLS.get(enable[1].strip(), False) if enable is not None else exposed_by_default
    if not enabled:
        return None
    dyn = Dynamic()
    ports: dict[str, Value] = {}
    schemes: dict[str, str] = {}
    for low, (key, value, vspan) in by_key.items():
        parts = key.split(".")
        lparts = low.split(".")
        if len(parts) < 5 or lparts[:2] != ["traefik", "http"]:
            continue
        section, name, rest = lparts[2], parts[3], lparts[4:]
        if section == "routers":
            _router_label(dyn, name, rest, value, vspan)
        elif section == "services" and rest[:3] == ["loadbalancer", "server", "port"]:
            ports[name] = Value(int(value) if value.strip().isdecimal() else None, vspan)
        elif section == "services" and rest[:3] == ["loadbalancer", "server", "scheme"]:
            schemes[name] = value.strip()
        elif section == "middlewares" and len(rest) >= 2:
            _middleware_label(dyn, name, rest, parts[4:], value, vspan)
    if not dyn.routers:
        return None
    for name, port in ports.items():
        if port.value is not None:
            dyn.services[name] = [Upstream(host=service, port=port.value, scheme=schemes.get(name, "http"),
                                           span=port.span, port_span=port.span)]
    _default_services(dyn, service, span, ports, exposed_ports)
    return dyn


def _router_label(dyn: Dynamic, name: str, rest: list[str], value: str, vspan: Span) -> None:
    router = dyn.routers.setdefault(name, Router(name=name, span=vspan))
    option = rest[0]
    if option in ("rule", "service"):
        setattr(router, option, Value(value, vspan))
    elif option == "priority":
        router.priority = Value(int(value) if value.strip().isdecimal() else None, vspan)
    elif option in ("middlewares", "entrypoints"):
        setattr(router, option, [Value(v.strip(), vspan) for v in value.split(",") if v.strip()])
    elif option == "tls":
        router.tls = True


def _middleware_label(dyn: Dynamic, name: str, rest: list[str], raw_rest: list[str], value: str, vspan: Span) -> None:
    kind, option = rest[0], rest[1]
    mw = dyn.middlewares.setdefault(name, Middleware(name, kind, {}, vspan))
    if len(rest) >= 3:  # a map option: headers.customresponseheaders.<Header-Name>
        inner = mw.options.setdefault(option, Value({}, vspan))
        inner.value[raw_rest[2]] = Value(value, vspan)
    elif option in _LIST_OPTIONS and not (kind == "redirectregex" and option == "regex"):  # a string there
        mw.options[option] = Value([Value(v.strip(), vspan) for v in value.split(",")], vspan)
    else:
        mw.options[option] = Value(value.strip().lower() == "true" if option == "permanent" else value, vspan)


def _default_services(dyn: Dynamic, service: str, span: Span, ports: dict[str, Value],
                      exposed_ports: list[int]) -> None:
    """Routers without `service`: the container's only labelled service, else the one
    Traefik creates on the container's single exposed port."""
    if len(dyn.services) == 1 or (len(ports) == 1 and not dyn.services):
        only = next(iter(dyn.services or ports))
    else:
        only = None
    for router in dyn.routers.values():
        if router.service is not None:
            continue
        if only is not None:
            router.service = Value(only, router.span)
        else:
            # Traefik takes the port from the container (its image's EXPOSE too, which the
            # tree does not show): the upstream is unknown, never guessed.
            router.facts_unknown = (f"Traefik picks the port of `{service}` from the running container "
                                    "(no `loadbalancer.server.port` label)")
