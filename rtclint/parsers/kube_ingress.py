"""Kubernetes Ingress (networking.k8s.io/v1, and v1beta1's `serviceName`/`servicePort`) as
ingress-nginx serves it → one `Site(kind='ingress')` per host of the file, every Ingress
naming that host merged into it as the controller merges them into one nginx `server`.

How ingress-nginx turns paths into nginx locations (its template, `buildLocation`):
- `Exact` → `location = /p`; `Prefix` → element-wise (`/p` takes `/p` and `/p/…`, never
  `/px`; a trailing `/` is ignored); `ImplementationSpecific` → a plain string prefix;
- `use-regex: "true"` or a `rewrite-target` on any Ingress of a host makes every path of
  that host a case-insensitive regex anchored at the start (`location ~* "^/p"`);
- locations are sorted longest path first, so the first match here is nginx's pick;
- `rewrite-target` is `rewrite "(?i)<path>" <target> break;`: `$1`… are the path's groups;
- `proxy-read-timeout` (seconds, default 60) and websocket upgrades, which it always passes;
- `backend-protocol` HTTPS/GRPCS (an https upstream), `permanent-redirect` and
  `temporal-redirect` (with their `-code`): the Ingress's paths redirect, nothing is proxied;
- `configuration-snippet` is raw nginx inside the location: `add_header` adds a response
  header, `more_set_headers` replaces the upstream's (never a second copy), any other
  directive makes the route's answer unknown.
Annotations are read only when the Ingress is ingress-nginx's (class `nginx`, or none set).
A path no location takes gets the default backend's 404.
"""

from __future__ import annotations

import re

from rtclint.document import Document, Span
from rtclint.model import Header, Listen, PathMatch, Proxy, Redirect, Route, Site, Upstream
from rtclint.model.answer_ingress import rewritten_path
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar
from rtclint.parsers.yaml_values import embedded

NGINX = "nginx.ingress.kubernetes.io/"
DEFAULT_READ_TIMEOUT = 60.0


def read(doc: Document, ingresses: list[tuple[yaml.Node, str, Span]]) -> list[Site]:
    """Every Ingress of the file → sites, one per host."""
    by_host: dict[str, Site] = {}
    regex_hosts: set[str] = set()
    for node, name, _anchor in ingresses:
        notes = _annotations(node)
        for host, span, tls, paths in _rules(doc, node):
            site = by_host.get(host)
            if site is None:
                site = by_host[host] = Site(kind="ingress", hosts=[host], listens=[], routes=[], span=span,
                                            name=f"Ingress {name}", facts={"ingress": name, "namespace": _namespace(node)})
            listen = Listen(443, True, span) if tls else Listen(80, False, span)
            if not any((x.port, x.tls) == (listen.port, listen.tls) for x in site.listens):
                site.listens.append(listen)
            if notes.get("use-regex", ("",))[0] == "true" or "rewrite-target" in notes:
                regex_hosts.add(host)
            for item in paths:
                route = _route(doc, item, name, notes)
                if route is not None:
                    site.routes.append(route)
    for host, site in by_host.items():
        _matchers(site, regex=host in regex_hosts)
    return list(by_host.values())


def _namespace(node: yaml.Node) -> str:
    return str(scalar(mapping_get(mapping_get(node, "metadata")[1], "namespace")[1]) or "")


def _annotations(node: yaml.Node) -> dict[str, tuple[str, yaml.Node]]:
    """ingress-nginx's annotations (name without prefix → (value, node)), {} for another class."""
    meta = mapping_get(node, "metadata")[1]
    found = {k: (str(scalar(v)), v) for k, _, v in mapping_items(mapping_get(meta, "annotations")[1])}
    spec = mapping_get(node, "spec")[1]
    klass = scalar(mapping_get(spec, "ingressClassName")[1]) or found.get("kubernetes.io/ingress.class", ("",))[0]
    if klass and "nginx" not in str(klass):
        return {}
    return {k[len(NGINX):]: v for k, v in found.items() if k.startswith(NGINX)}


def _rules(doc: Document, node: yaml.Node):
    """(host, span, served with TLS, path items) per rule."""
    spec = mapping_get(node, "spec")[1]
    tls_hosts: set[str] = set()
    _, tls = mapping_get(spec, "tls")
    for entry in tls.value if isinstance(tls, yaml.SequenceNode) else []:
        _, hosts = mapping_get(entry, "hosts")
        for h in hosts.value if isinstance(hosts, yaml.SequenceNode) else []:
            tls_hosts.add(str(scalar(h)).lower())
    _, rules = mapping_get(spec, "rules")
    for rule in rules.value if isinstance(rules, yaml.SequenceNode) else []:
        _, host_node = mapping_get(rule, "host")
        host = str(scalar(host_node) or "*").lower()
        span = node_span(doc, host_node) if host_node is not None else node_span(doc, rule)
        _, paths = mapping_get(mapping_get(rule, "http")[1], "paths")
        items = [p for p in paths.value if isinstance(p, yaml.MappingNode)] if isinstance(paths, yaml.SequenceNode) else []
        yield host, span, host in tls_hosts or "*" in tls_hosts, items


def _route(doc: Document, item: yaml.Node, ingress: str, notes: dict) -> Route | None:
    path = str(scalar(mapping_get(item, "path")[1]) or "/")
    path_type = str(scalar(mapping_get(item, "pathType")[1]) or "ImplementationSpecific")
    _, backend = mapping_get(item, "backend")
    _, service = mapping_get(backend, "service")
    svc_name = scalar(mapping_get(service, "name")[1]) or scalar(mapping_get(backend, "serviceName")[1])
    _, port = mapping_get(service, "port")
    _, number = mapping_get(port, "number")
    port_name = scalar(mapping_get(port, "name")[1])
    if number is None:  # networking.k8s.io/v1beta1: backend.servicePort
        _, number = mapping_get(backend, "servicePort")
    if not isinstance(svc_name, str):
        return None
    value = scalar(number)
    if isinstance(value, str) and port_name is None:
        port_name, value = value, None
    span = node_span(doc, item)
    upstream = Upstream(host=svc_name, port=value if isinstance(value, int) else None, span=span,
                        port_span=node_span(doc, number) if number is not None else None)
    proxy = Proxy(upstream, backend_name=svc_name, span=span, websocket=True, read_timeout=DEFAULT_READ_TIMEOUT)
    route = Route(matcher=PathMatch("prefix", (path,), span=span), span=span, proxy=proxy,
                  name=f"Ingress {ingress} {path}",
                  facts={"port_name": port_name, "ingress": ingress, "service_port": upstream.port,
                         "path": path, "path_type": path_type})
    _apply_annotations(doc, route, notes)
    return route


def _apply_annotations(doc: Document, route: Route, notes: dict) -> None:
    timeout = notes.get("proxy-read-timeout")
    if timeout is not None and timeout[0].strip().isdecimal():
        route.proxy.read_timeout = float(timeout[0].strip())
        route.proxy.read_timeout_span = node_span(doc, timeout[1])
    target = notes.get("rewrite-target")
    if target is not None:
        route.facts["rewrite_target"] = target[0]
        route.proxy.strip_span = node_span(doc, target[1])
    protocol = notes.get("backend-protocol", ("HTTP",))[0].upper()
    if protocol in ("HTTPS", "GRPCS"):
        route.proxy.upstream.scheme = "https"
    elif protocol not in ("HTTP", "GRPC"):  # FCGI, AUTO_HTTP: not a plain proxy the model knows
        route.facts["snippet_directives"] = [f"backend-protocol {protocol}"]
    for kind, status in (("permanent-redirect", 301), ("temporal-redirect", 302)):
        redirect = notes.get(kind)
        if redirect is not None:  # every path of the Ingress, before any proxying
            code = notes.get(f"{kind}-code", (str(status),))[0]
            route.redirect = Redirect(redirect[0], int(code) if code.isdecimal() else status, node_span(doc, redirect[1]))
            route.proxy = None
            return
    snippet = notes.get("configuration-snippet")
    if snippet is not None and isinstance(snippet[1], yaml.ScalarNode):
        added, replaced, other = snippet_directives(snippet[0])
        route.headers += [Header(n, v, _directive_span(doc, snippet[1], start, end)) for n, v, start, end in added]
        if replaced:  # headers-more replaces the upstream's header: never a second copy
            route.facts["replaced_headers"] = {n: v for n, v, _, _ in replaced}
        if other:
            route.facts["snippet_directives"] = other


_DIRECTIVE = re.compile(r"([A-Za-z_]\w*)\s*((?:[^;\"'#]|\"[^\"]*\"|'[^']*')*);")


def snippet_directives(text: str):
    """(headers `add_header` adds, headers `more_set_headers` sets, other directives' names)
    of an nginx snippet; each header with the offsets of its directive in `text`."""
    added, replaced, other = [], [], []
    text = re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0)), text)  # offsets stay put
    for m in _DIRECTIVE.finditer(text):
        name, args = m.group(1), m.group(2).strip()
        if name == "add_header":
            parts = args.split(None, 1)
            if len(parts) == 2:
                value = parts[1].removesuffix(" always").strip().strip("\"'")
                added.append((parts[0].strip("\"'"), value, m.start(), m.end()))
        elif name == "more_set_headers":
            for quoted in re.findall(r"\"([^\"]*)\"|'([^']*)'", args):
                header = quoted[0] or quoted[1]
                if ":" in header:
                    n, v = header.split(":", 1)
                    replaced.append((n.strip(), v.strip(), m.start(), m.end()))
        else:
            other.append(name)
    return added, replaced, other


def _directive_span(doc: Document, node: yaml.ScalarNode, start: int, end: int) -> Span | None:
    """The directive's own characters, when it is alone on its line of a `|` block (a fix
    may then delete that line); None when deleting its line would take more with it."""
    text = node.value
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start: len(text) if line_end == -1 else line_end]
    if node.style != "|" or line.strip() != text[start:end].strip():
        return None
    return embedded(doc, node).span(start, end)


def _matchers(site: Site, regex: bool) -> None:
    """Each route's matcher as ingress-nginx writes its location, longest path first."""
    for route in site.routes:
        path, kind = route.facts["path"], route.facts["path_type"]
        span = route.matcher.span
        if regex:
            route.matcher = PathMatch("regex", ("^" + path,), span=span, case_insensitive=True)
            if "rewrite_target" in route.facts and route.proxy is not None:
                route.facts["rewrite"] = (path, route.facts["rewrite_target"])
                route.proxy.strip_prefix = _stripped_prefix(path, route.facts["rewrite_target"])
        elif kind == "Exact":
            route.matcher = PathMatch("exact", (path,), span=span)
        elif kind == "Prefix" and path.rstrip("/"):
            route.matcher = PathMatch("segment", (path.rstrip("/"),), span=span)
        else:
            route.matcher = PathMatch("prefix", (path,), span=span)
    # nginx: `=` first; then ingress-nginx's order, longest path first (stable: file order)
    site.routes.sort(key=lambda r: (r.matcher.kind != "exact", -len(r.facts["path"])))


def _stripped_prefix(pattern: str, target: str) -> str:
    """The literal prefix a `rewrite-target` removes, when it acts as a strip (the usual
    `/p(/|$)(.*)` → `/$2`); '' otherwise."""
    literal = re.match(r"[^.^$*+?()\[\]{}|\\]*", pattern).group(0).rstrip("/")
    probe = Route(matcher=PathMatch("any"), span=None, facts={"rewrite": (pattern, target)})  # type: ignore[arg-type]
    if literal and rewritten_path(probe, literal + "/sfu/get") == "/sfu/get":
        return literal
    return ""
