"""The answer of a Kubernetes ingress controller to a request: ingress-nginx for an
Ingress (`parsers/kube_ingress.py` orders the routes as its locations), a Gateway API
implementation for an HTTPRoute (`parsers/kube_gateway.py` orders them by the spec's
precedence). The first matching route answers; no match is the controller's 404.

What the model cannot compute is unknown: a rewrite it cannot apply, nginx directives in a
`configuration-snippet` beyond headers, HTTPRoute matches on headers, query or method, a
backend port its Service in the tree does not have (each controller errs its own way), a
Service's targetPort by name that no pod of the tree declares (model/linking_kube.py).
"""

from __future__ import annotations

import re

from rtclint.model.answer_types import Answer, Request, UpstreamAnswer, balanced, default_port, unknown
from rtclint.model.proxy import Route, Site


def answer_ingress(site: Site, request: Request) -> Answer:
    route = _on_listener(site, request) if site.kind == "gateway" else site.route_for(request.path)
    if route is None:
        return Answer("respond", status=404, body=None)  # the default backend / no route: 404
    if route.facts.get("snippet_directives"):
        return unknown(f"`{route.name}` uses what the model does not evaluate "
                       f"({', '.join(route.facts['snippet_directives'])})", site, route)
    if route.facts.get("conditions"):
        return unknown(f"`{route.name}` also matches on {', '.join(route.facts['conditions'])}", site, route)
    if route.redirect is not None:
        location = route.redirect.target.replace("{path}", request.path)
        if "{" in location:  # an HTTPRoute redirect keeping the request's scheme, host or port
            port = "" if request.port == default_port(request.scheme) else f":{request.port}"
            location = location.replace("{scheme}", request.scheme).replace("{host}", request.host) \
                .replace("{port}", port)
        return Answer("redirect", status=route.redirect.status, location=location,
                      headers=route.headers, route=route)
    if route.proxy is None and route.respond is not None:  # an HTTPRoute rule without backendRefs: 500
        return Answer("respond", status=route.respond.status, body=None, headers=route.headers, route=route)
    if route.proxy is None:
        return unknown(f"`{route.name}` has no backend the tree shows", site, route)
    path = rewritten_path(route, request.path)
    if path is None:
        return unknown(f"`{route.name}` rewrites the path in a way the model does not compute", site, route)
    if route.facts.get("port_missing"):
        # ingress-nginx answers 503, Traefik drops the route (404), a Gateway 500: never the backend
        service, port = route.facts["port_missing"]
        return unknown(f"`{route.name}` names port {port} that Service {service} does not have: the "
                       "controller answers it itself, each its own way", site, route)
    if route.facts.get("target_unknown"):
        return unknown(route.facts["target_unknown"], site, route)
    up = route.proxy.upstream
    if up.port is None and route.facts.get("port_name"):
        # a port by name that no Service of the tree resolves (model/linking_kube): its number
        # is the cluster's, never the scheme's default (Traefik's replay caught the guess)
        return unknown(f"`{route.name}` names the Service port `{route.facts['port_name']}`, which no "
                       f"Service in the tree resolves", site, route)
    first = (up.host, up.effective_port)
    return Answer("proxy", headers=route.headers, route=route,
                  upstream=UpstreamAnswer(up.host, up.effective_port, path, upgrade=True,
                                          read_timeout=route.proxy.read_timeout, choices=balanced(route, first)))


def _on_listener(site: Site, request: Request) -> Route | None:
    """The first matching HTTPRoute rule among those attached to the listener the request
    came in on (`facts['listens']`, parsers/kube_gateway.py; a rule without it: a route
    whose Gateway is not in the tree, served wherever asked): the site's own, then those of
    the wildcard and hostname-less routes that also take its host (`fallback_routes`)."""
    on = (request.port, request.scheme == "https")
    for route in (*site.routes, *site.facts.get("fallback_routes", ())):
        listens = route.facts.get("listens")
        if (listens is None or on in listens) and route.matcher.matches(request.path):
            return route
    return None


def rewritten_path(route: Route, path: str) -> str | None:
    """The path the backend receives: ingress-nginx's `rewrite-target` (`$1`… the path
    regex's groups), or an HTTPRoute URLRewrite (`replace_prefix`: the matched prefix
    replaced, `replace_full`); None when the rewrite cannot be computed."""
    full = route.facts.get("replace_full")
    if full is not None:
        return full
    prefix = route.facts.get("replace_prefix")
    if prefix is not None:
        matched, replacement = prefix
        rest = path[len(matched.rstrip("/")):]
        out = replacement.rstrip("/") + rest if rest else replacement
        return out if out.startswith("/") else "/" + out
    rewrite = route.facts.get("rewrite")
    if rewrite is None:
        return path
    pattern, target = rewrite
    try:
        m = re.match(pattern, path, re.IGNORECASE)
    except re.error:
        return None
    if m is None:
        return None
    out = re.sub(r"\$(\d)", lambda g: (m.group(int(g.group(1))) or "") if int(g.group(1)) <= m.re.groups else "",
                 target)
    return out if out.startswith("/") else "/" + out
