"""Split a checked tree into deployments, so that each is modelled and checked on its own.

A repository may hold several deployments (`prod/` and `staging/`, or test fixtures beside
`examples/`); merged into one model, one's well-known or proxy hides the other's defects.

The partition, decided from the directory tree alone so that a folder gets the same
deployments whether it is checked by itself or from any directory above it:

* A file *anchors* a deployment when it is a homeserver config (Synapse, ESS values) or a
  proxy config (nginx, Caddy, HAProxy, Traefik's file provider, Kubernetes Ingress): a
  deployment has one of each. Compose labels do not anchor: Traefik's routers are often
  declared on the services they route to, beside the proxy's own folder.
* Starting at the deepest directory holding every checked file, a directory is *split* when
  two or more of its sub-folders each hold an anchor of the same kind (two homeservers, or
  two proxies). Then every sub-folder is a deployment candidate of its own, split again by
  the same test (one without anchors, e.g. shared snippets or docs, stays one deployment);
  the files directly in the split directory form that directory's own deployment, which
  never includes a sub-folder's files: checked alone, a sub-folder cannot see them either.
  A directory that is not split is one deployment with every file below it.
* A directory whose only sub-folder with anchors is split itself is split the same way
  (`deploy/{prod,staging}` beside a folder of manifests that anchor nothing): checked from
  above, prod and staging stay the deployments they are when `deploy/` is checked alone.
* A directory that itself holds an anchor is never split: a proxy beside `a/` and `b/`
  serves them both (one nginx in front of two homeservers is one deployment). Nor is one
  whose sub-folders hold anchors of different kinds (`proxy/` and `homeservers/{a,b}`):
  that proxy may serve both homeservers, so checked from above they are one deployment,
  while `homeservers/` checked alone has two.
* Files directly in one directory are never split apart (an nginx `conf.d/` holds many
  sites of one deployment).

A deployment is named by its directory as shown to the user ("." for the current one): the
deepest directory holding all its files, the name it has when checked by itself.

Kubernetes namespaces: within one such deployment, manifests whose objects all sit in one
namespace are grouped by it, and when two or more namespaces each hold an anchor (an
Ingress/HTTPRoute, a homeserver) every namespace is a deployment of its own, named
`DIR [namespace NS]`; manifests without a namespace stay in `DIR`'s. A manifest holding
objects of several namespaces is split the same way, object by object
(model/partition_views.py): what its objects without a namespace gave stays in `DIR`'s.
The decision depends on the file's own content only, so a file alone and the file among
others get the same deployments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from rtclint.model.partition_views import views

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.deployment import FileFacts

HOMESERVER = "homeserver"
PROXY = "proxy"


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class Part:
    """The files of one deployment, under `root` (a display path; '.' for the current
    directory)."""

    root: str
    files: list["FileFacts"] = field(default_factory=list)


def anchors(facts: "FileFacts") -> set[str]:
    """The kinds of deployment anchor this file is."""
    found = set()
    if facts.synapse or facts.ess:
        found.add(HOMESERVER)
    if facts.subkind != "compose" and any(not site.fragment for site in facts.sites):
        found.add(PROXY)
    return found


def partition(facts_list: list["FileFacts"]) -> list[Part]:
    """The deployments of a run, in the order of their first file; every file in exactly one
    (a manifest of several namespaces: each of its facts in exactly one)."""
    if not facts_list:
        return []
    entries = [(_dir_parts(f.path), f, anchors(f)) for f in facts_list]
    common = _deepest_common([e[0] for e in entries])
    applied = applied_namespaces(facts_list)
    out = [split for part in _split(common, entries) for split in _by_namespace(part, applied)]
    order = {f.path: i for i, f in enumerate(facts_list)}  # by path: a view is a copy
    out = [p for p in out if p.files]
    out.sort(key=lambda p: min(order[f.path] for f in p.files))
    return out


def _split(prefix: tuple[str, ...], entries: list) -> list[Part]:
    direct = []
    children: dict[str, list] = {}
    for entry in entries:
        if len(entry[0]) == len(prefix):
            direct.append(entry)
        else:
            children.setdefault(entry[0][len(prefix)], []).append(entry)
    # named by the deepest directory holding all its files, as when checked by itself
    whole = [Part(_display(_deepest_common([e[0] for e in entries])), [e[1] for e in entries])]
    if any(e[2] for e in direct):
        return whole
    held = {name: set().union(*(e[2] for e in group)) for name, group in children.items()}
    kinds = [k for k in (HOMESERVER, PROXY) if sum(1 for h in held.values() if k in h) >= 2]
    split = {name: _split(prefix + (name,), group) for name, group in children.items()}
    if not kinds:
        anchored = [name for name, h in held.items() if h]
        # The only sub-folder with anchors holds several deployments (`deploy/` with prod/
        # and staging/, beside folders of files that anchor nothing): they stay apart, as
        # when that folder is checked by itself.
        if len(anchored) != 1 or len(split[anchored[0]]) < 2:
            return whole
    out = [Part(_display(prefix), [e[1] for e in direct])]
    for parts in split.values():
        out += parts
    return out


def applied_namespaces(facts_list: list["FileFacts"]) -> dict[str, str]:
    """display path → the namespace a kustomization sets on every object of that file: the
    outermost kustomization's `namespace` wins over the ones it includes; a file two
    kustomizations give different namespaces (a base shared by overlays) gets none here."""
    found = {f.path: k for f in facts_list if (k := getattr(f, "kustomization", None))}
    if not found:
        return {}
    included = {r for k in found.values() for r in k["resources"]}
    seen: dict[str, set[str]] = {}

    def walk(path: str, namespace: str, trail: frozenset) -> None:
        namespace = namespace or found[path]["namespace"]
        if namespace:  # its own generators' objects
            seen.setdefault(path, set()).add(namespace)
        for ref in found[path]["resources"]:
            if ref in found:
                if ref not in trail:
                    walk(ref, namespace, trail | {ref})
            elif namespace:
                seen.setdefault(ref, set()).add(namespace)

    for root in found:
        if root not in included:
            walk(root, "", frozenset({root}))
    return {path: next(iter(names)) for path, names in seen.items() if len(names) == 1}


def namespaces(facts: "FileFacts", applied: dict[str, str] | None = None) -> set[str]:
    """The Kubernetes namespaces a file's objects name ('' — wherever applied — left out);
    a kustomization's namespace (`applied`) replaces them all."""
    if applied and facts.path in applied:
        return {applied[facts.path]}
    found = {s.facts.get("namespace") for s in facts.services if s.source.startswith("k8s")}
    found.update(ks.namespace for ks in facts.kube_services)
    found.update(site.facts.get("namespace") for site in facts.sites)
    found.update(cfg.facts.get("namespace") for cfg in facts.livekit)
    found.update(wk.facts.get("namespace") for wk in facts.well_knowns)
    return {n for n in found if isinstance(n, str) and n}


def _by_namespace(part: Part, applied: dict[str, str]) -> list[Part]:
    groups: dict[str, list] = {}
    rest = Part(part.root)
    for facts in part.files:
        found = namespaces(facts, applied) if facts.subkind == "k8s" else set()
        if len(found) == 1:
            groups.setdefault(next(iter(found)), []).append(facts)
        elif len(found) > 1:  # a manifest of several namespaces: each one's objects apart
            for ns, view in views(facts).items():
                (groups.setdefault(ns, []) if ns else rest.files).append(view)
        else:
            rest.files.append(facts)
    anchored = [ns for ns, files in groups.items() if any(anchors(f) for f in files)]
    if len(anchored) < 2:
        return [part]
    return [rest, *(Part(f"{part.root} [namespace {ns}]", files) for ns, files in groups.items())]


def _dir_parts(path: str) -> tuple[str, ...]:
    """The directories of a display path, as written ('../x' keeps its '..')."""
    head = os.path.dirname(os.path.normpath(path)).replace(os.sep, "/")
    parts = tuple(p for p in head.split("/") if p and p != ".")
    return ("/", *parts) if head.startswith("/") else parts


def _deepest_common(dirs: list[tuple[str, ...]]) -> tuple[str, ...]:
    common = dirs[0]
    for parts in dirs[1:]:
        common = _common_prefix(common, parts)
    return common


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


def _display(parts: tuple[str, ...]) -> str:
    if parts[:1] == ("/",):
        return "/" + "/".join(parts[1:])
    return "/".join(parts) or "."


def deployment_of(path: str, roots: list[str]) -> str | None:
    """Of the deployment roots, the deepest one that holds `path` (a display path)."""
    parts = _dir_parts(path)
    best = None
    for root in roots:
        rparts = _dir_parts(root + "/-") if root != "." else ()
        if parts[: len(rparts)] == rparts and (best is None or len(rparts) > best[0]):
            best = (len(rparts), root)
    return best[1] if best else None
