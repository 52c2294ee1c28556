"""rtclint's route model against Caddy's own compilation of the same Caddyfile.

For each accepted file of the grammar corpus, `caddy adapt` gives the JSON config Caddy
would run. A small evaluator of that JSON (route groups, subroutes, terminal routes, path
matchers, prefix stripping) says which handler answers a request; rtclint's
`Site.route_for(path)` must pick the same kind of answer: the same status and body, the
same upstream with the same forwarded path, or the same redirect.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from conftest import SHARED
from test_caddy_grammar import CORPUS, FILES, _adapt, rtclint_findings

PROBES = ["/", "/a/x", "/a/y", "/h/z", "/.well-known/matrix/client", "/.well-known/matrix/server", "/livekit/jwt/get_token",
          "/livekit/jwt/sfu/get", "/livekit/sfu/rtc", "/api/v1/users", "/api/other", "/a", "/b", "/x", "/y",
          "/_matrix/client/versions", "/old"]


def _probed_host(site):
    return next((h for h in site.hosts if "*" not in h and "{" not in h), None)


def _has_concrete_site(path: str) -> bool:
    """Whether rtclint sees a site with a concrete host (no wildcard, no placeholder) to
    probe: decided at collection, so no case is generated only to be skipped."""
    return any(_probed_host(site) is not None and not site.fragment for site in rtclint_findings(path)[1].sites)


# ({$ENV} stays opaque in rtclint, Caddy substitutes it: not comparable)
CASES = [f for f in FILES if os.path.basename(f).startswith("ok_") and "{$" not in open(f, encoding="utf-8").read()
         and _has_concrete_site(f)]
# Caddyfile shorthands that `caddy adapt` writes out in full
SHORTHANDS = {"{http.request.uri}": "{uri}", "{http.request.host}": "{host}", "{http.request.uri.path}": "{path}"}


def _path_matches(patterns: list[str], path: str) -> bool:
    for p in patterns:
        regex = "^" + ".*".join(re.escape(part) for part in p.lower().split("*")) + "$"
        if re.match(regex, path.lower()):
            return True
    return False


def _set_matches(mset: dict, host: str, path: str) -> bool:
    for kind, value in mset.items():
        if kind == "host" and host not in [h.lower() for h in value]:
            return False
        if kind == "path" and not _path_matches(value, path):
            return False
        if kind == "path_regexp" and not re.search(value["pattern"], path):
            return False
        if kind == "not" and any(_set_matches(m, host, path) for m in value):
            return False
        if kind not in ("host", "path", "path_regexp", "not"):
            raise _Unmodelled(kind)
    return True


class _Unmodelled(Exception):
    pass


def _evaluate(routes: list[dict], host: str, path: str, named: dict | None = None):
    """(handler, path seen by it) of the first terminal handler Caddy runs, or None."""
    named = named or {}
    done_groups: set[str] = set()
    for route in routes:
        group = route.get("group")
        if group and group in done_groups:
            continue
        sets = route.get("match")
        if sets and not any(_set_matches(m, host, path) for m in sets):
            continue
        if group:
            done_groups.add(group)
        for handler in route.get("handle", []):
            kind = handler["handler"]
            if kind in ("subroute", "invoke"):
                inner = handler.get("routes", []) if kind == "subroute" else [named[handler["name"]]]
                found = _evaluate(inner, host, path, named)
                if found is not None:
                    return found
            elif kind == "rewrite":
                prefix = handler.get("strip_path_prefix")
                if prefix and path.lower().startswith(prefix.lower()):
                    path = path[len(prefix):]
                    path = path if path.startswith("/") else "/" + path
                elif prefix is None:
                    raise _Unmodelled("rewrite")
            elif kind in ("static_response", "reverse_proxy", "file_server", "error"):
                return handler, path
        if route.get("terminal"):
            return None
    return None


def _expected(handler_path):
    if handler_path is None:
        return None
    handler, path = handler_path
    kind = handler["handler"]
    if kind == "static_response":
        location = handler.get("headers", {}).get("Location")
        if location:
            target = location[0]
            for full, short in SHORTHANDS.items():
                target = target.replace(full, short)
            return ("redirect", target, int(handler.get("status_code", 302)))
        return ("respond", int(handler.get("status_code", 200)), handler.get("body"))
    if kind == "reverse_proxy":
        return ("proxy", handler["upstreams"][0]["dial"], path)
    return ("other", kind)


def _ours(route, path):
    if route is None:
        return None
    if route.respond is not None:
        return ("respond", route.respond.status, route.respond.body or None)
    if route.redirect is not None:
        return ("redirect", route.redirect.target, route.redirect.status)
    if route.proxy is not None:
        up = route.proxy.upstream
        strip = route.proxy.strip_prefix
        forwarded = path[len(strip):] if strip and path.lower().startswith(strip.lower()) else path
        forwarded = forwarded if forwarded.startswith("/") else "/" + forwarded
        host = f"[{up.host}]" if ":" in up.host else up.host
        return ("proxy", f"{host}:{up.effective_port}", forwarded)
    return ("other", route.facts.get("directive"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: os.path.basename(p)[: -len(".Caddyfile")])
def test_route_for_agrees_with_caddys_json(path):
    result = _adapt(path)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    servers = config.get("apps", {}).get("http", {}).get("servers", {})
    _, facts = rtclint_findings(path)
    checked = 0
    for site in facts.sites:
        host = _probed_host(site)
        if host is None or site.fragment:
            continue
        port = site.listens[0].port if site.listens else 443
        server = next((s for s in servers.values() if any(a.endswith(f":{port}") for a in s.get("listen", []))), None)
        if server is None:
            continue
        for probe in PROBES:
            try:
                expected = _expected(_evaluate(server.get("routes", []), host, probe, server.get("named_routes")))
            except _Unmodelled:
                continue
            ours = _ours(site.route_for(probe), probe)
            assert ours == expected, f"{host}{probe}: Caddy runs {expected}, rtclint models {ours}"
            checked += 1
    assert checked, "no probe reached a route Caddy and rtclint both model"


def test_corpus_has_routing_cases():
    assert len(CASES) >= 25 and os.path.isdir(CORPUS)


UPSTREAM = os.path.join(SHARED, "corpus", "upstream")
UPSTREAM_CADDYFILES = sorted(
    os.path.join(root, name) for root, _, names in os.walk(UPSTREAM) for name in names if name == "Caddyfile"
)


@pytest.mark.parametrize("path", UPSTREAM_CADDYFILES, ids=lambda p: os.path.relpath(p, UPSTREAM).split(os.sep)[1])
def test_upstream_caddyfiles_route_like_caddy(path, tmp_path):
    """The corpus's real Caddyfiles; a site-body fragment is compared inside a site block
    that imports it (how its docs mean it to be used)."""
    from rtclint.document import Document
    from rtclint.parsers import caddy
    from rtclint.parsers.base import Tree

    with open(path, "rb") as fh:
        doc = Document.from_bytes("Caddyfile", path, "caddy", fh.read())
    facts = caddy.read(doc, Tree([os.path.dirname(path)], lambda p: None))
    target = path
    if any(site.fragment for site in facts.sites):
        target = str(tmp_path / "Caddyfile")
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(f"fragment.example.com {{\n\timport {path}\n}}\n")
    result = _adapt(target)
    assert result.returncode == 0, result.stderr[-300:]
    servers = json.loads(result.stdout)["apps"]["http"]["servers"]
    checked = 0
    for site in facts.sites:
        host = "fragment.example.com" if site.fragment else site.hosts[0]
        port = site.listens[0].port if site.listens else 443
        server = next(s for s in servers.values() if any(a.endswith(f":{port}") for a in s.get("listen", [])))
        for probe in PROBES + ["/livekit/jwt/healthz", "/.well-known/matrix/x"]:
            expected = _expected(_evaluate(server.get("routes", []), host, probe, server.get("named_routes")))
            assert _ours(site.route_for(probe), probe) == expected, f"{host}{probe}"
            checked += 1
    assert checked
