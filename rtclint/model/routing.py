"""Which route answers a path: each proxy's own selection rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rtclint.model.proxy import Route, Site


def select_route(site: "Site", path: str) -> "Route | None":
    if site.kind == "nginx":
        return _nginx(site.routes, path)
    return _first_match(site.routes, path)


def _first_match(routes: list["Route"], path: str) -> "Route | None":
    """Caddy (after directive sorting), HAProxy and Ingress: the first matching route."""
    for route in routes:
        if route.matcher.matches(path):
            return route
    return None


def _nginx(routes: list["Route"], path: str) -> "Route | None":
    """nginx: `=` exact wins; else the longest prefix; if that is `^~` it wins, else the
    first matching regex in file order, else the longest prefix."""
    longest: "Route | None" = None
    longest_len = -1
    for route in routes:
        m = route.matcher
        if m.kind == "exact" and m.matches(path):
            return route
        if m.kind in ("prefix", "prefix_noregex", "any") and m.matches(path):
            length = max((len(p) for p in m.paths if path.startswith(p)), default=0)
            if length > longest_len:
                longest, longest_len = route, length
    if longest is not None and longest.matcher.kind == "prefix_noregex":
        return longest
    for route in routes:
        if route.matcher.kind == "regex" and route.matcher.matches(path):
            return route
    return longest
