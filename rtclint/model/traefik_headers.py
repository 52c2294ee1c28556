"""Traefik's `headers` middleware, per request (traefik pkg/middlewares/headers/header.go).

Each headers middleware of a router (`route.facts['traefik_headers']`: its custom response
headers and CORS options, in middleware order) *sets* its headers on the response after
the service answered, replacing the service's own. The first listed middleware wraps the
others, so it sets last and its value stays. Access-Control-Allow-Origin is the entry of
`accessControlAllowOriginList` equal to the request's Origin, `*` for a `*` entry (the
Origin itself with `accessControlAllowCredentials`), or what matches a regex of
`accessControlAllowOriginListRegex`; none, and the middleware sets nothing.

A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered by
the first middleware with CORS options: 200, empty, its CORS headers, and those the
middlewares before it set."""

from __future__ import annotations

import re

from rtclint.model.proxy import Header

ACAO = "Access-Control-Allow-Origin"


def _get(headers: dict, name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def match_origin(cors: dict, origin: str) -> str | None:
    """What Traefik sets Access-Control-Allow-Origin to for this Origin; None: nothing.
    Raises re.error for a regex Python does not read."""
    for item in cors["origins"]:
        if item == origin:
            return item
        if item == "*":
            return origin if cors["credentials"] else item
    for pattern in cors["regexes"]:
        if re.search(pattern, origin):
            return origin
    return None


def _apply(out: dict, sets, cors, span, origin: str) -> None:
    for name, value in sets:
        out[name.lower()] = Header(name, value, span)
    if cors is not None:
        match = match_origin(cors, origin)
        if match is not None:
            out[ACAO.lower()] = Header(ACAO, match, span)


def response_headers(route, request) -> list[Header]:
    """The headers the router's middlewares set on this request's response (the service's
    answer, or a redirect)."""
    chain = route.facts.get("traefik_headers")
    if not chain:
        return list(route.headers)
    origin = _get(request.headers, "origin")
    out: dict[str, Header] = {}
    for sets, cors, span in reversed(chain):  # innermost first: the outer ones set after it
        _apply(out, sets, cors, span, origin)
    return [h for h in out.values() if h.value != ""]  # an empty value deletes the header


def preflight_headers(route, request) -> list[Header] | None:
    """The headers of the preflight answer Traefik gives itself, or None when the request
    is no preflight or no middleware of the router has CORS options."""
    chain = route.facts.get("traefik_headers") or ()
    origin = _get(request.headers, "origin")
    if request.method != "OPTIONS" or not origin or not _get(request.headers, "access-control-request-method"):
        return None
    first = next((i for i, (_, cors, _) in enumerate(chain) if cors is not None), None)
    if first is None:
        return None
    out: dict[str, Header] = {}
    _apply(out, (), chain[first][1], chain[first][2], origin)
    for sets, cors, span in reversed(chain[:first]):
        _apply(out, sets, cors, span, origin)
    return [h for h in out.values() if h.value != ""]
