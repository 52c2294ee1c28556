"""The reverse proxy, whatever its format: sites that listen, and routes that answer.

Caddy, nginx, HAProxy and Kubernetes Ingress all reduce to the same facts: a `Site`
serves some hosts on some ports and has `Route`s; a route matches a path and either
responds with a body, proxies to an upstream, or redirects. Every fact keeps its `Span`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rtclint.document import Span
from rtclint.model.routing import select_route


# repr=False: nobody prints these records, and dataclasses compiles every generated method at
# import (an exec each on Python 3.11). eq stays on Route and what Route.__eq__ compares
# (the Caddy reader and answers compare routes, headers and matchers); Listen and Site are
# never compared: eq=False
@dataclass(slots=True, eq=False, repr=False)
class Listen:
    """A port a site listens on, and whether it speaks TLS there."""

    port: int
    tls: bool
    span: Span | None = None


@dataclass(slots=True, repr=False)
class Header:
    """A response header the proxy sets (`add_header`, Caddy `header`, HAProxy `hdr`)."""

    name: str
    value: str
    span: Span | None = None
    always: bool = True  # nginx: False when the header is sent on 2xx/3xx only
    # Caddy `header [<matcher>] …`: the requests it applies to (None: every request of the route)
    matcher: "PathMatch | None" = None
    # Caddy `header` with `defer` or a `>` field: applied only when a handler writes the
    # response (not on the empty 200 Caddy sends when no route answers)
    deferred: bool = False
    # Caddy `header @name …` whose named matcher has non-path lines: those lines
    # (caddy_matchers._checks), for the answer model to evaluate per request
    checks: tuple | None = None


@dataclass(slots=True, repr=False)
class PathMatch:
    """Which request paths a route takes.

    kind: 'any' (everything), 'exact', 'prefix', 'prefix_noregex' (nginx `^~`),
    'segment' (element-wise prefix: `/p` takes `/p` and `/p/…`, not `/px`; Kubernetes Ingress
    `Prefix`, Gateway API `PathPrefix`), 'regex' (value is a Python-compatible pattern),
    'none' (matches nothing we can model).
    `paths` holds several alternatives (Caddy `path /a /b`, HAProxy `path_beg a b`).
    """

    kind: str
    paths: tuple[str, ...] = ()
    span: Span | None = None
    case_insensitive: bool = False
    negated: bool = False

    def matches(self, path: str) -> bool:
        hit = self._matches(path)
        return hit != self.negated

    def _matches(self, path: str) -> bool:
        if self.kind == "any":
            return True
        if self.kind == "none":
            return False
        if self.kind == "traefik":  # paths: (the router's rule, the site's host or '')
            from rtclint.model.traefik_rule import evaluate, parse

            return evaluate(parse(self.paths[0]), {"host": self.paths[1], "path": path}) is True
        subject = path.lower() if self.case_insensitive else path
        for p in self.paths:
            p = p.lower() if self.case_insensitive else p
            if self.kind == "exact" and subject == p:
                return True
            if self.kind in ("prefix", "prefix_noregex") and subject.startswith(p):
                return True
            if self.kind == "segment" and (subject == p.rstrip("/") or subject.startswith(p.rstrip("/") + "/")):
                return True
            if self.kind == "regex":
                try:
                    flags = re.IGNORECASE if self.case_insensitive else 0
                    if re.search(p, path, flags):
                        return True
                except re.error:
                    continue
        return False


@dataclass(slots=True, repr=False)
class Upstream:
    """Where a proxy sends traffic: `scheme://host:port/path` (path None when absent)."""

    host: str
    port: int | None
    scheme: str = "http"
    path: str | None = None
    span: Span | None = None
    port_span: Span | None = None

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 443 if self.scheme in ("https", "wss") else 80


@dataclass(slots=True, repr=False)
class Respond:
    """A body the proxy itself serves.

    `body` is the text as served, after the proxy's own unescaping; `body_span` covers the
    body's characters in the source (without quotes); `body_map[i]` is the source offset
    of `body[i]` when unescaping shifted positions (None when `body` is the span's text).
    """

    status: int
    body: str | None
    body_span: Span | None = None
    body_map: list[int] | None = None
    content_type: str | None = None  # explicitly set content type, None when unset
    content_type_span: Span | None = None
    from_file: str | None = None  # HAProxy `file`, nginx `alias`/`root` served file
    templated: bool = False  # body contains variables the proxy expands at run time

    def source_offset(self, body_index: int) -> int | None:
        """The source offset of a position in `body` (for diagnostics inside JSON)."""
        if self.body_span is None:
            return None
        if self.body_map is not None:
            if not self.body_map:
                return self.body_span.start
            return self.body_map[min(body_index, len(self.body_map) - 1)] + (
                1 if body_index >= len(self.body_map) else 0
            )
        return self.body_span.start + min(body_index, self.body_span.end - self.body_span.start)


@dataclass(slots=True, repr=False)
class Proxy:
    """A route's `proxy_pass`/`reverse_proxy`: the upstream, the prefix stripped, websocket and timeouts."""

    upstream: Upstream
    # The path prefix removed before forwarding ('' when the full path is forwarded).
    strip_prefix: str = ""
    strip_span: Span | None = None
    websocket: bool | None = None  # upgrade handled (always True for Caddy, nginx: headers set)
    http_version: str | None = None
    http_version_span: Span | None = None
    read_timeout: float | None = None  # seconds; None = server default
    read_timeout_span: Span | None = None
    tunnel_timeout: float | None = None  # HAProxy `timeout tunnel` of the backend
    request_headers: list[Header] = field(default_factory=list)  # proxy_set_header & co
    backend_name: str | None = None  # HAProxy backend / nginx upstream block name
    backend_span: Span | None = None
    span: Span | None = None  # the directive (proxy_pass, reverse_proxy, server line)


@dataclass(slots=True, repr=False)
class Redirect:
    """A route's redirect: target and status."""

    target: str
    status: int = 302
    span: Span | None = None


@dataclass(slots=True, repr=False)
class Route:
    """One way the site answers: a matcher and what it does with matching requests.

    Routes of a site are listed in the order the proxy evaluates them, after the proxy's
    own sorting (Caddy directive order, HAProxy rule order); `Site.route_for` applies the
    per-proxy selection rules (nginx picks the longest prefix, then regexes).
    """

    matcher: PathMatch
    span: Span
    respond: Respond | None = None
    proxy: Proxy | None = None
    redirect: Redirect | None = None
    headers: list[Header] = field(default_factory=list)  # response headers in effect here
    # Where a fix can insert a directive inside this route, and with which indentation.
    insert_at: int | None = None
    indent: str = ""
    name: str = ""  # a label for messages: 'location ^~ /livekit/jwt/', 'handle_path /x/*'
    facts: dict = field(default_factory=dict)  # format-specific facts some rules read
    # nginx: the location this one is nested in (selection descends into it); None at top.
    parent: "Route | None" = field(default=None, repr=False, compare=False)

    @property
    def action(self) -> str:
        if self.respond is not None:
            return "respond"
        if self.proxy is not None:
            return "proxy"
        if self.redirect is not None:
            return "redirect"
        return "other"


@dataclass(slots=True, eq=False, repr=False)
class Site:
    """A proxy's virtual host (nginx server, Caddy site, HAProxy frontend, Traefik router, Ingress host)."""

    kind: str  # 'caddy', 'nginx', 'haproxy', 'ingress'
    hosts: list[str]  # lower-case host names; '*' for a catch-all / default server
    listens: list[Listen]
    routes: list[Route]
    span: Span  # the site block (or its header) in the source
    headers: list[Header] = field(default_factory=list)  # site-level response headers
    insert_at: int | None = None  # where a new route can be inserted
    indent: str = ""
    name: str = ""
    fragment: bool = False  # a doc snippet / include with no site header of its own
    facts: dict = field(default_factory=dict)

    def serves_host(self, host: str) -> bool:
        host = host.lower()
        for h in self.hosts:
            if h in ("*", "", "_") or h == host:
                return True
            if h.startswith("*.") and host.endswith(h[1:]) and host.count(".") == h.count("."):
                return True
            if h.startswith(".") and (host == h[1:] or host.endswith(h)):
                return True
        return False

    def serves_port(self, port: int) -> bool:
        return not self.listens or any(listen.port == port for listen in self.listens)

    @property
    def tls_ports(self) -> list[int]:
        return sorted({listen.port for listen in self.listens if listen.tls})

    def route_for(self, path: str) -> Route | None:
        """The route that answers `path`, by this proxy's own selection rules."""
        return select_route(self, path)
