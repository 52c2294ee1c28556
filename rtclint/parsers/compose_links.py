"""What a Compose container reads, linked to the files in the tree: a LiveKit
container's configuration (`--config PATH` in its command and the bind mount that puts a
tree file at PATH, so the file's kind comes from the mount even when its name says
nothing; YAML in `LIVEKIT_CONFIG`; `LIVEKIT_KEYS`), a mounted homeserver.yaml or
Continuwuity/Tuwunel TOML (at the path the program reads: model/linking_homeserver), and
well-known files mounted where a web server serves them.
"""

from __future__ import annotations

import os
import re

from rtclint.discover import display_path, kind_from_name
from rtclint.document import Document
from rtclint.model import EnvVar, FileFacts, LiveKitConfig, Located, Service, WellKnown
from rtclint.model.linking_homeserver import read_paths
from rtclint.model.stacks import command_option
from rtclint.parsers import livekit_key_file, yaml_livekit
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify, load_nodes, mapping_items
from rtclint.parsers.yaml_values import Embedded, align, compose_nested
from rtclint.resolve.compose_interpolate import InterpolationError, interpolate, lone_reference


def link_service(svc: Service, tree: Tree, facts: FileFacts, project_env: dict[str, EnvVar]) -> None:
    if svc.role == "livekit":
        _livekit_sources(svc, tree, facts, project_env)
    elif svc.role in ("synapse", "other"):
        read = read_paths(svc)
        paths = [p for flavor, p in read if flavor == "synapse"]
        if paths and svc.role == "other":  # an image rtclint does not know, whose entrypoint runs Synapse
            svc.role = "synapse"
            svc.facts["role_from_config"] = True  # its image tag names no Synapse version
        if paths:
            _mounted_config(svc, tree, facts, "synapse", _synapse_files(svc, paths, tree))
        _mounted_toml(svc, [p for flavor, p in read if flavor != "synapse"], tree)
    _mounted_well_knowns(svc, tree, facts)

def _livekit_sources(svc: Service, tree: Tree, facts: FileFacts, project_env: dict[str, EnvVar]) -> None:
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
    _mounted_key_files(svc, tree, facts)
    keys = svc.env.get("LIVEKIT_KEYS")
    if keys is not None and keys.value is not None:
        raw = svc.facts.get("raw_env", {}).get("LIVEKIT_KEYS")
        facts.livekit.append(keys_config(keys, tree, svc.name, raw, project_env))


def _mounted_key_files(svc: Service, tree: Tree, facts: FileFacts) -> None:
    """Every tree file mounted into a LiveKit container that reads as a key file, by its
    path in the container (`key_maps`): `model.linking` takes the one `key_file` names.
    A bind-mounted folder mounts each of its files (a few levels, a bounded number)."""
    mounted: dict[str, tuple[int, str]] = {}  # path in the container -> (depth of its mount, tree file)

    def put(target: str, abspath: str, depth: int) -> None:
        if depth >= mounted.get(target, (-1, ""))[0]:  # the deepest mount is what the container sees
            mounted[target] = (depth, abspath)

    for target, folder, _span in svc.facts.get("bind_dirs", ()):
        if target.startswith("/"):
            for rel in tree.small_files(folder):
                put(os.path.normpath(os.path.join(target, rel)), os.path.join(folder, rel), len(target))
    for m in svc.mounts:
        if m.resolved is not None and m.target.startswith("/"):
            put(os.path.normpath(m.target), os.path.abspath(m.resolved), len(os.path.normpath(m.target)))
    for target, (_depth, abspath) in mounted.items():
        other = tree.load(abspath) if tree.inside(abspath) else None
        found = livekit_key_file.entries(other.text, lambda n, d=other: d.span(n.start_mark.index, n.end_mark.index)) \
            if other is not None else None
        if found is not None:
            svc.facts.setdefault("key_maps", {})[os.path.normpath(target)] = found
            facts.includes.append(other.path)


def container_file(svc: Service, target: str, tree: Tree) -> tuple[str, object] | None:
    """(absolute path in the tree, span of the mount) of what a Compose container has at
    `target`: a bind-mounted file, or a file of a bind-mounted folder (the deepest mount
    holding the path wins, as in the container)."""
    target = os.path.normpath(target)
    for mount in svc.mounts:
        if mount.resolved is not None and _same_path(mount.target, target):
            return os.path.abspath(mount.resolved), mount.span
    found = _in_folder(svc, target)
    return found if found is not None and tree.isfile(found[0]) else None


def _in_folder(svc: Service, target: str) -> tuple[str, object] | None:
    """(the tree path, span of the mount) of a normalised container path inside (or at) a
    bind-mounted folder, from the deepest such mount; None outside every one."""
    best = None
    for inside, folder, span in svc.facts.get("bind_dirs", ()):
        holds = target == inside or target.startswith(inside.rstrip("/") + "/")
        if holds and (best is None or len(inside) > len(best[0])):
            best = (inside, folder, span)
    if best is None:
        return None
    return os.path.normpath(os.path.join(best[1], os.path.relpath(target, best[0]))), best[2]


def _mounted_toml(svc: Service, targets: list[str], tree: Tree) -> None:
    """The tree files a Continuwuity/Tuwunel container reads as its config (read on their
    own as TOML): `model.linking` makes the container their service."""
    for target in targets:
        found = container_file(svc, target, tree)
        if found is not None:
            svc.facts.setdefault("toml_config_files", []).append(display_path(found[0]))


def _synapse_files(svc: Service, targets: list[str], tree: Tree) -> list[str]:
    """Synapse's config paths, a folder among them read as Synapse reads a directory: its
    `*.yaml` files, sorted (synapse.config._base.find_config_files)."""
    out = []
    for target in targets:
        found = _in_folder(svc, os.path.normpath(target))
        if found is None or not tree.isdir(found[0]):
            out.append(target)
            continue
        out += [f"{target.rstrip('/')}/{name}" for name in tree.listdir(found[0])
                if name.endswith(".yaml") and tree.isfile(os.path.join(found[0], name))]
    return out


def _mounted_config(svc: Service, tree: Tree, facts: FileFacts, kind: str, targets: list[str]) -> None:
    """Link the tree file mounted at one of `targets`; when the file is not recognised as
    `kind` on its own (its name and keys do not say), read it as `kind` here."""
    for target in targets:
        found = container_file(svc, target, tree)
        if found is None or not tree.inside(found[0]):
            continue
        other = tree.load(found[0])
        # the loaded file's display path is this one's (display_path costs a relpath)
        shown = other.path if other is not None and other.abspath == found[0] else display_path(found[0])
        svc.facts[f"{kind}_config_file"] = shown
        svc.facts[f"{kind}_config_mount"] = found[1]
        svc.facts.setdefault(f"{kind}_config_files", []).append(shown)  # Synapse reads several
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
    """`raw` is the text written in the Compose file: parse it as LiveKit would after
    Compose interpolated it, one scalar at a time (names and secrets), so each secret
    points at what wrote it (the `.env` line for a lone `${VAR}`)."""
    doc = _doc_for(var.span.path, tree)
    root, error = compose_nested(raw)
    if not isinstance(root, yaml.MappingNode) or error or doc is None:
        cfg.facts["keys_error"] = error or "not `key: secret`"
        return cfg
    entry = doc.text[var.span.start : var.span.end]
    start = var.span.start + max(entry.find(raw[:8]), 0)
    emb = align(doc, raw, start, var.span.end)
    known = {name: v.value for name, v in project_env.items() if v.value is not None}
    for name, key, node in mapping_items(root):
        if not isinstance(node, yaml.ScalarNode):
            continue
        try:
            value, key_name = interpolate(node.value, known), interpolate(name, known)
        except InterpolationError:
            continue
        span = emb.node_span(node)
        if value.value is not None and len(value.used) == 1 and lone_reference().fullmatch(node.value.strip()):
            source = project_env.get(value.used[0])
            span = (source.value_span if source is not None else None) or span
        cfg.keys[name if key_name.value is None else key_name.value] = Located(
            node.value if value.value is None else value.value, span, emb.node_span(key))
    return cfg

