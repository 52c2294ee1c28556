"""HAProxy sections → the proxy model: a Site per `frontend`/`listen`, Routes in HAProxy's
evaluation order (`http-request` rules, then `use_backend`, then `default_backend`), the
path ACLs of each condition as the matcher and its host ACLs in `Route.facts['hosts']`
(ACLs and conditions: haproxy_acls.py)."""

from __future__ import annotations

import re

from rtclint.document import Document, Span
from rtclint.model.proxy import Header, Listen, PathMatch, Proxy, Redirect, Respond, Route, Site, Upstream
from rtclint.parsers.haproxy_acls import condition, section_acls
from rtclint.parsers.haproxy_config import Config, Section, before_condition, parse_time, ports_text
from rtclint.parsers.haproxy_lexer import HWord, Line


class ModelBuilder:
    def __init__(self, doc: Document, config: Config) -> None:
        self.doc = doc
        self.config = config
        self.backends = {s.name: s for s in config.sections if s.kind in ("backend", "listen")}

    def span(self, start: int, end: int) -> Span:
        return Span(self.doc.path, start, end)

    def line_span(self, line: Line) -> Span:
        return self.span(line.words[0].start, line.words[-1].end)

    def sites(self) -> list[Site]:
        return [self.site(s) for s in self.config.sections if s.kind in ("frontend", "listen", "")]

    def site(self, section: Section) -> Site:
        acls = section_acls(section, self.line_span)
        header = section.header
        span = self.line_span(header) if header else self.span(section.lines[0].start, section.lines[0].start)
        site = Site(kind="haproxy", hosts=[], listens=self.listens(section), routes=[], span=span,
                    name=f"{section.kind} {section.name}".strip() if header else "(section body)",
                    fragment=header is None)
        site.insert_at, site.indent = self.insert_point(section)
        site.facts["acls"] = {name: [a.fetch for a in group] for name, group in acls.items()}
        site.facts["mode"] = self.mode(section)
        fe_headers = self.response_headers(section, "http-response")
        after = self.response_headers(section, "http-after-response")
        site.headers = fe_headers + after
        tunnel = section.find("timeout")
        if section.kind == "frontend":
            ignored = [ln for ln in tunnel if ln.args()[:1] == ["tunnel"]]
            if ignored:
                site.facts["ignored_tunnel_timeout"] = self.line_span(ignored[0])
        for line in section.lines:
            route = self.rule_route(line, acls, after)
            if route is not None:
                site.routes.append(route)
        for line in section.lines:
            if line.keyword == "use_backend" and line.args():
                site.routes.append(self.backend_route(line, line.args()[0], acls, fe_headers + after))
        default = section.find("default_backend")
        if default and default[-1].args():
            site.routes.append(self.backend_route(default[-1], default[-1].args()[0], acls, fe_headers + after))
        elif section.kind == "listen" and section.find("server"):
            site.routes.append(self.backend_route(None, section.name, acls, fe_headers + after, section))
        site.hosts = self.hosts(site.routes)
        return site

    def mode(self, section: Section) -> str:
        """`http` or `tcp` (HAProxy's default is tcp; docs snippets assume http)."""
        for sec in (section, section.defaults):
            if sec is not None and sec.find("mode") and sec.find("mode")[-1].args():
                return sec.find("mode")[-1].args()[0]
        return "tcp" if section.header is not None else "http"

    def hosts(self, routes: list[Route]) -> list[str]:
        hosts: list[str] = []
        for route in routes:
            for h in route.facts.get("hosts") or ["*"]:
                if h not in hosts:
                    hosts.append(h)
        return hosts or ["*"]

    def listens(self, section: Section) -> list[Listen]:
        found: dict[tuple[int, bool], Listen] = {}
        for line in section.find("bind"):
            args = line.args()
            if not args:
                continue
            tls = "ssl" in args[1:] or args[0].startswith("quic")
            for part in args[0].split(","):
                ports = ports_text(part)
                if ports and ports[0].isdecimal():
                    found.setdefault((int(ports[0]), tls), Listen(int(ports[0]), tls, self.line_span(line)))
        return list(found.values())

    # -- routes ------------------------------------------------------------------------

    def rule_route(self, line: Line, acls: dict, after: list[Header]) -> Route | None:
        """`http-request return|redirect|deny` → a route that answers before any backend."""
        args = line.args()
        if line.keyword != "http-request" or not args or args[0] not in ("return", "redirect", "deny", "tarpit"):
            return None
        span = self.line_span(line)
        matcher, facts = condition(args, acls, span)
        if facts.get("unmodelled"):
            # answered only under a condition rtclint does not evaluate (`unless { ssl_fc }`,
            # a method, a source address): not a route any path reliably takes
            matcher = PathMatch("none", (), matcher.span)
        route = Route(matcher, span, name=f"http-request {args[0]}", facts=facts)
        opts = before_condition(args[1:])
        if args[0] == "return":
            route.respond, route.headers = self.returned(line, opts)
            route.headers += after
        elif args[0] == "redirect":
            target = opts[1] if len(opts) > 1 else ""
            code = _option(opts, "code")
            route.redirect = Redirect(target, int(code) if code.isdecimal() else 302, span)
            facts["redirect"] = (opts[0] if opts else "", tuple(opts[2:]))  # location|prefix|scheme, options
            route.headers = list(after)
        else:
            status = _option(opts, "deny_status") or "403"
            route.respond = Respond(int(status) if status.isdecimal() else 403, None)
        return route

    def returned(self, line: Line, opts: list[str]) -> tuple[Respond, list[Header]]:
        words = line.words[2:]
        resp = Respond(status=200, body=None)
        headers: list[Header] = []
        i = 0
        while i < len(opts):
            key = opts[i]
            word = words[i + 1] if i + 1 < len(words) else None
            if key == "status" and word is not None and word.value.isdecimal():
                resp.status = int(word.value)
            elif key == "content-type" and word is not None:
                resp.content_type = word.value
                resp.content_type_span = self.span(word.start, word.end)
            elif key in ("string", "lf-string") and word is not None:
                resp.body = word.value
                self.body_position(resp, word)
                resp.templated = word.templated or (key == "lf-string" and bool(re.search(r"%\[|%\{|%[A-Za-z]", word.value)))
            elif key in ("file", "lf-file", "errorfile") and word is not None:
                resp.from_file = word.value
            elif key == "hdr" and i + 2 < len(opts):
                name_w, value_w = words[i + 1], words[i + 2]
                headers.append(Header(name_w.value, value_w.value, self.span(name_w.start, value_w.end)))
                i += 3
                continue
            i += 1 if key == "default-errorfiles" else 2
        return resp, headers

    def body_position(self, resp: Respond, word: HWord) -> None:
        """Body span without the outer quotes; a map when escapes or glued quotes shift
        positions."""
        if not word.where:
            resp.body_span = self.span(word.start, word.start)
            return
        first, last = word.where[0], word.where[-1] + 1
        resp.body_span = self.span(first, last)
        if word.value != self.doc.text[first:last]:
            resp.body_map = list(word.where)

    def backend_route(self, line: Line | None, name: str, acls: dict, headers: list[Header],
                      backend: Section | None = None) -> Route:
        backend = backend or self.backends.get(name)
        span = self.line_span(line) if line else self.line_span(backend.header)
        args = line.args() if line else []
        matcher, facts = condition(args, acls, span) if line else (PathMatch("any"), {})
        label = f"{line.keyword} {name}" if line else f"listen {name}"
        route = Route(matcher, span, name=label, facts=facts, headers=list(headers))
        facts["use_backend_span"] = span
        if backend is None:
            facts["missing_backend"] = name
            return route
        facts["backend_insert_at"], facts["backend_indent"] = self.insert_point(backend)
        if backend.kind == "backend" and self.backend_return(route, backend):
            return route
        route.proxy = self.backend_proxy(backend)
        route.facts["servers"] = [self.server_upstream(ln) for ln in backend.find("server") if len(ln.words) >= 3]
        if backend.kind == "backend":
            route.headers = self.response_headers(backend, "http-response") + route.headers
        return route

    def backend_return(self, route: Route, backend: Section) -> bool:
        """A backend that answers by itself (`http-request return` without a condition),
        the usual way to serve a well-known from HAProxy: the route responds."""
        for line in backend.find("http-request"):
            args = line.args()
            if args[:1] == ["return"] and "if" not in args and "unless" not in args:
                after = self.response_headers(backend, "http-after-response")
                route.respond, headers = self.returned(line, before_condition(args[1:]))
                route.headers = headers + after + [h for h in route.headers if h not in after]
                route.facts["answered_by_backend"] = backend.name
                return True
        return False

    def backend_proxy(self, backend: Section) -> Proxy:
        servers = [ln for ln in backend.find("server") if len(ln.words) >= 3]
        upstream = Upstream("", None)
        if servers:
            upstream = self.server_upstream(servers[0])
        proxy = Proxy(upstream=upstream, websocket=True, backend_name=backend.name,
                      backend_span=self.line_span(backend.header) if backend.header else None,
                      span=self.line_span(servers[0]) if servers else None)
        tunnel = self.timeout(backend, "tunnel")
        if tunnel is not None:
            proxy.tunnel_timeout = tunnel
        server_timeout = self.timeout(backend, "server")
        if server_timeout is not None:
            proxy.read_timeout = server_timeout
        self.strip(backend, proxy)
        return proxy

    def server_upstream(self, line: Line) -> Upstream:
        word = line.words[2]
        addr = word.value
        ssl = "ssl" in line.args(3)
        if addr.startswith("["):
            host, _, rest = addr[1:].partition("]")
            port_text = rest[1:]
        else:
            host, _, port_text = addr.rpartition(":") if ":" in addr else (addr, "", "")
        port = int(port_text) if port_text.isdecimal() else None
        port_span = None
        if port is not None:
            at = self.doc.text.rfind(port_text, word.start, word.end)
            port_span = self.span(at, at + len(port_text)) if at != -1 else None
        return Upstream(host.lower(), port, "https" if ssl else "http", None, self.span(word.start, word.end), port_span)

    def timeout(self, section: Section, which: str) -> float | None:
        for sec in (section, section.defaults):
            if sec is None:
                continue
            lines = [ln for ln in sec.find("timeout") if ln.args()[:1] == [which] and len(ln.args()) > 1]
            if lines:
                return parse_time(lines[-1].args()[1])
        return None

    def strip(self, backend: Section, proxy: Proxy) -> None:
        """`http-request set-path %[path,regsub(^/prefix/,/)]` or `replace-path
        ^/prefix(/.*) \\1`: like nginx, `strip_prefix` is the prefix replaced and
        `upstream.path` what replaces it."""
        for line in backend.find("http-request"):
            args = line.args()
            m = None
            if len(args) >= 2 and args[0] == "set-path":
                m = re.search(r"regsub\(\^(/[^,]*),(/?)\)", args[1])
            elif len(args) >= 3 and args[0] == "replace-path" and args[2] == "\\1":
                # HAProxy replaces the whole path when the regex matches anywhere in it, so
                # the unanchored form (Element Call's docs) strips the prefix too.
                m = re.match(r"\^?(/[^()\\^$*+?\[]*)\((/?)\.\*\)$", args[1])
            if m:
                proxy.strip_prefix = m.group(1)
                proxy.upstream.path = m.group(2) if args[0] == "set-path" else ""
                proxy.strip_span = self.line_span(line)

    def response_headers(self, section: Section, keyword: str) -> list[Header]:
        out = []
        for line in section.find(keyword):
            args = line.args()
            if len(args) >= 3 and args[0] in ("set-header", "add-header"):
                name_w, value_w = line.words[2], line.words[3]
                out.append(Header(name_w.value, value_w.value, self.span(line.words[0].start, value_w.end)))
        return out

    def insert_point(self, section: Section) -> tuple[int | None, str]:
        lines = section.lines
        indent = "    "
        if lines:
            lead = self.doc.text[lines[0].start:lines[0].words[0].start]
            indent = lead if lead.strip() == "" and lead else indent
            last = lines[-1]
            nl = self.doc.text.find("\n", last.end)
            return (nl + 1 if nl != -1 else len(self.doc.text)), indent
        if section.header is not None:
            nl = self.doc.text.find("\n", section.header.end)
            return (nl + 1 if nl != -1 else len(self.doc.text)), indent
        return None, indent


def _option(opts: list[str], key: str) -> str:
    """The value after `key` in an option list, or ''."""
    if key in opts[:-1]:
        return opts[opts.index(key) + 1]
    return ""
