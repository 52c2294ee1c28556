"""A Compose project as `docker compose` loads it, field by field, before any model is
built: the files (`compose.yaml` and its `compose.override.yaml`), `include`, YAML merge
keys, interpolation (compose_interpolate), `extends` (in the file or from another one).

A service comes out as *layers*: for each field, the (key node, value node) pairs that
set it, oldest first (an `extends` base, then the service, then the override file). How
layers combine is the field's merge rule in Compose (`merged_env`, `merged_ports`, …,
in compose_fields); keeping them apart keeps every value's span on the text that wrote
it. Each copied node carries `.doc`, the Document it was written in.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from rtclint.resolve.compose_interpolate import interpolate_tree

# (Document, root node) of a YAML file, or None when it is absent or broken.
Loader = Callable[[str], "tuple[object, object] | None"]
OVERRIDE_NAMES = {"compose.yaml": "compose.override.yaml", "compose.yml": "compose.override.yml",
                  "docker-compose.yaml": "docker-compose.override.yaml",
                  "docker-compose.yml": "docker-compose.override.yml"}


class ResolvedService:
    # Plain slotted classes: `dataclasses` costs a one-file run inspect/ast at start-up.
    __slots__ = ("name", "key", "node", "doc", "layers", "merged")

    def __init__(self, name: str, key, node, doc, layers: dict[str, list[tuple[object, object]]]):
        self.name = name
        self.key = key  # the service's key node in the file that declares it
        self.node = node  # its mapping node there (interpolated)
        self.doc = doc
        self.layers = layers
        # field -> its merged entries (compose_fields), asked by the checks and the reader
        self.merged: dict[str, list] = {}

    def last(self, name: str) -> tuple[object, object]:
        """(key, value) of the layer that sets `name` last, or (None, None)."""
        found = self.layers.get(name)
        return found[-1] if found else (None, None)

    def all(self, name: str) -> list[tuple[object, object]]:
        return self.layers.get(name, [])


class Project:
    __slots__ = ("services", "errors", "files", "volumes", "files_of", "included", "profiles")

    def __init__(self):
        self.services: dict[str, ResolvedService] = {}
        # (doc, node, message, offset of the fault in the node's value or None)
        self.errors: list[tuple[object, object, str, int | None]] = []
        self.files: list[str] = []  # every file read, in order
        self.volumes: set[str] = set()  # named volumes declared at the top level
        # top-level `configs:` / `secrets:` with a `file:` source: (kind, name) -> absolute path
        self.files_of: dict[tuple[str, str], str] = {}
        self.included: set[str] = set()  # services an `include`d file declares
        self.profiles: set[str] = set()  # COMPOSE_PROFILES of the project .env

    def active(self, rs: ResolvedService) -> bool:
        """Whether `docker compose up` starts the service: it names no profile, or one
        that COMPOSE_PROFILES enables (`*` enables all)."""
        names = {str(getattr(v, "value", "")) for _k, node in rs.all("profiles")
                 for v in (node.value if getattr(node, "id", None) == "sequence" else [])}
        return not names or "*" in self.profiles or bool(names & self.profiles)


def get(node, key: str):
    if getattr(node, "id", None) == "mapping":
        for k, v in node.value:
            if getattr(k, "id", None) == "scalar" and k.value == key:
                return k, v
    return None, None


def items(node):
    if getattr(node, "id", None) == "mapping":
        for k, v in node.value:
            if getattr(k, "id", None) == "scalar":
                yield k.value, k, v


def flatten_merge_keys(node, memo: dict | None = None):
    """Apply YAML `<<` merge keys (PyYAML's node composer leaves them in): keys written in
    the mapping win, then the merged mappings in the order they are listed."""
    memo = {} if memo is None else memo
    if id(node) in memo:
        return memo[id(node)]
    kind = getattr(node, "id", None)
    if kind == "sequence":
        copy = type(node)(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
        memo[id(node)] = copy
        copy.value = [flatten_merge_keys(v, memo) for v in node.value]
        return copy
    if kind != "mapping":
        return node
    copy = type(node)(node.tag, [], node.start_mark, node.end_mark, node.flow_style)
    memo[id(node)] = copy
    own, merged = [], []
    for k, v in node.value:
        if getattr(k, "id", None) == "scalar" and k.value == "<<" and k.tag.endswith(("merge", ":str")):
            sources = v.value if getattr(v, "id", None) == "sequence" else [v]
            for source in sources:
                merged += flatten_merge_keys(source, memo).value if getattr(source, "id", None) == "mapping" else []
        else:
            own.append((k, flatten_merge_keys(v, memo)))
    seen = {k.value for k, _ in own if getattr(k, "id", None) == "scalar"}
    for k, v in merged:
        if getattr(k, "id", None) == "scalar" and k.value not in seen:
            seen.add(k.value)
            own.append((k, v))
    copy.value = own
    return copy


def _tag_doc(node, doc, memo: set) -> None:
    """Every node under `node` gets `.doc`. A collection is walked once (`memo`: YAML
    aliases share it); a scalar is only tagged (twice is harmless), without a memo entry."""
    stack = [node]
    while stack:
        node = stack.pop()
        node.doc = doc
        kind = node.id
        if kind == "scalar" or id(node) in memo:
            continue
        memo.add(id(node))
        if kind == "mapping":
            for k, v in node.value:
                k.doc = doc
                if k.id != "scalar":
                    stack.append(k)
                if v.id == "scalar":
                    v.doc = doc
                else:
                    stack.append(v)
        elif kind == "sequence":
            stack += node.value


def prepare(doc, root, env: dict[str, str], errors: list) -> object:
    """One file's root: merge keys applied, interpolated, every node tagged with `doc`."""
    problems: list[tuple[object, str, int]] = []
    # A merge key needs `<<` in the text and a reference a `$`, unless an escape in a
    # quoted scalar writes them: without either, each walk would copy the tree unchanged.
    escaped = "\\" in doc.text
    resolved = flatten_merge_keys(root) if escaped or "<<" in doc.text else root
    if escaped or "$" in doc.text:
        resolved = interpolate_tree(resolved, env, problems)
    _tag_doc(resolved, doc, set())
    errors += [(doc, node, message, offset) for node, message, offset in problems]
    return resolved


def override_of(path: str) -> str | None:
    """The override file `docker compose` reads beside `path` when no `-f` is given."""
    name = OVERRIDE_NAMES.get(os.path.basename(path))
    return os.path.join(os.path.dirname(path), name) if name else None


def file_set(path: str, env: dict[str, str]) -> list[str] | None:
    """The files of `COMPOSE_FILE` (set in the project `.env`) when `path` is one of them."""
    files_var = env.get("COMPOSE_FILE")
    if not files_var:
        return None
    sep = env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    files = [os.path.normpath(os.path.join(os.path.dirname(path), f)) for f in files_var.split(sep) if f]
    return files if path in files else None


def merged_elsewhere(path: str, env: dict[str, str], present: Callable[[str], bool]) -> bool:
    """True when `docker compose` reads this file as part of another's project: a later
    file of COMPOSE_FILE's set, or an override beside its base."""
    files = file_set(path, env)
    if files is not None:
        return files[0] != path and present(files[0])
    name = os.path.basename(path)
    if ".override." not in name:
        return False
    stem, _, ext = name.partition(".override.")
    return present(os.path.join(os.path.dirname(path), f"{stem}.{ext}"))


def load_project(paths: list[str], load: Loader, env: dict[str, str]) -> Project:
    """The project `docker compose -f paths[0] -f paths[1] …` loads (each path absolute)."""
    project = Project()
    project.profiles = {p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}
    for path in paths:
        _load_file(project, path, load, env, set(), False)
    return project


def _load_file(project: Project, path: str, load: Loader, env: dict[str, str], stack: set[str], included: bool) -> None:
    loaded = load(path)
    if loaded is None or path in stack:
        return
    doc, raw_root = loaded
    project.files.append(path)
    root = prepare(doc, raw_root, env, project.errors)
    _, include = get(root, "include")
    for entry in include.value if getattr(include, "id", None) == "sequence" else []:
        for other in _include_paths(entry, os.path.dirname(path)):
            _load_file(project, other, load, env, stack | {path}, True)
    project.volumes.update(name for name, _k, _v in items(get(root, "volumes")[1]))
    for kind in ("configs", "secrets"):
        for name, _k, spec in items(get(root, kind)[1]):
            _, source = get(spec, "file")
            if getattr(source, "id", None) == "scalar" and source.value:
                project.files_of[(kind, name)] = os.path.normpath(os.path.join(os.path.dirname(path), source.value))
    _, services = get(root, "services")
    for name, key, node in items(services):
        if getattr(node, "id", None) != "mapping":
            continue
        layers = extends_layers(name, node, root, path, load, env, project.errors, set())
        current = project.services.get(name)
        if current is None:
            project.services[name] = ResolvedService(name, key, node, doc, layers)
            if included:
                project.included.add(name)
        else:  # a later file merges into the service
            for field_name, pairs in layers.items():
                current.layers.setdefault(field_name, []).extend(pairs)


def _include_paths(entry, base_dir: str) -> list[str]:
    if getattr(entry, "id", None) == "scalar":
        nodes = [entry]
    else:
        _, value = get(entry, "path")
        nodes = value.value if getattr(value, "id", None) == "sequence" else [value] if value is not None else []
    return [os.path.normpath(os.path.join(base_dir, n.value)) for n in nodes if getattr(n, "id", None) == "scalar"]


def extends_layers(name: str, node, root, path: str, load: Loader, env: dict[str, str], errors: list,
                   seen: set) -> dict[str, list[tuple[object, object]]]:
    """The service's fields as layers: its `extends` base first (recursively), then its own."""
    layers: dict[str, list] = {}
    _, extends = get(node, "extends")
    if extends is not None and (path, name) not in seen:
        base_name, base_file = _extends_target(extends)
        base_root, base_path = root, path
        if base_file is not None:
            base_path = os.path.normpath(os.path.join(os.path.dirname(path), base_file))
            loaded = load(base_path)
            base_root = prepare(loaded[0], loaded[1], env, errors) if loaded else None
        _, base_node = get(get(base_root, "services")[1], base_name) if base_root is not None else (None, None)
        if getattr(base_node, "id", None) == "mapping":
            layers = extends_layers(base_name, base_node, base_root, base_path, load, env, errors,
                                    seen | {(path, name)})
    for field_name, key, value in items(node):
        if field_name != "extends":
            layers.setdefault(field_name, []).append((key, value))
    return layers


def _extends_target(extends) -> tuple[str | None, str | None]:
    if getattr(extends, "id", None) == "scalar":
        return extends.value, None
    _, service = get(extends, "service")
    _, file = get(extends, "file")
    return _text(service), _text(file)


def _text(node) -> str | None:
    """A scalar's text; None for anything else (a list or mapping where a name belongs)."""
    return str(node.value) if getattr(node, "id", None) == "scalar" and node.value else None
