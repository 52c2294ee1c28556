"""Docker Compose files → one Service(source='compose') per entry of `services:`.

What is kept, each with its span: the image (its tag gives version targets), the
environment (`environment:` as a list or a map, `env_file:` read from the tree; the
`environment:` entry wins, as in Compose), published ports in every short and long
syntax (ranges, host IPs, `/udp`) and `expose:`, `network_mode`, the names other
containers reach it by (service name, `hostname`, `container_name`, network aliases),
bind mounts resolved to files in the tree, and `command`.

A LiveKit container's configuration is linked by what the container reads: `--config
PATH` in its command and the bind mount that puts a tree file at PATH (so the file's
kind comes from the mount even when its name says nothing), or YAML in `LIVEKIT_CONFIG`,
and `LIVEKIT_KEYS`. Mounted homeserver.yaml and well-known files are linked the same way.
"""

from __future__ import annotations

import os
import re

from rtclint.discover import display_path, kind_from_name
from rtclint.document import Document, Span
from rtclint.lazy_regex import lazy
from rtclint.model import EnvVar, FileFacts, LiveKitConfig, Located, Mount, PortMapping, Service, WellKnown
from rtclint.parsers import envfile, yaml_livekit
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify, load_nodes, mapping_get, mapping_items, node_span, scalar
from rtclint.model.stacks import command_option
from rtclint.parsers.yaml_values import Embedded, align, compose_nested, embedded, located, value_span

# Image name (registry and tag stripped) → role.
_IMAGE_ROLES = (
    (re.compile(r"(^|/)lk-jwt-service$"), "jwt"),
    (re.compile(r"(^|/)livekit-server$"), "livekit"),
    (re.compile(r"(^|/)(synapse|matrix-synapse)$"), "synapse"),
    (re.compile(r"(^|/)element-call$"), "element-call"),
    (re.compile(r"(^|/)(caddy|nginx|haproxy|traefik|openresty|angie)($|-)"), "proxy"),
)
SYNAPSE_CONFIG_TARGETS = ("/data/homeserver.yaml",)


def image_role(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: len(name) - len(last[-1]) + last[-1].index(":")]
    for pattern, role in _IMAGE_ROLES:
        if pattern.search(name.lower()):
            return role
    return None


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    base_dir = os.path.dirname(doc.abspath)
    project_env = _project_env(base_dir, tree, facts)
    for root in nodes:
        _, services = mapping_get(root, "services")
        for name, key, node in mapping_items(services):
            if isinstance(node, yaml.MappingNode):
                svc = _service(doc, name, key, node, tree, facts, base_dir, project_env)
                facts.services.append(svc)
        from rtclint.parsers.compose_traefik import read_labels  # only trees with Compose files

        read_labels(doc, services, facts)


def _project_env(base_dir: str, tree: Tree, facts: FileFacts) -> dict[str, EnvVar]:
    """The project `.env` beside the Compose file: what `${VAR}` in the file becomes."""
    path = os.path.join(base_dir, ".env")
    other = tree.load(path) if os.path.isfile(path) and tree.inside(path) else None
    if other is None:
        return {}
    facts.includes.append(other.path)
    variables, _problems = envfile.parse_env(other)
    return {v.name: v for v in variables}


_REFERENCE = lazy(r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                  r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


def interpolate(value: str, env: dict[str, EnvVar]) -> tuple[str | None, list[EnvVar]]:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$` with the
    project .env; (None, []) when a variable is unknown here (the shell may set it)."""
    used: list[EnvVar] = []
    unknown = False

    def one(m: re.Match) -> str:
        nonlocal unknown
        if m.group(0) == "$$":
            return "$"
        name = m.group("braced") or m.group("bare")
        var = env.get(name)
        op, arg = m.group("op"), m.group("arg") or ""
        have = var is not None and var.value is not None and (var.value != "" or op not in (":-", ":?", ":+"))
        if op in ("-", ":-"):
            if have:
                used.append(var)
                return var.value
            return arg
        if op in ("+", ":+"):
            return arg if have else ""
        if not have:
            unknown = True
            return m.group(0)
        used.append(var)
        return var.value

    result = _REFERENCE.sub(one, value)
    return (None, []) if unknown else (result, used)


def _apply_project_env(svc: Service, project_env: dict[str, EnvVar]) -> None:
    for var in svc.env.values():
        if var.value is None or "$" not in var.value or var.from_file:
            continue
        resolved, used = interpolate(var.value, project_env)
        if resolved is None:
            continue
        single = _REFERENCE.fullmatch(var.value.strip())
        if single is not None and len(used) == 1 and used[0].value == resolved:
            var.value_span = used[0].value_span  # edit the value where it is written
        svc.facts.setdefault("raw_env", {})[var.name] = var.value
        var.value = resolved
        var.interpolated_from = used[0].from_file if used else None


def _service(doc: Document, name: str, key: yaml.Node, node: yaml.MappingNode, tree: Tree, facts: FileFacts,
             base_dir: str, project_env: dict[str, EnvVar] | None = None) -> Service:
    svc = Service(name=name, role="other", source="compose", span=node_span(doc, key), group=doc.path)
    svc.facts["block_span"] = node_span(doc, node)
    image_key, image = mapping_get(node, "image")
    if isinstance(image, yaml.ScalarNode):
        svc.image = located(doc, image, image_key)
        svc.image.value = image.value
    for env_file in _env_files(doc, node, base_dir):
        _merge_env_file(svc, env_file, tree, facts)
    _environment(doc, node, svc)
    if project_env:
        _apply_project_env(svc, project_env)
    _ports(doc, node, svc)
    _names(doc, node, svc)
    _volumes(doc, node, svc, base_dir, tree)
    _command(doc, node, svc)
    svc.role = (image_role(svc.image.value) if svc.image else None) or envfile.role_from_env(svc.env) or "other"
    if svc.role == "livekit":
        _livekit_sources(doc, svc, tree, facts, project_env or {})
    elif svc.role == "synapse":
        _mounted_config(svc, tree, facts, "synapse", _synapse_targets(svc))
    _mounted_well_knowns(svc, tree, facts)
    return svc


# -- environment ------------------------------------------------------------------------


def _environment(doc: Document, node: yaml.MappingNode, svc: Service) -> None:
    env_key, env = mapping_get(node, "environment")
    if env_key is not None:
        svc.facts["environment_span"] = node_span(doc, env_key)
        svc.facts["environment_style"] = "list" if isinstance(env, yaml.SequenceNode) else "map"
    if isinstance(env, yaml.SequenceNode):
        for item in env.value:
            var = _list_entry(doc, item)
            if var is not None:
                svc.env[var.name] = var
    elif isinstance(env, yaml.MappingNode):
        for name, key, value in mapping_items(env):
            text = None if scalar(value) is None and isinstance(value, yaml.ScalarNode) else value.value
            if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":bool"):
                text = value.value  # Compose passes the text: `yes` stays `yes`
            vspan = value_span(doc, value) if isinstance(value, yaml.ScalarNode) and text is not None else None
            svc.env[name] = EnvVar(name, text if isinstance(text, str) else None,
                                   doc.span(key.start_mark.index, value.end_mark.index), value_span=vspan,
                                   name_span=node_span(doc, key))


def _list_entry(doc: Document, item: yaml.Node) -> EnvVar | None:
    """`- NAME=value` (or `- NAME`, taken from the shell) with spans on both parts."""
    if not isinstance(item, yaml.ScalarNode) or not item.value:
        return None
    emb = embedded(doc, item)
    name, eq, value = item.value.partition("=")
    name = name.strip()
    if not name:
        return None
    whole = node_span(doc, item)
    name_span = emb.span(0, len(name))
    if not eq:
        return EnvVar(name, None, whole, name_span=name_span)
    vstart = len(name) + 1
    return EnvVar(name, value, whole, value_span=emb.span(vstart, len(item.value)), name_span=name_span)


def _env_files(doc: Document, node: yaml.MappingNode, base_dir: str) -> list[tuple[str, Span, bool]]:
    """(absolute path, span of the entry, required) for each `env_file:` entry."""
    _, value = mapping_get(node, "env_file")
    items = value.value if isinstance(value, yaml.SequenceNode) else [value] if value is not None else []
    out = []
    for item in items:
        path_node, required = item, True
        if isinstance(item, yaml.MappingNode):
            _, path_node = mapping_get(item, "path")
            _, req = mapping_get(item, "required")
            required = scalar(req) is not False
        if isinstance(path_node, yaml.ScalarNode) and path_node.value:
            out.append((os.path.normpath(os.path.join(base_dir, os.path.expanduser(path_node.value))),
                        node_span(doc, path_node), required))
    return out


def _merge_env_file(svc: Service, env_file: tuple[str, Span, bool], tree: Tree, facts: FileFacts) -> None:
    abspath, span, _required = env_file
    # Only files inside the checked tree: a host path like /etc/environment is not ours.
    other = tree.load(abspath) if os.path.isfile(abspath) and tree.inside(abspath) else None
    svc.facts.setdefault("env_files", []).append(display_path(abspath))
    if other is None:
        svc.facts.setdefault("env_files_missing", []).append((display_path(abspath), span))
        return
    facts.includes.append(other.path)
    variables, _problems = envfile.parse_env(other)  # its own RTC001s come from its own read
    for var in variables:
        svc.env[var.name] = var


# -- ports --------------------------------------------------------------------------------

_SHORT_PORT = lazy(
    r"^(?:(?P<ip>\[[0-9a-fA-F:.]+\]|\d+\.\d+\.\d+\.\d+|[0-9a-fA-F:]*::[0-9a-fA-F:]*):)?"
    r"(?:(?P<host>\d*(?:-\d+)?):)?(?P<container>\d+(?:-\d+)?)(?:/(?P<proto>tcp|udp|sctp))?$"
)


def parse_port_spec(text: str) -> tuple[str | None, tuple[int, int] | None, tuple[int, int], str] | None:
    """Compose short syntax `[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]` →
    (host ip, host range or None, container range, protocol); None when malformed."""
    m = _SHORT_PORT.match(text.strip())
    if m is None:
        return None
    ip = m.group("ip")
    if ip and ip.startswith("["):
        ip = ip[1:-1]
    host = _port_range(m.group("host")) if m.group("host") else None
    container = _port_range(m.group("container"))
    if container is None:
        return None
    return ip, host, container, (m.group("proto") or "tcp")


def _port_range(text: str) -> tuple[int, int] | None:
    first, _, last = text.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        return None
    return (lo, hi) if lo <= hi else None


def _ports(doc: Document, node: yaml.MappingNode, svc: Service) -> None:
    ports_key, ports = mapping_get(node, "ports")
    if ports_key is not None:
        svc.facts["ports_span"] = node_span(doc, ports_key)
        svc.facts["ports_node_span"] = node_span(doc, ports)
    for item in ports.value if isinstance(ports, yaml.SequenceNode) else []:
        svc.ports += _port_item(doc, item, "publish")
    _, expose = mapping_get(node, "expose")
    for item in expose.value if isinstance(expose, yaml.SequenceNode) else []:
        if isinstance(item, yaml.ScalarNode):
            parsed = parse_port_spec(item.value)
            if parsed is not None:
                lo, hi = parsed[2]
                svc.ports.append(PortMapping(lo, None, parsed[3], node_span(doc, item), kind="expose",
                                             container_port_end=hi if hi != lo else None))


def _port_item(doc: Document, item: yaml.Node, kind: str) -> list[PortMapping]:
    span = node_span(doc, item)
    if isinstance(item, yaml.ScalarNode):
        parsed = parse_port_spec(str(item.value))
        if parsed is None:
            return []
        ip, host, (lo, hi), proto = parsed
        return [_mapping(lo, hi, host, proto, span, ip, kind)]
    if isinstance(item, yaml.MappingNode):  # long syntax
        target = scalar(mapping_get(item, "target")[1])
        published = scalar(mapping_get(item, "published")[1])
        proto = str(scalar(mapping_get(item, "protocol")[1]) or "tcp").lower()
        ip = scalar(mapping_get(item, "host_ip")[1])
        container = _port_range(str(target)) if target is not None else None
        if container is None:
            return []
        host = _port_range(str(published)) if published not in (None, "") else None
        return [_mapping(container[0], container[1], host, proto, span, ip, kind)]
    return []


def _mapping(lo: int, hi: int, host: tuple[int, int] | None, proto: str, span: Span, ip, kind: str) -> PortMapping:
    # `HOST:CONTAINER` with a single host port for a container range: Compose publishes
    # the range from that port on; an empty host part means an ephemeral host port.
    host_lo = host[0] if host else None
    host_hi = host[1] if host and host[1] != host[0] else (host_lo + (hi - lo) if host_lo is not None and hi != lo else None)
    return PortMapping(lo, host_lo, proto, span, str(ip) if ip else None, kind,
                       container_port_end=hi if hi != lo else None, host_port_end=host_hi)


# -- names, mounts, command -----------------------------------------------------------


def _names(doc: Document, node: yaml.MappingNode, svc: Service) -> None:
    for field in ("hostname", "container_name"):
        value = scalar(mapping_get(node, field)[1])
        if isinstance(value, str) and value:
            svc.aliases.add(value)
    key, mode = mapping_get(node, "network_mode")
    if isinstance(mode, yaml.ScalarNode):
        svc.network_mode = located(doc, mode, key)
    _, networks = mapping_get(node, "networks")
    if isinstance(networks, yaml.SequenceNode):
        svc.networks += [str(n.value) for n in networks.value if isinstance(n, yaml.ScalarNode)]
    for net, _key, conf in mapping_items(networks):
        svc.networks.append(net)
        _, aliases = mapping_get(conf, "aliases")
        if isinstance(aliases, yaml.SequenceNode):
            svc.aliases.update(str(a.value) for a in aliases.value if isinstance(a, yaml.ScalarNode))


def _volumes(doc: Document, node: yaml.MappingNode, svc: Service, base_dir: str, tree: Tree) -> None:
    _, volumes = mapping_get(node, "volumes")
    for item in volumes.value if isinstance(volumes, yaml.SequenceNode) else []:
        source = target = None
        if isinstance(item, yaml.ScalarNode):
            parts = _split_volume(item.value)
            if len(parts) >= 2:
                source, target = parts[0], parts[1]
        elif isinstance(item, yaml.MappingNode):
            if scalar(mapping_get(item, "type")[1]) in (None, "bind"):
                source = scalar(mapping_get(item, "source")[1])
                target = scalar(mapping_get(item, "target")[1])
        if not isinstance(source, str) or not isinstance(target, str):
            continue
        mount = Mount(source, target, node_span(doc, item))
        if source.startswith((".", "/", "~")):
            abspath = os.path.normpath(os.path.join(base_dir, os.path.expanduser(source)))
            if os.path.isfile(abspath) and tree.inside(abspath):
                mount.resolved = display_path(abspath)
        svc.mounts.append(mount)


def _split_volume(text: str) -> list[str]:
    """`SRC:DST[:MODE]`, keeping a Windows drive letter (`C:\\x:/y`) in the source."""
    if re.match(r"^[A-Za-z]:[\\/]", text):
        rest = text[2:].split(":")
        return [text[:2] + rest[0], *rest[1:]]
    return text.split(":")


def _command(doc: Document, node: yaml.MappingNode, svc: Service) -> None:
    key, command = mapping_get(node, "command")
    if isinstance(command, yaml.ScalarNode) and isinstance(command.value, str):
        import shlex  # only for a string `command:` (~1 ms at start-up otherwise)

        try:
            svc.command = shlex.split(command.value)
        except ValueError:
            svc.command = command.value.split()
    elif isinstance(command, yaml.SequenceNode):
        svc.command = [str(c.value) for c in command.value if isinstance(c, yaml.ScalarNode)]
    if key is not None:
        svc.facts["command_span"] = node_span(doc, command)


# -- linked configuration -------------------------------------------------------------


def _livekit_sources(doc: Document, svc: Service, tree: Tree, facts: FileFacts,
                     project_env: dict[str, EnvVar]) -> None:
    svc.facts["dev"] = "--dev" in svc.command or "-dev" in svc.command
    config_path = command_option(svc.command, "config")
    targets = [config_path] if config_path else []
    if not config_path and not svc.command:  # no command: guess from a mount's name
        targets = [m.target for m in svc.mounts if re.search(r"livekit[^/]*\.ya?ml$", m.target)]
    if "LIVEKIT_CONFIG" in svc.env and svc.env["LIVEKIT_CONFIG"].value:
        cfg = _inline_config(svc.env["LIVEKIT_CONFIG"], tree, svc.name)
        if cfg is not None:
            facts.livekit.append(cfg)
        svc.facts["livekit_config_inline"] = True  # LIVEKIT_CONFIG wins over --config
    else:
        _mounted_config(svc, tree, facts, "livekit", targets)
    keys = svc.env.get("LIVEKIT_KEYS")
    if keys is not None and keys.value is not None:
        raw = svc.facts.get("raw_env", {}).get("LIVEKIT_KEYS")
        facts.livekit.append(keys_config(keys, tree, svc.name, raw, project_env))


def _synapse_targets(svc: Service) -> list[str]:
    targets = list(SYNAPSE_CONFIG_TARGETS)
    path = svc.env.get("SYNAPSE_CONFIG_PATH")
    if path is not None and path.value:
        targets.append(path.value)
    option = command_option(svc.command, "config-path") or command_option(svc.command, "c")
    if option:
        targets.append(option)
    return targets


def _mounted_config(svc: Service, tree: Tree, facts: FileFacts, kind: str, targets: list[str]) -> None:
    """Link the tree file mounted at one of `targets`; when the file is not recognised as
    `kind` on its own (its name and keys do not say), read it as `kind` here."""
    for mount in svc.mounts:
        if mount.resolved is None or not any(_same_path(mount.target, t) for t in targets):
            continue
        svc.facts[f"{kind}_config_file"] = mount.resolved
        svc.facts[f"{kind}_config_mount"] = mount.span
        other = tree.load(os.path.abspath(mount.resolved))
        if other is None:
            continue
        nodes, broken = load_nodes(other)
        if broken is not None or not nodes or any(classify(n, other) == kind for n in nodes):
            continue  # read (or reported broken) as a file of its own
        facts.includes.append(other.path)
        if kind == "livekit":
            before = len(facts.livekit)
            yaml_livekit.read(other, nodes[:1], tree, facts)
            for cfg in facts.livekit[before:]:
                cfg.service = svc.name
                cfg.facts["origin"] = "mount"
        else:
            _read_with(kind, other, nodes[:1], tree, facts)


def _read_with(kind: str, doc: Document, nodes: list, tree: Tree, facts: FileFacts) -> None:
    import importlib

    from rtclint.parsers.yaml import READERS

    importlib.import_module(READERS[kind]).read(doc, nodes, tree, facts)


def _same_path(a: str, b: str) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _mounted_well_knowns(svc: Service, tree: Tree, facts: FileFacts) -> None:
    """A file mounted at `.../.well-known/matrix/client` is served as the well-known even
    when its own name does not say so (the JSON reader handles the ones that do)."""
    for mount in svc.mounts:
        which = mount.target.rstrip("/").rsplit("/", 1)[-1]
        if mount.resolved is None or which not in ("client", "server") or "/.well-known/matrix/" not in mount.target:
            continue
        if kind_from_name(os.path.abspath(mount.resolved)) == "json":
            continue
        other = tree.load(os.path.abspath(mount.resolved))
        if other is None:
            continue
        facts.includes.append(other.path)
        facts.well_knowns.append(WellKnown(which=which, body=other.text, span=other.span(0, len(other.text)),
                                           source="static-file", facts={"service": svc.name, "mounted_at": mount.target}))


def env_embedded(var: EnvVar, tree: Tree) -> Embedded | None:
    """The variable's value with source offsets (for YAML/keys held inside it)."""
    if var.value is None or var.value_span is None:
        return None
    path = var.value_span.path
    doc = _doc_for(path, tree)
    if doc is None:
        return None
    return align(doc, var.value, var.value_span.start, var.value_span.end)


def _doc_for(path: str, tree: Tree) -> Document | None:
    return tree.load(os.path.abspath(path))


def _inline_config(var: EnvVar, tree: Tree, service: str) -> LiveKitConfig | None:
    emb = env_embedded(var, tree)
    if emb is None:
        return None
    root, _error = compose_nested(emb.text)
    if not isinstance(root, yaml.MappingNode):
        return None
    cfg = yaml_livekit.build(var.span.path, root, emb.node_span, var.span, origin="env-config")
    cfg.service = service
    return cfg


def keys_config(var: EnvVar, tree: Tree, service: str, raw: str | None = None,
                project_env: dict[str, EnvVar] | None = None) -> LiveKitConfig:
    """`LIVEKIT_KEYS` as LiveKit reads it (YAML `key: secret`, one per line); a value that
    is not such a mapping makes LiveKit exit: recorded as facts['keys_error'].
    `raw`: the text before Compose interpolation; each `${VAR}` secret then points at the
    project .env line that sets it."""
    cfg = LiveKitConfig(path=var.span.path, span=var.span, service=service, facts={"origin": "env-keys", "env": var})
    if raw is not None:
        return _interpolated_keys(cfg, var, tree, raw, project_env or {})
    emb = env_embedded(var, tree)
    root, error = compose_nested(var.value or "")
    if not isinstance(root, yaml.MappingNode) or error:
        cfg.facts["keys_error"] = error or "not `key: secret`"
        return cfg
    for name, key, node in mapping_items(root):
        if isinstance(node, yaml.ScalarNode) and emb is not None:
            cfg.keys[name] = Located(node.value, emb.node_span(node), emb.node_span(key))
        elif isinstance(node, yaml.ScalarNode):
            cfg.keys[name] = Located(node.value, var.value_span, var.value_span)
    return cfg


def _interpolated_keys(cfg: LiveKitConfig, var: EnvVar, tree: Tree, raw: str,
                       project_env: dict[str, EnvVar]) -> LiveKitConfig:
    doc = _doc_for(var.span.path, tree)
    root, error = compose_nested(raw)
    if not isinstance(root, yaml.MappingNode) or error or doc is None:
        cfg.facts["keys_error"] = error or "not `key: secret`"
        return cfg
    # the raw text is in the Compose file: align it with the entry there
    entry = doc.text[var.span.start : var.span.end]
    start = var.span.start + max(entry.find(raw[:8]), 0)
    emb = align(doc, raw, start, var.span.end)
    for name, key, node in mapping_items(root):
        if not isinstance(node, yaml.ScalarNode):
            continue
        value, used = interpolate(node.value, project_env)
        span = emb.node_span(node)
        if value is not None and len(used) == 1 and _REFERENCE.fullmatch(node.value.strip()):
            span = used[0].value_span or span
        cfg.keys[name] = Located(node.value if value is None else value, span, emb.node_span(key))
    return cfg
