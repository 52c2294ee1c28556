"""How Compose combines a service's layers (see compose_project), one rule per field,
and the port syntax. Values stay YAML nodes so their spans survive.

Rules as `docker compose config` applies them (checked against it by
tests/test_compose_oracle.py): `environment` merges by variable name, `ports` appends
without repeating an identical entry, `volumes` replace by container path in place,
`networks` merge by name, `env_file` appends, anything else is set by the last layer.
"""

from __future__ import annotations

import re

from rtclint.resolve.compose_project import Project, ResolvedService, get

_SHORT_PORT = re.compile(
    r"^(?:(?P<ip>\[[0-9a-fA-F:.]+\]|\d+\.\d+\.\d+\.\d+|[0-9a-fA-F:]*::[0-9a-fA-F:]*):)?"
    r"(?:(?P<host>\d*(?:-\d+)?):)?(?P<container>\d+(?:-\d+)?)(?:/(?P<proto>tcp|udp|sctp))?$"
)


def merged_env(rs: ResolvedService) -> dict[str, tuple[object, object | None]]:
    """name -> (entry node, key node): a list item `NAME=value` has no key node; a map
    entry is (value node, key node). Later layers win, in Compose's order."""
    out: dict[str, tuple[object, object | None]] = {}
    for _key, env in rs.all("environment"):
        if getattr(env, "id", None) == "sequence":
            for item in env.value:
                if getattr(item, "id", None) == "scalar" and item.value:
                    name = item.value.partition("=")[0].strip()
                    if name:
                        out.pop(name, None)
                        out[name] = (item, None)
        elif getattr(env, "id", None) == "mapping":
            for k, v in env.value:
                if getattr(k, "id", None) == "scalar":
                    out.pop(k.value, None)
                    out[k.value] = (v, k)
    return out


def env_file_entries(rs: ResolvedService) -> list[tuple[object, bool]]:
    """(path node, required) for each `env_file:` entry of every layer, in order."""
    out = []
    for _key, value in rs.all("env_file"):
        entries = value.value if getattr(value, "id", None) == "sequence" else [value]
        for entry in entries:
            path, required = entry, True
            if getattr(entry, "id", None) == "mapping":
                path = get(entry, "path")[1]
                req = get(entry, "required")[1]
                required = not (req is not None and str(req.value).lower() in ("false", "no", "off", "n"))
            if getattr(path, "id", None) == "scalar" and path.value:
                out.append((path, required))
    # Compose keeps one entry per file, where it first appears (an `extends` base first)
    first: dict[tuple[str, str], tuple[object, bool]] = {}
    for path, required in out:
        first.setdefault((path.doc.abspath.rsplit("/", 1)[0], str(path.value)), (path, required))
    return list(first.values())


def merged_ports(rs: ResolvedService, field: str = "ports") -> list[object]:
    """Port entries without repeats. Computed once a service and field (check_ports asks,
    then the reader): never change the list."""
    out = rs.merged.get(field)
    if out is None:
        out = rs.merged[field] = _merged_ports(rs, field)
    return out


def _merged_ports(rs: ResolvedService, field: str) -> list[object]:
    out, seen = [], set()
    for _key, ports in rs.all(field):
        for item in ports.value if getattr(ports, "id", None) == "sequence" else []:
            ident = _identity(item)
            if ident not in seen:
                seen.add(ident)
                out.append(item)
    return out


def _identity(node) -> object:
    if getattr(node, "id", None) == "scalar":
        return ("short", str(node.value))
    if getattr(node, "id", None) == "mapping":
        return ("long", tuple(sorted((k.value, str(v.value)) for k, v in node.value if hasattr(v, "value")
                                     and not isinstance(v.value, list))))
    return ("other", id(node))


def merged_volumes(rs: ResolvedService) -> list[object]:
    """Volume entries; a later entry with the same container path replaces the earlier one.
    Computed once a service (check_volumes asks, then the reader): never change the list."""
    out = rs.merged.get("volumes")
    if out is None:
        out = rs.merged["volumes"] = _merged_volumes(rs)
    return out


def _merged_volumes(rs: ResolvedService) -> list[object]:
    out: list[object] = []
    index: dict[str, int] = {}
    for _key, volumes in rs.all("volumes"):
        for item in volumes.value if getattr(volumes, "id", None) == "sequence" else []:
            target = volume_parts(item)[2]
            if target is not None and target in index:
                out[index[target]] = item
                continue
            if target is not None:
                index[target] = len(out)
            out.append(item)
    return out


def volume_parts(item) -> tuple[str | None, str | None, str | None]:
    """(type, source, target) of a short `SRC:DST[:MODE]` or long-syntax entry."""
    if getattr(item, "id", None) == "scalar":
        parts = split_volume(str(item.value))
        if len(parts) == 1:
            return "volume", None, parts[0]
        source = parts[0]
        kind = "bind" if source.startswith((".", "/", "~")) or _drive_letter(source) else "volume"
        return kind, source, parts[1]
    if getattr(item, "id", None) == "mapping":
        kind, source, target = (get(item, f)[1] for f in ("type", "source", "target"))
        return (str(kind.value) if kind is not None else "volume", str(source.value) if source is not None else None,
                str(target.value) if target is not None else None)
    return None, None, None


def split_volume(text: str) -> list[str]:
    """`SRC:DST[:MODE]`, keeping a Windows drive letter (`C:\\x:/y`) in the source."""
    if _drive_letter(text):
        rest = text[2:].split(":")
        return [text[:2] + rest[0], *rest[1:]]
    return text.split(":")


def _drive_letter(text: str) -> bool:
    """A Windows drive letter, then a slash or a backslash (a regex costs a pattern-cache lookup a call)."""
    return len(text) > 2 and text[1] == ":" and text[2] in "\\/" and text[0].isascii() and text[0].isalpha()


def network_names(rs: ResolvedService) -> list[tuple[str, object]]:
    """(network, its settings node or None), merged by name."""
    out: dict[str, object] = {}
    for _key, networks in rs.all("networks"):
        if getattr(networks, "id", None) == "sequence":
            for n in networks.value:
                if getattr(n, "id", None) == "scalar":
                    out.setdefault(str(n.value), None)
        elif getattr(networks, "id", None) == "mapping":
            for k, v in networks.value:
                out[str(k.value)] = v
    return list(out.items())


def parse_port_spec(text: str) -> tuple[str | None, tuple[int, int] | None, tuple[int, int], str] | None:
    """Compose short syntax `[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]` →
    (host ip, host range or None, container range, protocol); None when malformed."""
    m = _SHORT_PORT.match(text.strip())
    if m is None:
        return None
    ip = m.group("ip")
    if ip and ip.startswith("["):
        ip = ip[1:-1]
    host = port_range(m.group("host")) if m.group("host") else None
    container = port_range(m.group("container"))
    if container is None:
        return None
    return ip, host, container, (m.group("proto") or "tcp")


def port_range(text: str) -> tuple[int, int] | None:
    first, _, last = text.partition("-")
    if not first.isdecimal() or not (last or first).isdecimal() or not first.isascii() or not last.isascii():
        return None
    lo, hi = int(first), int(last or first)
    return (lo, hi) if lo <= hi else None


def check_volumes(project: Project) -> None:
    """A named volume a service mounts must be declared under the top-level `volumes:`
    (Compose refuses the project otherwise)."""
    for rs in project.services.values():
        if not project.active(rs):
            continue  # a service only some profiles start is checked when one does
        for item in merged_volumes(rs):
            kind, source, _target = volume_parts(item)
            if kind == "volume" and source and "$" not in source and source not in project.volumes:
                message = f'service "{rs.name}" refers to undefined volume {source}'
                project.errors.append((item.doc, item, message, None))


def check_ports(project: Project) -> None:
    """Ports Compose refuses: a short syntax it cannot parse, a long-syntax `target` that is
    not one port number (only `published` may be a range there)."""
    from rtclint.resolve.compose_interpolate import has_unknown

    for rs in project.services.values():
        for item in merged_ports(rs):
            if has_unknown(item):
                continue
            if getattr(item, "id", None) == "scalar" and parse_port_spec(str(item.value)) is None:
                project.errors.append((item.doc, item, f"invalid port `{item.value}` in service \"{rs.name}\"", None))
            target = get(item, "target")[1]
            if target is not None and not str(target.value).isdecimal():
                project.errors.append((target.doc, target, f"ports `target` must be one port number, not "
                                       f"`{target.value}` (a range is only valid in the short syntax)", None))


def check_network_mode(project: Project) -> None:
    """`network_mode: service:NAME` needs NAME to run too (Compose refuses the project
    when NAME is not a service, or only a profile the dependant lacks starts it)."""
    for rs in project.services.values():
        _key, mode = rs.last("network_mode")
        value = str(getattr(mode, "value", "")) if getattr(mode, "id", None) == "scalar" else ""
        if not value.startswith("service:") or "$" in value or not project.active(rs):
            continue
        other = project.services.get(value[len("service:"):])
        if other is None or not project.active(other):
            why = "is not a service of the project" if other is None else "runs only with a profile"
            message = f'service "{rs.name}" takes the network of {value[8:]}, which {why}'
            project.errors.append((mode.doc, mode, message, None))


def file_mounts(rs: ResolvedService, project: Project) -> list[tuple[str, str, object]]:
    """(tree path, container path, entry node) for each `configs:`/`secrets:` entry of the
    service whose top-level definition has a `file:` source. A config lands at `/NAME`
    by default, a secret at `/run/secrets/NAME` (a relative secret target goes there too)."""
    out = []
    for kind in ("configs", "secrets"):
        for _key, entries in rs.all(kind):
            for entry in entries.value if getattr(entries, "id", None) == "sequence" else []:
                source_node = entry if getattr(entry, "id", None) == "scalar" else get(entry, "source")[1]
                target_node = None if getattr(entry, "id", None) == "scalar" else get(entry, "target")[1]
                if getattr(source_node, "id", None) != "scalar":
                    continue
                path = project.files_of.get((kind, str(source_node.value)))
                target = str(target_node.value) if target_node is not None else str(source_node.value)
                if kind == "secrets" and not target.startswith("/"):
                    target = "/run/secrets/" + target
                elif not target.startswith("/"):
                    target = "/" + target
                if path is not None:
                    out.append((path, target, entry))
    return out
