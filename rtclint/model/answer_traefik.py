"""Traefik's answer to a request: the router its priority order picks (`routing`) among
the routers of the request's entry point, its redirect or its service with the stripped
path; Traefik passes websocket upgrades itself. Equal-priority overlaps and upstreams
only the running container knows are unknown. The `headers` middleware sets its response
headers per request and answers CORS preflights itself (model/traefik_headers.py).

Entry points (`site.facts['entrypoints']`, from the static configuration): a router
serves the entry points it names, else all; on each, a router with `tls` answers only
TLS requests and one without only plain ones, unless the entry point sets `http.tls`
(then every router there is TLS) — Traefik's router manager builds one handler for each.

Redirects (Traefik's pkg/middlewares/redirect): the middleware rewrites the request's
URL `scheme://host[:port]/uri` (the port only when not the scheme's default) by its
regex; an unchanged URL is no redirect and the request goes on. The status is 302 (307
for a method other than GET), or 301 (308) when `permanent`."""

from __future__ import annotations

import re
from dataclasses import replace

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, default_port, unknown
from rtclint.model.proxy import Site
from rtclint.model.traefik_headers import preflight_headers, response_headers
from rtclint.model.traefik_rule import upstream_path


def answer_traefik(site: Site, request: Request) -> Answer:
    site = _on_entrypoint(site, request)
    route = site.route_for(request.path)
    if route is None:
        return Answer("respond", status=404, body="404 page not found\n", content_type="text/plain; charset=utf-8")
    if route.facts.get("undecidable"):
        return unknown(route.facts["undecidable"], site, route)
    if route.facts.get("path_rewrites") or route.facts.get("unknown_middlewares"):
        kinds = route.facts.get("path_rewrites") or route.facts.get("unknown_middlewares")
        return unknown(f"router `{route.facts.get('router')}` uses middlewares not modelled: {', '.join(kinds)}",
                       site, route)
    try:
        preflight = preflight_headers(route, request)
        headers = response_headers(route, request)
    except re.error as exc:
        return unknown(f"router `{route.facts.get('router')}`: an origin regex not evaluated ({exc})", site, route)
    if preflight is not None:  # the headers middleware answers a CORS preflight itself
        return Answer("respond", status=200, body="", headers=preflight, route=route)
    if route.redirect is not None:
        redirected = _redirect(site, route, request, headers)
        if redirected is not None:
            return redirected
    if route.proxy is None:
        return unknown(f"router `{route.facts.get('router')}` has no service the tree shows", site, route)
    up = route.proxy.upstream
    first = (up.host, up.effective_port)
    return Answer("proxy", headers=headers, route=route,
                  upstream=UpstreamAnswer(up.host, up.effective_port,
                                          upstream_path(route.facts.get("strip_prefixes", []), request.path),
                                          upgrade=True, choices=balanced(route, first)))


def _on_entrypoint(site: Site, request: Request) -> Site:
    """The site with only the routers that serve this request's entry point and scheme."""
    entrypoints = site.facts.get("entrypoints")
    here = {name: tls for name, (port, tls) in (entrypoints or {}).items() if port == request.port}
    if not here:
        return site  # no static configuration read: every router, as before
    secure = request.scheme == "https"

    def serves(route) -> bool:
        names = route.facts.get("entrypoints") or list(here)
        return any(name in here and (bool(route.facts.get("tls")) or here[name]) == secure for name in names)

    return replace(site, routes=[r for r in site.routes if serves(r)])


def _redirect(site: Site, route, request: Request, headers) -> Answer | None:
    how = route.facts.get("redirect_middleware")
    if how is None:
        return Answer("redirect", status=route.redirect.status, location=route.redirect.target,
                      headers=headers, route=route)
    port = "" if request.port == default_port(request.scheme) else f":{request.port}"
    if how["kind"] == "redirectscheme":
        old = f"{request.scheme}://{request.host}{port}{request.path}"
        target_port = how.get("port", "")
        if target_port and not (how.get("scheme") == "http" and target_port == "80"
                                or how.get("scheme") == "https" and target_port == "443"):
            new = f"{how.get('scheme', '')}://{request.host}:{target_port}{request.path}"
        else:
            new = f"{how.get('scheme', '')}://{request.host}{request.path}"
    else:
        old = f"{request.scheme}://{request.host}{port}{request.path}"
        try:
            pattern = re.compile(how.get("regex", ""))
            new = pattern.sub(_python_template(how.get("replacement", "")), old, count=1) \
                if pattern.search(old) else old
        except (re.error, IndexError) as exc:
            return unknown(f"router `{route.facts.get('router')}`: redirectRegex not evaluated ({exc})", site, route)
    if new == old and route.proxy is not None:
        return None  # not redirected: the request goes on to the router's service
    if new == old:
        return unknown(f"router `{route.facts.get('router')}`: the redirect leaves this URL as it is, and the "
                       f"request goes on to the service (not modelled)", site, route)
    status = (301 if request.method == "GET" else 308) if how["permanent"] else \
        (302 if request.method == "GET" else 307)
    return Answer("redirect", status=status, location=new, headers=headers, route=route)


def _python_template(go: str) -> str:
    """Go's regexp replacement (`$1`, `${1}`, `${name}`, `$$`) as Python's."""
    out = go.replace("\\", "\\\\")
    out = re.sub(r"\$\$", "\x00", out)
    out = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: f"\\g<{m.group(1) or m.group(2)}>", out)
    return out.replace("\x00", "$")
