"""Static well-known files, served by the proxy from a folder of the tree.

A `.well-known/matrix/client` (or `server`) file in the tree is a well-known body
(parsers/jsonfile.py reads it) but says nothing of the host that serves it. The proxy
does: an nginx `root`/`alias` (or HAProxy `file`) route answers the well-known path from
a file, named as the *container* sees it. When the proxy's Compose service bind-mounts a
folder of the tree there, that file is the tree's file, and the well-known is served on
the route's site hosts: the well-known rules (RTC101, RTC105, …) then know the hosts.
Nothing is guessed without such a mount: a file named by a path outside every mount
stays unlinked (the route stays "serves a file", unknown).

Caddy's `file_server` names no file: it serves `{http.vars.root}` (or its own `root`) joined
with the request path as `handle_path`/`uri strip_prefix` left it, after `try_files` rewrote
it to the first candidate that exists (parsers/caddy_static.py records what is in effect).
A root behind a header/method matcher, a relative or placeholder root, a candidate with a
placeholder other than `{path}`, a file outside every mount: unknown, nothing linked.
"""

from __future__ import annotations

import os
import posixpath

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
    by_abspath = {dep.documents[path].abspath: path for path in files if path in dep.documents}
    mounts = _proxy_mounts(dep)
    if not by_abspath or not mounts:
        return
    for site in dep.sites:
        for which, wk_path in WELL_KNOWN_PATHS.items():
            route = site.route_for(wk_path)
            if route is None:
                continue
            if site.kind == "caddy" and route.facts.get("directive") == "file_server":
                served = _caddy_served_file(route, wk_path, mounts)
            elif route.respond is not None and route.respond.from_file:
                served = _served_file(route, wk_path)
            else:
                continue
            path = by_abspath.get(_in_tree(served, mounts) or "") if served else None
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


def _caddy_served_file(route, request_path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The container path a Caddy `file_server` route serves for the request, or None (unknown)."""
    strip = route.facts.get("strip", "")
    if strip:
        if not request_path.lower().startswith(strip.lower()):
            return None
        path = request_path[len(strip):]
        path = path if path.startswith("/") else "/" + path  # as Caddy's strip_path_prefix leaves it
    else:
        path = request_path
    var_root = _caddy_root(route.facts.get("roots", ()), request_path)
    for scope, files in route.facts.get("try_files", ()):
        if scope.matches(request_path):
            path = _try_files(files, path, var_root, mounts)
            if path is None:
                return None
    root = route.facts.get("file_root") or var_root
    if not root or not root.startswith("/") or "{" in root:
        return None
    return posixpath.normpath(root + "/" + path)


def _caddy_root(groups: tuple, request_path: str) -> str | None:
    """`{http.vars.root}` for the request: in each block's group the first `root` whose
    matcher takes it; an inner block's sets it again."""
    root = None
    for group in groups:
        for scope, value in group:
            if scope.matches(request_path):
                if value is None:
                    return None  # a non-path matcher decides: unknown
                root = value
                break
    return root


def _try_files(files: tuple, path: str, root: str | None, mounts) -> str | None:
    """The path `try_files` rewrites to: the first candidate that is a file under `root`
    (checked in the tree through the mounts), else the path unchanged; None when that
    cannot be told."""
    if not root or not root.startswith("/") or "{" in root:
        return None
    for candidate in files:
        if candidate.startswith("="):
            return None  # `=404`: an error status, not a file
        name = candidate.replace("{http.request.uri.path}", path).replace("{path}", path)
        if "{" in name or name.endswith("/"):
            return None
        host = _in_tree(posixpath.normpath(root + "/" + name), mounts)
        if host is None:
            return None  # a file of the image, not the tree
        if os.path.isfile(host):
            return name if name.startswith("/") else "/" + name
    return path


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
