"""Gateway API `HTTPRoute` (gateway.networking.k8s.io v1/v1beta1) → one `Site(kind='gateway')`
per hostname, routes in the spec's precedence so the first match answers.

From the HTTPRoute specification (gateway-api apis/v1/httproute_types.go):
- a rule with no `matches` matches `PathPrefix /`; each match of a rule is one route;
- `PathPrefix` is element-wise (`/p` takes `/p` and `/p/…`, not `/px`; a trailing `/` is
  ignored), `Exact` is the whole path, `RegularExpression` is implementation-specific (read as
  an anchored regex);
- precedence: an Exact match, then the longest prefix, then a method match, then the most
  header matches, then the most query matches; then (creation time, unknown here) file order;
- filters: `URLRewrite` (`ReplacePrefixMatch` replaces the matched prefix, `ReplaceFullPath`),
  `RequestHeaderModifier` (headers sent to the backend), `ResponseHeaderModifier` (set/add:
  response headers), `RequestRedirect` (status 302 unless `statusCode`);
- the first `backendRefs` entry is the upstream (the others are balanced choices); a rule
  without backends and without a redirect answers 500.
Matches on headers, query parameters or the method are conditions the model does not
evaluate: a request such a route takes is answered "unknown".
Listeners come from a `Gateway` of the same file named in `parentRefs` (its `sectionName`
picks one); without one the ports the route is served on are unknown. A route serves only on
the listeners it attaches to (each rule keeps their ports: `facts['listens']`), and there
the hostnames it shares with the listener's `hostname` (HTTPRouteSpec.hostnames).
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar


def _seq(node: yaml.Node | None) -> list[yaml.Node]:
    return [n for n in node.value if isinstance(n, yaml.MappingNode)] if isinstance(node, yaml.SequenceNode) else []


def read(doc: Document, routes: list[tuple[yaml.Node, str, Span]], gateways: list[tuple[yaml.Node, str, Span]]
         ) -> list[Site]:
    listeners = {name: _listeners(doc, node) for node, name, _ in gateways}
    by_host: dict[str, Site] = {}
    for node, name, anchor in routes:
        spec = mapping_get(node, "spec")[1]
        namespace = str(scalar(mapping_get(mapping_get(node, "metadata")[1], "namespace")[1]) or "")
        _, hostnames = mapping_get(spec, "hostnames")
        hosts = [(str(scalar(h)).lower(), node_span(doc, h)) for h in hostnames.value] \
            if isinstance(hostnames, yaml.SequenceNode) and hostnames.value else []
        parents = _parent_listens(spec, listeners)
        # host → (span, the listeners serving the route for it): a route serves only on the
        # listeners it attaches to, and there only the hostnames it shares with the listener
        served: dict[str, tuple[Span, list[Listen]]] = {}
        for listen, listener_host in parents:
            for host, span in _intersection(listener_host, hosts, anchor):
                on = served.setdefault(host, (span, []))[1]
                if all((y.port, y.tls) != (listen.port, listen.tls) for y in on):
                    on.append(listen)
        if not parents:  # no Gateway of the file: the ports the route is served on are unknown
            served = {host: (span, []) for host, span in hosts or [("*", anchor)]}
        built: dict[frozenset, list[Route]] = {}  # the rules, once per set of listeners
        for host, (span, listens) in served.items():
            key = frozenset((x.port, x.tls) for x in listens)
            if key not in built:
                built[key] = [r for index, rule in enumerate(_seq(mapping_get(spec, "rules")[1]))
                              for r in _rule_routes(doc, rule, f"HTTPRoute {name} rule {index}")]
                for route in built[key] if listens else ():
                    route.facts["listens"] = key  # model/answer_ingress.py: the rule serves on these only
            site = by_host.get(host)
            if site is None:
                site = by_host[host] = Site(kind="gateway", hosts=[host], listens=[], routes=[], span=span,
                                            name=f"HTTPRoute {name}", facts={"httproute": name, "namespace": namespace})
            site.listens += [x for x in listens if all((y.port, y.tls) != (x.port, x.tls) for y in site.listens)]
            site.routes += built[key]
    for site in by_host.values():
        site.routes.sort(key=_precedence)
    for host, site in by_host.items():
        # the spec's hostname precedence: the routes naming the host first; a request none of
        # them takes goes on to those of a wildcard hostname covering it, then to those without
        # hostnames (model/answer_ingress.py)
        wider = sorted((name for name in by_host if name != host and _covers(name, host)),
                       key=lambda name: (name == "*", -len(name)))
        if wider:
            site.facts["fallback_routes"] = [r for name in wider for r in by_host[name].routes]
    return list(by_host.values())


def _suffix_match(pattern: str, host: str) -> bool:
    """A Gateway API wildcard hostname is a suffix match: `*.example.com` takes
    `a.example.com` and `a.b.example.com`, not `example.com`."""
    return pattern.startswith("*.") and host.endswith(pattern[1:])


def _covers(name: str, host: str) -> bool:
    return name == "*" or _suffix_match(name, host) and not host.startswith("*")


def _intersection(listener_host: str | None, hosts: list[tuple[str, Span]], anchor: Span) -> list[tuple[str, Span]]:
    """The hostnames a route serves on a listener (the spec's HTTPRouteSpec.hostnames): the
    route's, or the listener's when the route names none; when both name some, those that
    match each other, the more specific of each pair (`*.example.com` and `a.example.com`:
    `a.example.com`); none: the route does not attach to that listener."""
    if listener_host is None:
        return hosts or [("*", anchor)]
    if not hosts:
        return [(listener_host, anchor)]
    out = []
    for host, span in hosts:
        if host == listener_host or _suffix_match(listener_host, host):
            out.append((host, span))
        elif _suffix_match(host, listener_host):
            out.append((listener_host, span))
    return out


def _listeners(doc: Document, gateway: yaml.Node) -> dict[str, tuple[Listen, str | None]]:
    """Listener name → (its port, its `hostname` or None)."""
    out = {}
    for item in _seq(mapping_get(mapping_get(gateway, "spec")[1], "listeners")[1]):
        port = scalar(mapping_get(item, "port")[1])
        protocol = str(scalar(mapping_get(item, "protocol")[1]) or "").upper()
        hostname = scalar(mapping_get(item, "hostname")[1])
        if isinstance(port, int) and protocol in ("HTTP", "HTTPS"):
            out[str(scalar(mapping_get(item, "name")[1]) or "")] = (
                Listen(port, protocol == "HTTPS", node_span(doc, item)), str(hostname).lower() if hostname else None)
    return out


def _parent_listens(spec: yaml.Node | None, listeners: dict[str, dict[str, tuple[Listen, str | None]]]
                    ) -> list[tuple[Listen, str | None]]:
    found = []
    for ref in _seq(mapping_get(spec, "parentRefs")[1]):
        gateway = listeners.get(str(scalar(mapping_get(ref, "name")[1]) or ""))
        section = scalar(mapping_get(ref, "sectionName")[1])
        if gateway:
            found += [gateway[section]] if section in gateway else ([] if section else list(gateway.values()))
    return found


def _rule_routes(doc: Document, rule: yaml.Node, label: str) -> list[Route]:
    span = node_span(doc, rule)
    matches = _seq(mapping_get(rule, "matches")[1]) or [None]
    out = []
    for match in matches:
        matcher, path, conditions = _matcher(doc, match, span)
        route = Route(matcher=matcher, span=node_span(doc, match) if match is not None else span,
                      name=f"{label} {path}",
                      facts={"path": path, "conditions": conditions, "exact": matcher.kind == "exact"})
        _backends(doc, rule, route)
        _filters(doc, rule, route, path)
        out.append(route)
    return out


def _matcher(doc: Document, match: yaml.Node | None, span: Span) -> tuple[PathMatch, str, list[str]]:
    _, path_node = mapping_get(match, "path")
    kind = str(scalar(mapping_get(path_node, "type")[1]) or "PathPrefix")
    path = str(scalar(mapping_get(path_node, "value")[1]) or "/")
    where = node_span(doc, path_node) if path_node is not None else span
    conditions = [what for what in ("headers", "queryParams", "method") if mapping_get(match, what)[1] is not None]
    if kind == "Exact":
        return PathMatch("exact", (path,), span=where), path, conditions
    if kind == "RegularExpression":
        return PathMatch("regex", ("^(?:" + path + ")$",), span=where), path, conditions
    if not path.rstrip("/"):
        return PathMatch("any", span=where), "/", conditions
    return PathMatch("segment", (path.rstrip("/"),), span=where), path, conditions


def _backends(doc: Document, rule: yaml.Node, route: Route) -> None:
    refs = [r for r in _seq(mapping_get(rule, "backendRefs")[1])
            if str(scalar(mapping_get(r, "kind")[1]) or "Service") == "Service"]
    ups = []
    for ref in refs:
        port_node = mapping_get(ref, "port")[1]
        port = scalar(port_node)
        name = scalar(mapping_get(ref, "name")[1])
        if isinstance(name, str):
            ups.append(Upstream(host=name, port=port if isinstance(port, int) else None, span=node_span(doc, ref),
                                port_span=node_span(doc, port_node) if port_node is not None else None))
    if ups:
        route.proxy = Proxy(ups[0], backend_name=ups[0].host, span=ups[0].span, websocket=True)
        route.facts["upstreams"] = ups[1:]
        route.facts["service_port"] = ups[0].port
    elif mapping_get(rule, "backendRefs")[1] is None:
        route.respond = Respond(500, None)  # no backend and (unless a redirect follows) no answer


_FILTER_FIELD = {"URLRewrite": "urlRewrite", "RequestHeaderModifier": "requestHeaderModifier",
                 "ResponseHeaderModifier": "responseHeaderModifier", "RequestRedirect": "requestRedirect"}


def _filters(doc: Document, rule: yaml.Node, route: Route, path: str) -> None:
    for item in _seq(mapping_get(rule, "filters")[1]):
        kind = str(scalar(mapping_get(item, "type")[1]) or "")
        body = mapping_get(item, _FILTER_FIELD.get(kind, ""))[1]
        span = node_span(doc, item)
        if kind == "URLRewrite":
            _, rewrite = mapping_get(body, "path")
            how = scalar(mapping_get(rewrite, "type")[1])
            if how == "ReplacePrefixMatch":
                value = str(scalar(mapping_get(rewrite, "replacePrefixMatch")[1]) or "/")
                route.facts["replace_prefix"] = (path, value)
                if route.proxy is not None and value.rstrip("/") == "":
                    route.proxy.strip_prefix, route.proxy.strip_span = path.rstrip("/"), span
            elif how == "ReplaceFullPath":
                full = route.facts["replace_full"] = str(scalar(mapping_get(rewrite, "replaceFullPath")[1]) or "/")
                if route.proxy is not None and route.facts.get("exact") and path.endswith(full) and full != path:
                    route.proxy.strip_prefix, route.proxy.strip_span = path[: -len(full)], span  # as the rules see it
        elif kind in ("RequestHeaderModifier", "ResponseHeaderModifier"):
            headers = [Header(str(scalar(mapping_get(h, "name")[1])), str(scalar(mapping_get(h, "value")[1]) or ""),
                              node_span(doc, h))
                       for op in ("set", "add") for h in _seq(mapping_get(body, op)[1])]
            if kind == "ResponseHeaderModifier":
                route.headers += headers
                # `set` replaces the backend's header of that name, `add` appends to it
                route.facts["response_sets"] = [str(scalar(mapping_get(h, "name")[1])).lower()
                                                for h in _seq(mapping_get(body, "set")[1])]
            elif route.proxy is not None:
                route.proxy.request_headers += headers
        elif kind == "RequestRedirect":
            route.redirect = _redirect(body, span, path)
            route.respond = None


def _redirect(body: yaml.Node | None, span: Span, path: str) -> Redirect:
    parts = {k: scalar(v) for k, _, v in mapping_items(body)}
    scheme = parts.get("scheme") or "{scheme}"
    host = parts.get("hostname") or "{host}"
    # no port: the scheme's own when a scheme is given, else the listener's (HTTPRequestRedirectFilter.port)
    port = f":{parts['port']}" if parts.get("port") else "" if parts.get("scheme") else "{port}"
    status = parts.get("statusCode") if isinstance(parts.get("statusCode"), int) else 302
    return Redirect(f"{scheme}://{host}{port}{{path}}", status, span)


def _precedence(route: Route) -> tuple:
    conditions = route.facts.get("conditions") or []
    return (not route.facts.get("exact"), -len(route.facts.get("path") or ""), "method" not in conditions,
            -conditions.count("headers"), -conditions.count("queryParams"))
