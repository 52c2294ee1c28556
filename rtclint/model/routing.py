"""Which route answers a path: each proxy's own selection rules."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # for the annotations only: proxy imports this module at run time
    from rtclint.model.proxy import Route, Site


def select_route(site: "Site", path: str) -> "Route | None":
    if site.kind == "nginx":
        return _nginx(site.routes, path)
    if site.kind == "caddy":
        return _caddy(site.routes, path)
    if site.kind == "traefik":
        return _traefik(site.routes, path)
    return _first_match(site.routes, path)


def _caddy(routes: list["Route"], path: str) -> "Route | None":
    """Caddy: the first matching route in directive order, except that the `handle` blocks
    of one block are mutually exclusive (a route group): once one of them matches the path,
    its siblings are skipped even when it answers nothing itself. Routes from a handle
    carry `facts['groups']`: (group id, member id, the handle's matcher), outermost first."""
    claimed: dict = {}
    for route in routes:
        if _in_claimed_member(route, path, claimed) and route.matcher.matches(path):
            return route
    return None


def _in_claimed_member(route: "Route", path: str, claimed: dict) -> bool:
    for group, member, matcher in route.facts.get("groups", ()):
        owner = claimed.get(group)
        if owner is None:
            if not matcher.matches(path):
                return False
            claimed[group] = owner = member
        if owner != member:
            return False
    return True


def _traefik(routes: list["Route"], path: str) -> "Route | None":
    """Traefik: routes are sorted by priority, highest first, but its sort is not stable
    and routers arrive from a map, so when two routers of the same priority both match,
    which one answers is not fixed by the configuration: that answer is undecidable."""
    first = _first_match(routes, path)
    if first is None:
        return None
    priority = first.facts.get("priority")
    for other in routes:
        if other is not first and other.facts.get("priority") == priority and other.matcher.matches(path):
            from dataclasses import replace

            reason = (f"routers `{first.facts.get('router')}` and `{other.facts.get('router')}` both match with "
                      f"priority {priority}; Traefik's order between them is not fixed (set `priority`)")
            return replace(first, proxy=None, respond=None, redirect=None, facts={**first.facts, "undecidable": reason})
    return first


def _first_match(routes: list["Route"], path: str) -> "Route | None":
    """Caddy (after directive sorting), HAProxy and Ingress: the first matching route."""
    for route in routes:
        if route.matcher.matches(path):
            return route
    return None


def _nginx(routes: list["Route"], path: str) -> "Route | None":
    """nginx (ngx_http_core_find_location): a server-level `return` answers before any
    location; else, level by level from the top: an `=` exact match wins at once; else
    the longest matching prefix is remembered and its nested locations are searched
    first; unless that prefix is `^~`, the level's regexes are then tried in file order
    (the first match wins, and its nested locations are searched); else the prefix."""
    for route in routes:
        if route.facts.get("server_level"):
            return route
    return _nginx_level(routes, None, path)


_PREFIX_KINDS = frozenset(("prefix", "prefix_noregex", "any"))


def _nginx_level(routes: list["Route"], parent: "Route | None", path: str) -> "Route | None":
    # one pass over the level (no server-level route is left: `_nginx` answered with it),
    # keeping its regex locations, in file order, for after the prefix search
    longest: "Route | None" = None
    longest_len = -1
    regexes = []
    for route in routes:
        if route.parent is not parent:
            continue
        m = route.matcher
        kind = m.kind
        if kind == "regex":
            regexes.append(route)
        elif kind == "exact":
            if m.matches(path):
                return route
        elif kind in _PREFIX_KINDS:
            length = _prefix_length(m, path)
            if length > longest_len:
                longest, longest_len = route, length
    if longest is not None:
        nested = _nginx_level(routes, longest, path)
        if nested is not None and nested.matcher.kind in ("exact", "regex"):
            return nested
        if longest.matcher.kind == "prefix_noregex":
            return nested or longest
    for route in regexes:
        if route.matcher.matches(path):
            return _nginx_level(routes, route, path) or route
    if longest is not None:
        return _nginx_level(routes, longest, path) or longest
    return None


def _prefix_length(m, path: str) -> int:
    """The length of the longest of a prefix location's paths that `path` starts with;
    -1 when the location does not take the path."""
    if m.negated or m.case_insensitive or m.kind == "any":
        return max((len(p) for p in m.paths if path.startswith(p)), default=0) if m.matches(path) else -1
    # = matches() for a plain prefix: some path is a prefix of `path` (a dozen per request;
    # a location has one path: no generator for it)
    paths = m.paths
    if len(paths) == 1:
        return len(paths[0]) if path.startswith(paths[0]) else -1
    return max((len(p) for p in paths if path.startswith(p)), default=-1)
