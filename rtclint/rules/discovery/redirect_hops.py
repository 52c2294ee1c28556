"""The redirects a browser follows for the client well-known, hop by hop.

A browser asks `https://<server_name>/.well-known/matrix/client` with an `Origin`; on a
redirect it checks the redirect response for `Access-Control-Allow-Origin` before it
follows the `Location` (the Fetch standard's CORS check runs on every hop of a
cross-origin request). This walks that chain through the deployment's proxies with the
answer model, as far as it can decide (at most MAX_HOPS; an unknown answer, a site
nobody in the tree serves or a loop ends it)."""

from __future__ import annotations

from dataclasses import dataclass

from rtclint.model.answer_types import Answer

MAX_HOPS = 5


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Hop:
    """One redirect a browser follows on the way to a well-known."""

    url: str  # what the browser asked at this hop
    answer: Answer  # a redirect


def redirect_hops(ctx) -> list[Hop]:
    """Every redirect hop on the way to the client well-known of each server_name."""
    return ctx.memo(("redirect_hops",), lambda: list(_walk_all(ctx)))


def _walk_all(ctx):
    from rtclint.model import CLIENT_PATH

    seen_routes: set[int] = set()
    names = dict.fromkeys(str(n.value).lower() for n in ctx.deployment.server_names() if n.value)
    for name in names:
        for hop in _walk(ctx, "https", name, 443, CLIENT_PATH):
            if id(hop.answer.route) not in seen_routes:  # one finding per redirecting route
                seen_routes.add(id(hop.answer.route))
                yield hop


def _walk(ctx, scheme: str, host: str, port: int, path: str):
    from rtclint.model.answer import answer
    from rtclint.model.answer_requests import ORIGIN
    from rtclint.model.answer_types import Request

    visited = set()
    for _ in range(MAX_HOPS):
        key = (scheme, host, port, path)
        if key in visited:
            return
        visited.add(key)
        found = answer(ctx.deployment, Request(scheme, host, port, "GET", path, {"origin": ORIGIN}))
        if found.kind != "redirect" or found.route is None or not found.location:
            return
        yield Hop(_url(scheme, host, port, path), found)
        target = _parse(found.location, scheme, host, port)
        if target is None:
            return
        scheme, host, port, path = target


def _url(scheme: str, host: str, port: int, path: str) -> str:
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}{'' if port == default else f':{port}'}{path}"


def _parse(location: str, scheme: str, host: str, port: int):
    """(scheme, host, port, path) of a Location, relative ones resolved; None when it
    holds something the model left unresolved (a variable, a placeholder)."""
    from rtclint.urls import urlsplit

    if any(c in location for c in "${}"):
        return None
    try:
        parts = urlsplit(location)
        new_port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https"):
        return None
    new_scheme = parts.scheme or scheme
    new_host = (parts.hostname or host).lower()
    if new_port is None:
        new_port = port if not parts.hostname and not parts.scheme else (443 if new_scheme == "https" else 80)
    return new_scheme, new_host, new_port, parts.path or "/"
