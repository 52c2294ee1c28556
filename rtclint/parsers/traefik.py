"""Traefik's HTTP routers, services and middlewares → proxy Sites and Routes.

Every provider (the file provider's YAML or TOML, Docker/Compose labels, Kubernetes CRDs)
is first read into a `Dynamic` configuration: routers, services and middlewares by name,
each value with the span it is written at. This module turns that into the routing model
the RTC1xx/RTC2xx rules read, as Traefik routes a request:

- routers are tried by priority, highest first: `priority` when set, else the length of
  the rule text (Traefik's default); a router answers when its whole rule matches;
- a router listens on its `entryPoints`, else on every entry point;
- its middlewares run in the order listed: `stripPrefix` removes the first matching
  prefix, `addPrefix` prepends, `replacePath` replaces, `headers` adds response headers
  (`accessControlAllowOriginList`, `customResponseHeaders`), `redirectScheme` and
  `redirectRegex` answer with a redirect;
- Traefik passes websocket upgrades by itself.

A site is made for every host a rule names, holding every router that can match that
host; a router whose rule names no host (or only `HostRegexp`) also serves the catch-all
site `*`. Rules Traefik refuses are RTC001 at the rule's span.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.diagnostics import Diagnostic
from rtclint.document import Document, Span
from rtclint.model.proxy import Header, PathMatch, Proxy, Redirect, Route, Site, Upstream
from rtclint.model import traefik_rule
from rtclint.parsers.base import parse_error


# The catch-all site `*` stands for every host no rule names: its routes are the routers
# that match such a host, evaluated with this name (reserved: it never resolves).
OTHER_HOST = "other-host.invalid"


@dataclass(slots=True)
class Value:
    """A value read from a Traefik config, with its span."""

    value: object
    span: Span | None = None


@dataclass(slots=True)
class Router:
    """A Traefik router: rule, service, middlewares, entry points and priority."""

    name: str
    span: Span
    rule: Value | None = None
    service: Value | None = None
    middlewares: list[Value] = field(default_factory=list)
    entrypoints: list[Value] = field(default_factory=list)
    priority: Value | None = None
    tls: bool = False
    facts_unknown: str = ""  # why the router's upstream cannot be known from the tree
    # route facts its source adds (an IngressRoute's Kubernetes Service and port, linked later)
    facts: dict = field(default_factory=dict)


@dataclass(slots=True)
class Middleware:
    """A Traefik middleware: its type and options."""

    name: str
    kind: str  # lower-case middleware type: 'stripprefix', 'headers', …
    options: dict  # option name (lower-case) -> Value
    span: Span


@dataclass(slots=True)
class Dynamic:
    """One provider's HTTP configuration."""

    routers: dict[str, Router] = field(default_factory=dict)
    services: dict[str, list[Upstream]] = field(default_factory=dict)
    middlewares: dict[str, Middleware] = field(default_factory=dict)


def upstream_from_url(url: str, span: Span | None) -> Upstream | None:
    from rtclint.urls import urlsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return Upstream(host=parts.hostname, port=port, scheme=parts.scheme or "http",
                    path=parts.path or None, span=span)


def build_sites(doc: Document, dyn: Dynamic) -> tuple[list[Site], list[Diagnostic]]:
    """Sites for the routers of `dyn`, listening on no port yet (see `_site`)."""
    problems: list[Diagnostic] = []
    parsed: list[tuple[Router, traefik_rule.Node, int]] = []
    for router in dyn.routers.values():
        if router.rule is None or not isinstance(router.rule.value, str):
            continue
        try:
            node = traefik_rule.parse(router.rule.value)
        except traefik_rule.RuleError as exc:
            start = router.rule.span.start if router.rule.span else router.span.start
            problems.append(parse_error(doc, start, f"Traefik refuses the rule of router `{router.name}`: {exc}"))
            continue
        parsed.append((router, node, _priority(router)))
    # Highest priority first; Python's sort is stable, so equal priorities keep file order.
    parsed.sort(key=lambda item: -item[2])
    hosts: list[str] = []
    for _, node, _ in parsed:
        hosts.extend(h for h in traefik_rule.hosts_named(node) if h not in hosts)
    sites = []
    for host in hosts + ["*"]:
        asked = OTHER_HOST if host == "*" else host
        routes = [_route(doc, dyn, router, node, host) for router, node, _ in parsed
                  if traefik_rule.evaluate(node, {"host": asked}) is not False]
        routes = [r for r in routes if r is not None]
        if routes:
            sites.append(_site(host, routes))
    return sites, problems


def _priority(router: Router) -> int:
    if router.priority is not None and isinstance(router.priority.value, int) and router.priority.value > 0:
        return router.priority.value
    return traefik_rule.default_priority(router.rule.value)


def _site(host: str, routes: list[Route]) -> Site:
    """Ports come later, from the static configuration (`model.traefik_link`)."""
    first = routes[0].span
    return Site(kind="traefik", hosts=[host], listens=[], routes=routes,
                span=Span(first.path, first.start, first.end), name=f"Traefik routers for {host}")


def _route(doc: Document, dyn: Dynamic, router: Router, node, host: str) -> Route | None:
    matcher = path_match(node, OTHER_HOST if host == "*" else host, router.rule.span)
    route = Route(matcher=matcher, span=router.rule.span or router.span, name=f"router {router.name}",
                  facts={"router": router.name, "rule": router.rule.value, "priority": _priority(router),
                         "tls": router.tls,
                         "entrypoints": [e.value for e in router.entrypoints if isinstance(e.value, str)]})
    strip = ""
    for ref in router.middlewares:
        mw = dyn.middlewares.get(str(ref.value).split("@", 1)[0])
        if mw is None:
            route.facts.setdefault("unknown_middlewares", []).append(str(ref.value))
            continue
        strip = _apply_middleware(route, mw, strip)
        # redirectRegex passes a URL its regex leaves unchanged on to the rest of the chain
        # (answer_traefik decides per request), so the service is still read
        if mw.kind == "redirectscheme":
            return route
    service = router.service.value if router.service else None
    upstreams = dyn.services.get(str(service).split("@", 1)[0]) if service else None
    route.facts.update(router.facts)
    proxy = Proxy(upstream=upstreams[0], strip_prefix=strip, websocket=True, span=router.service.span,
                  backend_name=str(service)) if upstreams else None
    if router.facts_unknown:
        route.facts["undecidable"] = router.facts_unknown
        if proxy is not None and router.facts.get("port_name"):
            # the proxy an IngressRoute makes once its Service's port is known by number:
            # model/linking_kube resolves it when the tree holds the Service
            route.facts["pending_proxy"] = proxy
    elif proxy is not None:
        route.proxy = proxy
    return route


def _apply_middleware(route: Route, mw: Middleware, strip: str) -> str:
    opts = mw.options
    if mw.kind == "stripprefix":
        prefixes = [p for p in _strings(opts.get("prefixes")) if p]
        route.facts.setdefault("strip_prefixes", []).append(prefixes)
        paths = route.matcher.paths if route.matcher.kind in ("prefix", "exact") else ()
        # Traefik strips the first listed prefix the path starts with.
        for prefix in prefixes:
            if not paths or all(p.startswith(prefix) for p in paths):
                route.facts["strip_span"] = mw.span
                return strip + prefix
        return strip
    if mw.kind == "headers":
        _headers_middleware(route, opts, mw.span)
    elif mw.kind in ("redirectscheme", "redirectregex"):
        target = opts.get("replacement") or opts.get("scheme")
        permanent = bool(opts.get("permanent") and opts["permanent"].value in (True, "true", "True"))
        route.redirect = Redirect(str(target.value) if target else "", 301 if permanent else 302, mw.span)
        # what the answer model needs to build the Location per request (answer_traefik)
        route.facts["redirect_middleware"] = {
            "kind": mw.kind, "permanent": permanent,
            **{key: str(opts[key].value) for key in ("scheme", "port", "regex", "replacement") if key in opts}}
    elif mw.kind in ("replacepath", "replacepathregex", "addprefix", "stripprefixregex"):
        route.facts.setdefault("path_rewrites", []).append(mw.kind)
    return strip


# The `headers` options that make it a CORS middleware (dynamic.Headers.HasCorsHeadersDefined).
_CORS_OPTIONS = ("accesscontrolallowcredentials", "accesscontrolallowheaders", "accesscontrolallowmethods",
                 "accesscontrolalloworiginlist", "accesscontrolalloworiginlistregex", "accesscontrolexposeheaders",
                 "accesscontrolmaxage", "addvaryheader")


def _headers_middleware(route: Route, opts: dict, span: Span) -> None:
    """Traefik's `headers` middleware *sets* the response headers it names once the service
    has answered, replacing the service's own; with CORS options it sets
    Access-Control-Allow-Origin to what matches the request's Origin, and answers a
    preflight itself. The answer model applies them per request, in middleware order
    (`route.facts['traefik_headers']`, model/traefik_headers.py); `route.headers` keeps
    what every request gets."""
    sets = []
    custom = opts.get("customresponseheaders")
    if custom is not None and isinstance(custom.value, dict):
        for name, value in custom.value.items():
            sets.append((str(name), str(value.value if isinstance(value, Value) else value)))
    cors = None
    if any(opts.get(key) is not None and opts[key].value not in (False, "false", "", [], None)
           for key in _CORS_OPTIONS):
        credentials = opts.get("accesscontrolallowcredentials")
        cors = {"origins": _strings(opts.get("accesscontrolalloworiginlist")),
                "regexes": _strings(opts.get("accesscontrolalloworiginlistregex")),
                "credentials": credentials is not None and str(credentials.value).lower() == "true"}
    route.facts.setdefault("traefik_headers", []).append((sets, cors, span))
    for name, value in sets:
        route.headers.append(Header(name, value, span))
    if cors is not None and "*" in cors["origins"] and not cors["credentials"]:
        route.headers.append(Header("Access-Control-Allow-Origin", "*", span))


def _strings(value: Value | None) -> list[str]:
    if value is None:
        return []
    items = value.value if isinstance(value.value, list) else [value.value]
    return [str(v.value if isinstance(v, Value) else v) for v in items]


def path_match(node: traefik_rule.Node, host: str, span: Span | None) -> PathMatch:
    """The rule's path condition for requests to `host`, as the simple matcher kinds the
    rules know when it is one (`any`, `exact`, `prefix`, `regex` alternatives); else
    `traefik`: the rule itself, evaluated per request."""
    rest = traefik_rule.specialize(node, host)
    if rest is True:
        return PathMatch("any", (), span)
    if rest is False:
        return PathMatch("none", (), span)
    kinds = {"path": "exact", "pathprefix": "prefix", "pathregexp": "regex"}
    alternatives = list(rest.items) if isinstance(rest, traefik_rule.Op) and rest.op == "or" else [rest]
    if all(isinstance(m, traefik_rule.Matcher) and m.name in kinds and not any("{" in a for a in m.args)
           for m in alternatives) and len({m.name for m in alternatives}) == 1:
        return PathMatch(kinds[alternatives[0].name], tuple(a for m in alternatives for a in m.args), span)
    return PathMatch("traefik", (traefik_rule_text(node), host), span)


def traefik_rule_text(node: traefik_rule.Node) -> str:
    """A rule's canonical text (what PathMatch kind `traefik` evaluates)."""
    if isinstance(node, traefik_rule.Matcher):
        args = ", ".join("`" + a + "`" for a in node.args)
        return f"{node.name}({args})"
    if node.op == "not":
        return "!(" + traefik_rule_text(node.items[0]) + ")"
    joiner = " && " if node.op == "and" else " || "
    return "(" + joiner.join(traefik_rule_text(i) for i in node.items) + ")"
