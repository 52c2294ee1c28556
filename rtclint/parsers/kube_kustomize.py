"""A kustomization (`kustomization.yaml`): the ConfigMaps and Secrets its generators make,
as `kubectl kustomize` (kustomize v5) builds them — tests/test_kube_kustomize.py compares
with the real one.

- `configMapGenerator` / `secretGenerator` entries: `literals` (`KEY=VALUE`, one pair of
  matching quotes around the value removed), `files` (`path` keyed by its base name, or
  `key=path`), `envs` (and the old `env`: `KEY=VALUE` lines, the line's leading blanks and
  `#` lines skipped, the value kept verbatim, quotes included);
- the object's name gets `namePrefix`, `nameSuffix` and, unless `disableNameSuffixHash`
  (in `generatorOptions` or the entry's `options`), a 10-character content hash, which
  this reader does not compute (`rendered` says `-<hash>`); references from workloads are
  renamed the same way, so links use the generator's own name;
- `namespace`: the kustomization's (it overrides every object's), else the entry's.
Each object is a holder `Service` like a ConfigMap/Secret written out (parsers/kube_data.py);
a key made from a file records that file (`facts['files']`), whose own facts (a LiveKit
config, a homeserver config) `model.linking` then attributes to the object; a key (file or
literal) that is a LiveKit key file gives its entries (`facts['key_maps']`) to the pod that
mounts it as `key_file`. A file or env file the tree does not
hold leaves its keys unknown.
"""

from __future__ import annotations

import os

from rtclint.document import Document
from rtclint.model import EnvVar, FileFacts, Service
from rtclint.parsers import livekit_key_file
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_get, node_span, scalar
from rtclint.parsers.yaml_values import embedded

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
GENERATORS = (("configmap", "configMapGenerator"), ("secret", "secretGenerator"))


def is_kustomization(doc: Document) -> bool:
    return os.path.basename(doc.path) in NAMES


def read(doc: Document, node: yaml.Node, tree: Tree, facts: FileFacts) -> None:
    namespace = str(scalar(mapping_get(node, "namespace")[1]) or "")
    prefix = str(scalar(mapping_get(node, "namePrefix")[1]) or "")
    suffix = str(scalar(mapping_get(node, "nameSuffix")[1]) or "")
    hashed = not _no_hash(mapping_get(node, "generatorOptions")[1])
    base = os.path.dirname(doc.abspath)
    facts.kustomization = {"namespace": namespace, "resources": _resources(doc, node, tree, base)}
    for kind, field in GENERATORS:
        _, entries = mapping_get(node, field)
        for entry in entries.value if isinstance(entries, yaml.SequenceNode) else []:
            name = scalar(mapping_get(entry, "name")[1])
            if not isinstance(name, str):
                continue
            # the kustomization's `namespace` is a transformer: it overrides the entry's own
            ns = namespace or str(scalar(mapping_get(entry, "namespace")[1]) or "")
            holder = Service(name=f"{kind}/{name}", role="other", source=f"k8s-{kind}", span=node_span(doc, entry),
                             group=ns or doc.path,
                             facts={kind: name, "namespace": ns, "keys": [], "files": {}, "generated": True})
            entry_hash = hashed and not _no_hash(mapping_get(entry, "options")[1])
            holder.facts["rendered"] = prefix + name + suffix + ("-<hash>" if entry_hash else "")
            _literals(doc, entry, holder)
            _files(entry, holder, tree, base)
            _envs(entry, holder, tree, base)
            for var in holder.env.values():
                var.from_secret = kind == "secret"
            facts.services.append(holder)


def _resources(doc: Document, node: yaml.Node, tree: Tree, base: str) -> list[str]:
    """The display paths of the `resources` that are files of the tree (a folder: its
    kustomization); remote ones are left out."""
    out = []
    _, items = mapping_get(node, "resources")
    for item in items.value if isinstance(items, yaml.SequenceNode) else []:
        ref = scalar(item)
        if not isinstance(ref, str) or "://" in ref or ref.startswith(("github.com/", "git@")):
            continue
        full = os.path.normpath(os.path.join(base, ref))
        shown = os.path.normpath(os.path.join(os.path.dirname(doc.path), ref))
        if tree.isdir(full):
            name = next((n for n in NAMES if tree.isfile(os.path.join(full, n))), None)
            if name is None:
                continue
            shown = os.path.join(shown, name)
        out.append(shown.replace(os.sep, "/"))
    return out


def _no_hash(options: yaml.Node | None) -> bool:
    return scalar(mapping_get(options, "disableNameSuffixHash")[1]) is True


def _items(entry: yaml.Node, field: str) -> list[yaml.ScalarNode]:
    _, items = mapping_get(entry, field)
    if isinstance(items, yaml.ScalarNode) and field == "env":
        return [items]
    return [i for i in items.value if isinstance(i, yaml.ScalarNode)] if isinstance(items, yaml.SequenceNode) else []


def _add(holder: Service, var: EnvVar) -> None:
    if var.name not in holder.env:
        holder.facts["keys"].append(var.name)
    holder.env[var.name] = var


def _literals(doc: Document, entry: yaml.Node, holder: Service) -> None:
    for item in _items(entry, "literals"):
        text = str(item.value)
        key, sep, value = text.partition("=")
        if not sep:
            continue
        emb = embedded(doc, item)
        start, end = len(key) + 1, len(text)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value, start, end = value[1:-1], start + 1, end - 1
        _add(holder, EnvVar(key, value, node_span(doc, item), value_span=emb.span(start, end),
                            name_span=emb.span(0, len(key))))
        _key_map(holder, key, value, lambda n, at=start: emb.span(at + n.start_mark.index, at + n.end_mark.index))


def _files(entry: yaml.Node, holder: Service, tree: Tree, base: str) -> None:
    for item in _items(entry, "files"):
        text = str(item.value)
        key, sep, path = text.partition("=")
        if not sep:
            key, path = os.path.basename(text), text
        loaded = _load(tree, base, path)
        holder.facts["files"][key] = loaded.path if loaded is not None else None
        if loaded is not None:
            span = loaded.span(0, len(loaded.text))
            _add(holder, EnvVar(key, loaded.text, span, value_span=span, from_file=loaded.path))
            _key_map(holder, key, loaded.text, lambda n, d=loaded: d.span(n.start_mark.index, n.end_mark.index))


def _key_map(holder: Service, key: str, text: str, span_of) -> None:
    """A key whose text is a LiveKit key file (parsers/livekit_key_file): its entries, with
    spans in the literal or the file, for the LiveKit pod that mounts the key as `key_file`."""
    found = livekit_key_file.entries(text, span_of)
    maps = holder.facts.setdefault("key_maps", {})
    maps.pop(key, None)  # a later source of the same key replaces it
    if found is not None:
        maps[key] = found


def _envs(entry: yaml.Node, holder: Service, tree: Tree, base: str) -> None:
    for item in [*_items(entry, "envs"), *_items(entry, "env")]:
        loaded = _load(tree, base, str(item.value))
        if loaded is None:
            holder.facts["unknown_envs"] = True
            continue
        holder.facts.setdefault("env_files", []).append(loaded.path)
        offset = 0
        for line in loaded.text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            stripped = body.lstrip()
            at = offset + len(body) - len(stripped)
            offset += len(line)
            key, sep, value = stripped.partition("=")
            if not stripped or stripped.startswith("#") or not sep:
                continue  # a bare KEY takes kustomize's own environment: unknown here
            vstart = at + len(key) + 1
            _add(holder, EnvVar(key, value, loaded.span(at, vstart + len(value)),
                                value_span=loaded.span(vstart, vstart + len(value)),
                                name_span=loaded.span(at, at + len(key)), from_file=loaded.path))


def _load(tree: Tree, base: str, path: str) -> Document | None:
    full = os.path.normpath(os.path.join(base, path))
    if not tree.inside(full) or not tree.isfile(full):
        return None
    return tree.load(full)
