"""Static well-known files, served by the proxy from a folder of the tree.

A `.well-known/matrix/client` (or `server`) file in the tree is a well-known body
(parsers/jsonfile.py reads it) but says nothing of the host that serves it. The proxy
does: an nginx `root`/`alias` (or HAProxy `file`) route answers the well-known path from
a file, named as the *container* sees it. When the proxy's Compose service bind-mounts a
folder of the tree there, that file is the tree's file, and the well-known is served on
the route's site hosts: the well-known rules (RTC101, RTC105, …) then know the hosts.
Nothing is guessed without such a mount: a file named by a path outside every mount
stays unlinked (the route stays "serves a file", unknown).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.model.deployment import Deployment

WELL_KNOWN_PATHS = {"client": "/.well-known/matrix/client", "server": "/.well-known/matrix/server"}


def link_static_well_knowns(dep: "Deployment") -> None:
    """Give each static well-known file the hosts of the proxy routes that serve it."""
    files = {wk.facts.get("file"): wk for wk in dep.extra_well_knowns
             if wk.source == "static-file" and not wk.hosts and wk.facts.get("file")}
    if not files:
        return
    by_abspath = {doc.abspath: path for path, doc in dep.documents.items() if path in files}
    mounts = _proxy_mounts(dep)
    if not by_abspath or not mounts:
        return
    for site in dep.sites:
        for which, wk_path in WELL_KNOWN_PATHS.items():
            route = site.route_for(wk_path)
            if route is None or route.respond is None or not route.respond.from_file:
                continue
            served = _served_file(route, wk_path)
            path = by_abspath.get(_in_tree(served, mounts) or "")
            wk = files.get(path)
            if wk is None or wk.which != which:
                continue
            wk.hosts = sorted(set(wk.hosts) | set(site.hosts))
            wk.facts.setdefault("served_by", []).append(route.span)


def _served_file(route, request_path: str) -> str:
    """The file an nginx `root`/`alias` location serves for the request path (the parser
    names it for the location's own path); an exact location's or HAProxy's as named."""
    served = route.respond.from_file
    prefix = route.matcher.paths[0] if route.matcher.kind != "exact" and route.matcher.paths else ""
    if not prefix or not request_path.startswith(prefix):
        return served
    if route.facts.get("static") == "root" and served.endswith(prefix):
        return served[:len(served) - len(prefix)] + request_path  # root + the whole URI
    if route.facts.get("static") == "alias":
        return served + request_path[len(prefix):]  # alias replaces the location's prefix
    return served


def _proxy_mounts(dep: "Deployment") -> list[tuple[str, str]]:
    """(container path, absolute host path) of every bind mount of a proxy container."""
    out = []
    for service in dep.services:
        compose = dep.documents.get(service.span.path) if service.source == "compose" else None
        if compose is None or service.role != "proxy":
            continue
        base = os.path.dirname(compose.abspath)
        for mount in service.mounts:
            host = os.path.normpath(os.path.join(base, os.path.expanduser(mount.source)))
            out.append((mount.target.rstrip("/") or "/", host))
    return out


def _in_tree(container_path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The host path of a container path under one of the mounts (the deepest wins, as
    in the container), or None."""
    best = None
    for target, host in mounts:
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            if best is None or len(target) > len(best[0]):
                best = (target, host)
    if best is None:
        return None
    rest = container_path[len(best[0]):].lstrip("/")
    return os.path.normpath(os.path.join(best[1], rest)) if rest else best[1]
