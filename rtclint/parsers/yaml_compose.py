"""Docker Compose files → one Service(source='compose') per service of the project.

The project is resolved as `docker compose` resolves it (rtclint/resolve): the override
file beside it, `include`, merge keys, interpolation of every value from the project
`.env`, `extends`. Then, each with the span of the text that wrote it: the image (its
tag gives version targets), the environment (`env_file:` files, then `environment:` as a
list or a map), published ports in every short and long syntax (ranges, host IPs,
`/udp`) and `expose:`, `network_mode`, the names other containers reach it by, bind
mounts resolved to files in the tree, and `command`. compose_links links what the
container reads (its livekit.yaml, LIVEKIT_KEYS, a mounted homeserver.yaml).

A value that needs a variable set nowhere in the tree stays as written (`${VAR}`): the
rules treat it as unknown. A value Compose refuses to interpolate is an RTC001.
"""

from __future__ import annotations

import os

from rtclint.discover import display_path
from rtclint.document import Document
from rtclint.model import EnvVar, FileFacts, Located, Mount, Service
from rtclint.model.roles import image_role, role_from_env
from rtclint.parsers import envfile
from rtclint.parsers.base import Tree, parse_error
from rtclint.parsers.compose_ports import read_ports, span_of as _span
from rtclint.parsers.compose_links import keys_config, link_service  # noqa: F401  (keys_config: yaml_kube, envfile)
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify, load_nodes, scalar
from rtclint.parsers.yaml_values import embedded, value_span
from rtclint.resolve import compose_fields as fields
from rtclint.resolve.compose_interpolate import has_unknown, is_unknown, lone_reference
from rtclint.resolve.compose_project import (
    Project,
    ResolvedService,
    file_set,
    load_project,
    merged_elsewhere,
    override_of,
)


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    # the project `.env` read once: whether another file's read merges this one depends on it too
    env_doc = project_env_file(os.path.dirname(doc.abspath), tree)
    project_env = env_variables(env_doc)
    if _merged_elsewhere(doc, tree, project_env):
        return  # the first file's read merges this one into its services
    if env_doc is not None:
        facts.includes.append(env_doc.path)
    project, project_env = resolve(doc, nodes, tree, facts, project_env)
    report_errors(project, facts)
    built = {rs.name: build_service(rs, tree, facts, project_env, project) for rs in project.services.values()}
    _shared_networks(built)
    for name, svc in built.items():
        if name not in project.included or not tree.inside(project.services[name].doc.abspath):
            # an included file of the tree gives its services when it is read itself
            facts.services.append(svc)
    if "traefik" in doc.text:  # Traefik's Docker provider reads the containers' labels
        from rtclint.parsers.compose_traefik import read_labels

        read_labels([(rs.doc, rs.name, rs.key, rs.node) for rs in project.services.values()], facts)


def _shared_networks(built: dict[str, Service]) -> None:
    """`network_mode: service:X` runs the container in X's network namespace: X publishes
    its ports, and X's `network_mode: host` is its mode too (the Located then points at X's
    line; the written value stays in facts['network_mode_written'])."""
    for svc in built.values():
        mode = svc.network_mode
        if mode is None or not str(mode.value).startswith("service:"):
            continue
        other = built.get(str(mode.value)[len("service:"):])
        if other is None or other is svc:
            continue
        svc.facts["network_of"] = other.name
        svc.facts["inherited_ports"] = [p for p in other.ports if p.kind == "publish"]
        svc.ports += svc.facts["inherited_ports"]
        if other.network_mode is not None and str(other.network_mode.value) == "host":
            svc.facts["network_mode_written"] = mode.value
            svc.network_mode = other.network_mode


def report_errors(project: Project, facts: FileFacts) -> None:
    """Each value Compose refuses (it would not start the project): an RTC001 where it is written."""
    seen = set()
    for where, node, message, offset in project.errors:
        start = node.start_mark.index
        if offset is not None and isinstance(node, yaml.ScalarNode):
            start = embedded(where, node).offset(offset)  # the `$` of the reference it refuses
        if (where.path, start) not in seen:
            seen.add((where.path, start))
            facts.diagnostics.append(parse_error(where, start, f"Compose: {message}"))


def resolve(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts,
            project_env: dict[str, EnvVar] | None = None) -> tuple[Project, dict[str, EnvVar]]:
    """The project `docker compose` loads for this file, and the `.env` it used: the files
    `COMPOSE_FILE` in the `.env` names when it names this one first, else the file and
    its override. `project_env`: the variables of the `.env`, when the caller read it."""
    if project_env is None:
        project_env = project_env_vars(os.path.dirname(doc.abspath), tree, facts)
    paths = file_set(doc.abspath, known_values(project_env)) or [doc.abspath]
    override = override_of(doc.abspath)
    if len(paths) == 1 and override and tree.isfile(override) and tree.inside(override):
        paths.append(override)
    project = load_project(paths, _loader(doc, nodes, tree), known_values(project_env))
    fields.check_volumes(project)
    fields.check_ports(project)
    fields.check_network_mode(project)
    facts.includes += [display_path(p) for p in project.files[1:] if tree.load(p) is not None]
    return project, project_env


def _merged_elsewhere(doc: Document, tree: Tree, project_env: dict[str, EnvVar]) -> bool:
    """True when another file's read gives this file's services (see merged_elsewhere)."""
    env = known_values(project_env)
    return merged_elsewhere(doc.abspath, env, lambda p: tree.isfile(p) and tree.inside(p))


def _loader(doc: Document, nodes: list, tree: Tree):
    def load(path: str):
        if path == doc.abspath:
            return (doc, nodes[0]) if nodes else None
        other = tree.load(path) if tree.isfile(path) and tree.inside(path) else None
        if other is None:
            return None
        roots, broken = load_nodes(other)
        root = next((r for r in roots if classify(r, other) == "compose" or isinstance(r, yaml.MappingNode)), None)
        return None if broken is not None or root is None else (other, root)

    return load


def project_env_vars(base_dir: str, tree: Tree, facts: FileFacts | None) -> dict[str, EnvVar]:
    """The project `.env` beside the Compose file (what `${VAR}` in the file becomes),
    with its own `${VAR}` references expanded as Compose's dotenv does."""
    other = project_env_file(base_dir, tree)
    if other is not None and facts is not None:
        facts.includes.append(other.path)
    return env_variables(other)


def project_env_file(base_dir: str, tree: Tree) -> Document | None:
    """The project `.env` beside the Compose file, or the committed stand-in for it."""
    path = os.path.join(base_dir, ".env")
    if not tree.isfile(path):  # a committed `.env.example` stands for it, for interpolation only
        path = stand_in_env(base_dir, tree)
    return tree.load(path) if path is not None and tree.inside(path) else None


def env_variables(other: Document | None) -> dict[str, EnvVar]:
    """The variables a project `.env` (or its stand-in) sets, its references expanded."""
    if other is None:
        return {}
    variables, _problems = envfile.parse_env(other)
    expanded, unknown = envfile.expand_references(other, variables, {})
    if not other.abspath.endswith(os.sep + ".env"):  # its placeholders are unknown: as if unset
        from rtclint.parsers.template_render import is_placeholder_value  # only for a stand-in `.env`

        unknown = set(unknown) | {v.name for v in expanded if is_placeholder_value(v.value)}
    return {v.name: v for v in expanded if v.name not in unknown}  # an unknown one is as if unset


def stand_in_env(base_dir: str, tree: Tree) -> str | None:
    """The `.env.example` (`.sample`, `.dist`, `.template`) beside a Compose file that
    has no `.env`: public repositories commit it instead of the real one."""
    for suffix in (".example", ".sample", ".dist", ".template"):
        path = os.path.join(base_dir, ".env" + suffix)
        if tree.isfile(path):
            return path
    return None


def known_values(env: dict[str, EnvVar]) -> dict[str, str]:
    return {name: var.value for name, var in env.items() if var.value is not None}


def build_service(rs: ResolvedService, tree: Tree, facts: FileFacts | None, project_env: dict[str, EnvVar],
                  project: Project | None = None) -> Service:
    doc = rs.doc
    svc = Service(name=rs.name, role="other", source="compose", span=_span(rs.key), group=doc.path)
    svc.facts["block_span"] = _span(rs.node)
    image_key, image = rs.last("image")
    if isinstance(image, yaml.ScalarNode):
        svc.image = Located(image.value, _span(image), _span(image_key))
    for path_node, required in fields.env_file_entries(rs):
        _merge_env_file(svc, path_node, required, tree, facts, project_env)
    _environment(rs, svc, project_env)
    read_ports(rs, svc)
    _names(rs, svc)
    _volumes(rs, svc, tree)
    if project is not None:
        _config_mounts(rs, svc, tree, project)
        if not project.active(rs):
            svc.facts["inactive"] = True  # only a profile COMPOSE_PROFILES does not enable starts it
    _command(rs, svc)
    svc.role = (image_role(svc.image.value) if svc.image else None) or role_from_env(svc.env) or "other"
    if facts is not None:
        link_service(svc, tree, facts, project_env)
    return svc


# -- environment ------------------------------------------------------------------------


def _environment(rs: ResolvedService, svc: Service, project_env: dict[str, EnvVar]) -> None:
    env_key, env = rs.last("environment")
    if env_key is not None:
        svc.facts["environment_span"] = _span(env_key)
        svc.facts["environment_style"] = "list" if isinstance(env, yaml.SequenceNode) else "map"
    for name, (node, key) in fields.merged_env(rs).items():
        var = _list_entry(node) if key is None else _map_entry(node, key)
        if var is None:
            continue
        raw = getattr(node, "raw", None)
        if raw is not None:
            raw_value = raw.partition("=")[2] if key is None else raw
            _note_interpolation(svc, var, raw_value, node, project_env)
        elif var.value is None and name in project_env:  # `- NAME` / `NAME:`: Compose takes it from .env
            source = project_env[name]
            var.value, var.value_span, var.interpolated_from = source.value, source.value_span, source.from_file
        svc.env.pop(name, None)
        svc.env[name] = var


def _map_entry(value, key) -> EnvVar:
    doc = key.doc
    text = None if scalar(value) is None and isinstance(value, yaml.ScalarNode) else value.value
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":bool"):
        text = value.value  # Compose passes the text: `yes` stays `yes`
    vspan = value_span(value.doc, value) if isinstance(value, yaml.ScalarNode) and text is not None else None
    same_doc = value.doc is doc
    whole = doc.span(key.start_mark.index, value.end_mark.index if same_doc else key.end_mark.index)
    return EnvVar(key.value, text if isinstance(text, str) else None, whole, value_span=vspan, name_span=_span(key))


def _list_entry(item) -> EnvVar | None:
    """`- NAME=value` (or `- NAME`, taken from the shell) with spans on both parts, on the
    text as written (before interpolation)."""
    raw = getattr(item, "raw", item.value)
    name, eq, value = item.value.partition("=")
    name = name.strip()
    if not name:
        return None
    whole = _span(item)
    vstart = raw.find("=") + 1
    pos = _written_at(item, raw)
    if pos is not None and len(name) <= len(raw):
        # written as it is (most entries): the offsets embedded() would give run on from
        # `pos`, so the spans need no per-character table
        name_span = item.doc.span(pos, pos + len(name))
        value_span = item.doc.span(pos + vstart, pos + len(raw)) if eq else None
    else:
        emb = embedded(item.doc, type(item)(item.tag, raw, item.start_mark, item.end_mark, item.style))
        name_span = emb.span(0, len(name))
        value_span = emb.span(vstart, len(raw)) if eq else None
    if not eq:
        return EnvVar(name, None, whole, name_span=name_span)
    return EnvVar(name, value, whole, value_span=value_span, name_span=name_span)


def _written_at(item, raw: str) -> int | None:
    """Where a plain or quoted scalar's written text `raw` starts in its file when the file
    holds it as it is (one line, no escape); None otherwise (yaml_values.align's fast case)."""
    if item.style in ("", None):
        pos = item.start_mark.index
    elif item.style in ("'", '"'):
        pos = item.start_mark.index + 1
    else:
        return None
    text = item.doc.text
    return pos if pos + len(raw) <= item.end_mark.index and "\r" not in raw and text.startswith(raw, pos) else None


def _note_interpolation(svc: Service, var: EnvVar, raw_value: str, node, project_env: dict[str, EnvVar]) -> None:
    """A value Compose built from `${VAR}`: remember what was written; a lone reference to a
    `.env` variable points at the `.env` line (that is where its value is edited)."""
    svc.facts.setdefault("raw_env", {})[var.name] = raw_value
    used = [project_env[n] for n in getattr(node, "used", ()) if n in project_env]
    if is_unknown(node):
        svc.facts.setdefault("unknown_env", set()).add(var.name)
        var.value = raw_value if var.value is not None else None
        return
    if len(used) == 1 and lone_reference().fullmatch(raw_value.strip()) and used[0].value == var.value:
        var.value_span = used[0].value_span
    var.interpolated_from = used[0].from_file if used else None


def _merge_env_file(svc: Service, path_node, required: bool, tree: Tree, facts: FileFacts | None,
                    project_env: dict[str, EnvVar]) -> None:
    base_dir = os.path.dirname(path_node.doc.abspath)
    abspath = os.path.normpath(os.path.join(base_dir, os.path.expanduser(str(path_node.value))))
    # Only files inside the checked tree: a host path like /etc/environment is not ours.
    inside = tree.inside(abspath)
    other = tree.load(abspath) if tree.isfile(abspath) and inside else None
    svc.facts.setdefault("env_files", []).append(display_path(abspath))
    if other is None:
        if required or not inside or is_unknown(path_node):
            svc.facts.setdefault("env_files_missing", []).append((display_path(abspath), _span(path_node)))
        return
    if facts is not None:
        facts.includes.append(other.path)
    variables, _problems = envfile.parse_env(other)  # its own RTC001s come from its own read
    expanded, unknown = envfile.expand_references(other, variables, known_values(project_env))
    for var in expanded:
        svc.env.pop(var.name, None)
        svc.env[var.name] = var
    if unknown:
        svc.facts.setdefault("unknown_env", set()).update(unknown)


# -- ports --------------------------------------------------------------------------------


# -- names, mounts, command -----------------------------------------------------------


def _names(rs: ResolvedService, svc: Service) -> None:
    for field in ("hostname", "container_name"):
        value = scalar(rs.last(field)[1])
        if isinstance(value, str) and value:
            svc.aliases.add(value)
    key, mode = rs.last("network_mode")
    if isinstance(mode, yaml.ScalarNode):
        svc.network_mode = Located(mode.value, _span(mode), _span(key))
    for net, conf in fields.network_names(rs):
        svc.networks.append(net)
        _, aliases = fields.get(conf, "aliases")
        if isinstance(aliases, yaml.SequenceNode):
            svc.aliases.update(str(a.value) for a in aliases.value if isinstance(a, yaml.ScalarNode))


def _volumes(rs: ResolvedService, svc: Service, tree: Tree) -> None:
    for item in fields.merged_volumes(rs):
        kind, source, target = fields.volume_parts(item)
        if has_unknown(item):
            svc.facts["volumes_unknown"] = True
        if kind != "bind" or source is None or target is None or has_unknown(item):
            continue
        mount = Mount(source, target, _span(item))
        abspath = os.path.normpath(os.path.join(os.path.dirname(item.doc.abspath), os.path.expanduser(source)))
        if tree.isfile(abspath) and tree.inside(abspath):
            mount.resolved = display_path(abspath)
        elif tree.isdir(abspath) and tree.inside(abspath):  # a tree folder: its files, under target
            svc.facts.setdefault("bind_dirs", []).append((os.path.normpath(target), abspath, mount.span))
        svc.mounts.append(mount)


def _config_mounts(rs: ResolvedService, svc: Service, tree: Tree, project: Project) -> None:
    """`configs:`/`secrets:` with a file source are mounts too (so `--config /etc/livekit.yaml`
    finds its file); a `*_FILE` variable naming one is recorded in facts['file_vars']."""
    for path, target, node in fields.file_mounts(rs, project):
        mount = Mount(os.path.relpath(path, os.path.dirname(node.doc.abspath)), target, _span(node))
        if tree.isfile(path) and tree.inside(path):
            mount.resolved = display_path(path)
        svc.mounts.append(mount)
    by_target = {m.target: m.resolved for m in svc.mounts if m.resolved}
    for name, var in svc.env.items():
        if name.endswith("_FILE") and var.value in by_target:
            svc.facts.setdefault("file_vars", {})[name] = by_target[var.value]


def _command(rs: ResolvedService, svc: Service) -> None:
    key, command = rs.last("command")
    svc.command = _words(command)
    entry_key, entrypoint = rs.last("entrypoint")
    if entry_key is not None:  # replaces the image's entrypoint (linking_homeserver asks)
        svc.facts["entrypoint"] = _words(entrypoint)
    if key is not None:
        svc.facts["command_span"] = _span(command)
        if has_unknown(command):
            svc.facts["command_unknown"] = True


def _words(node) -> list[str]:
    """A `command`/`entrypoint` as the words Compose runs (a string is split as a shell would)."""
    if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        text = node.value
        if text.isprintable() and not ('"' in text or "'" in text or "\\" in text):
            # no quote, no escape, no whitespace but the space: shlex would split at the
            # spaces alone (most commands, e.g. `--config /etc/livekit.yaml`; shlex costs
            # ~10 µs a word)
            return text.split()
        import shlex  # only for a string `command:` that quotes (~1 ms at start-up otherwise)

        try:
            return shlex.split(node.value)
        except ValueError:
            return node.value.split()
    if isinstance(node, yaml.SequenceNode):
        return [str(c.value) for c in node.value if isinstance(c, yaml.ScalarNode)]
    return []
