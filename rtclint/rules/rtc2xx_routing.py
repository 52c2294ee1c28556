"""RTC2xx — reverse proxy routing (nginx, Caddy, HAProxy, Kubernetes Ingress).

These rules follow a client's requests through the proxy model: `livekit_service_url`
+ `/get_token` must reach lk-jwt-service at `/get_token`, `LIVEKIT_URL` must reach
LiveKit's HTTP port as a websocket, and the server_name must answer federation for the
JWT service's OpenID check. Upstreams are recognised by `rtclint.rules._roles`; an
upstream whose role is unknown (Traefik, an ingress controller) is never blamed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.lazy_regex import lazy
from rtclint.model import SERVER_PATH
from rtclint.rules._roles import (
    CLIENT_ENDPOINTS,
    JWT_ENDPOINTS,
    PublicUrl,
    is_jwt_route,
    is_livekit_route,
    jwt_bind_port,
    livekit_config_of,
    mount_prefix,
    route_for_host,
    service_for,
    upstream_role,
)
from rtclint.rules._wkedit import body_span, delete_line_of, insert_directive, insert_line_before, line_start
from rtclint.rules.registry import rule
from rtclint.rules.rtc1xx_discovery import livekit_entries, own_items, parsed

# Proxies whose config files rtclint edits; Kubernetes Ingress only takes part in
# "does this host/path reach the service at all" (RTC200, RTC204, RTC208).
PROXIES = ("caddy", "nginx", "haproxy", "traefik")
ROUTING = PROXIES + ("ingress",)  # Site kinds
ROUTING_FILES = PROXIES + ("kubernetes",)  # the file kinds those sites come from


# -- what the tree says the public URLs are ----------------------------------------------------

def service_urls(dep) -> list[tuple[PublicUrl, Span]]:
    """Every https livekit_service_url in the tree (well-knowns, Synapse transports)."""
    found = []
    for wk in dep.well_knowns("client"):
        value, root = parsed(wk)
        if not isinstance(value, dict):
            continue
        for _i, entry, node in livekit_entries(value, root):
            url = PublicUrl.parse(str(entry.get("livekit_service_url") or ""))
            if url is not None and url.scheme == "https":
                span = wk.span
                if node is not None:
                    span = body_span(wk, node.start, node.end)
                found.append((url, span))
    for cfg in dep.synapse:
        for t in cfg.transports:
            if isinstance(t.value, dict):
                url = PublicUrl.parse(str(t.value.get("livekit_service_url") or t.value.get("url") or ""))
                if url is not None and url.scheme == "https":
                    found.append((url, t.span or cfg.span))
    return found


def sfu_urls(dep) -> list[tuple[PublicUrl, Span]]:
    found = []
    for svc in dep.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        url = PublicUrl.parse(var.value) if var is not None and var.value else None
        if url is not None and url.scheme in ("wss", "https"):
            found.append((url, var.value_span or var.span))
    return found


def ess_hosts(dep) -> set[str]:
    hosts = set()
    for ess in dep.ess:
        for loc in ess.hosts.values():
            if isinstance(loc.value, str):
                hosts.add(loc.value.lower())
        if ess.server_name is not None and isinstance(ess.server_name.value, str):
            hosts.add(ess.server_name.value.lower())
    return hosts


def opaque(role: str | None) -> bool:
    """An upstream that may forward anywhere (unknown, another proxy such as Traefik)."""
    return role in (None, "proxy", "other")


def proxy_sites(dep, host: str):
    return [s for s in dep.sites_for_host(host) if s.kind in ROUTING]


def site_has_jwt_route(dep, site) -> bool:
    return any(is_jwt_route(dep, r, site) for r in site.routes)


ROLE_NAMES = {"jwt": "the JWT service", "livekit": "LiveKit", "synapse": "Synapse", "element-call": "Element Call"}


def _describe_route(route, dep=None, site=None) -> str:
    if route is None:
        return "no route matches it"
    if route.respond is not None:
        return f"`{route.name or 'a respond'}` answers it itself (status {route.respond.status})"
    if route.redirect is not None:
        return f"it is redirected to {route.redirect.target}"
    if route.proxy is not None:
        up = route.proxy.upstream
        role = upstream_role(dep, route, site) if dep is not None else None
        what = f" ({ROLE_NAMES.get(role, role)})" if role else ""
        return f"`{route.name or 'a route'}` sends it to {up.host}:{up.effective_port}{what}"
    return f"`{route.name or 'a route'}` does not proxy it"


# -- RTC200 ------------------------------------------------------------------------------------

@rule("RTC200", "jwt-route-missing", Severity.ERROR, "manual", ROUTING_FILES)
def jwt_route_missing(ctx) -> Iterator:
    """No proxy route takes `livekit_service_url` to the JWT service.

    ## What it does
    For each https `livekit_service_url` in the tree (client well-knowns, Synapse
    `matrix_rtc.transports`) whose host is served by a proxy site in the tree, follows
    `<url>/get_token` through that site's routes and reports when it does not reach
    lk-jwt-service (recognised by its Compose/Kubernetes service name, or a `jwt` name,
    or its port 8080 on a JWT-looking path). Upstreams rtclint cannot identify (an
    ingress controller, Traefik) are given the benefit of the doubt.

    ## Why
    The client POSTs to `<livekit_service_url>/get_token` to get a LiveKit token; if
    the proxy answers it with a static page, a 404 or the SFU, every call fails with
    `MISSING_MATRIX_RTC_TRANSPORT` (0.17–0.19) or a failed join.

    ## Example
    ```caddy
    jwt.example.com {
        respond "not here" 404
    }
    ```

    ## Fix
    Manual: route the URL's host and path to lk-jwt-service (stripping any path prefix).
    """
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    seen = set()
    for url, span in service_urls(dep):
        if (url.host, url.path) in seen or url.host in skip_hosts:
            continue
        seen.add((url.host, url.path))
        sites = proxy_sites(dep, url.host)
        if not sites or any(site_has_jwt_route(dep, s) for s in sites):
            continue  # not our proxy, or RTC201/RTC202 say what is wrong with the JWT routes
        request = url.path + "/get_token"
        for site in sites:
            route = route_for_host(site, url.host, request)
            if route is not None and route.proxy is not None and opaque(upstream_role(dep, route, site)):
                break  # an upstream we cannot identify: maybe it forwards to the JWT service
        else:
            site = sites[0]
            route = route_for_host(site, url.host, request)
            yield ctx.report(span, f"livekit_service_url {url.text()}: on {site.name or site.kind} ({site.span.path}) "
                             f"{url.host}{request} does not reach the JWT service "
                             f"({_describe_route(route, dep, site)}); "
                             f"route {url.path or '/'} on {url.host} to lk-jwt-service",
                             related=[Related(route.span if route else site.span, "the request ends here")])


# -- RTC201 ------------------------------------------------------------------------------------

def forwarded_path(site, route, request: str) -> str:
    """The path the upstream receives for `request` through this route."""
    px = route.proxy
    strip = px.strip_prefix or ""
    rest = request[len(strip):] if strip and request.startswith(strip) else request
    if site.kind == "nginx":
        if px.upstream.path is not None and strip:
            return px.upstream.path + rest
        return request
    return rest if rest.startswith("/") else "/" + rest


def _probe(route, prefix: str) -> tuple[str, str] | None:
    """(public request, endpoint) for the first client endpoint this route matches."""
    for endpoint in (*CLIENT_ENDPOINTS, "/healthz"):
        if route.matcher.matches(prefix + endpoint):
            return prefix + endpoint, endpoint
    return None


@rule("RTC201", "jwt-prefix-not-stripped", Severity.ERROR, "safe", PROXIES)
def jwt_prefix_not_stripped(ctx) -> Iterator:
    """The JWT service is mounted under a path prefix that the proxy passes through.

    ## What it does
    For each route to lk-jwt-service under a prefix such as `/livekit/jwt`, computes the
    path the service receives for `<prefix>/get_token` and reports when it is not
    `/get_token`: nginx `proxy_pass http://host:8080;` (no URI part) in a prefix
    location, Caddy `handle` instead of `handle_path` (without `uri strip_prefix`),
    HAProxy without `set-path`/`replace-path`.

    ## Why
    lk-jwt-service only knows `/get_token`, `/sfu/get`, `/healthz`, `/sfu_webhook` and
    `/delegate_delayed_leave` at the root: `/livekit/jwt/get_token` is a 404, and calls
    fail.

    ## Example
    ```caddy
    matrix-rtc.example.com {
        handle /livekit/jwt* {
            reverse_proxy localhost:8080
        }
    }
    ```

    ## Fix
    Safe: nginx gets the trailing `/` on `proxy_pass` (when the location ends with
    `/`); Caddy `handle` becomes `handle_path` (or gains `uri strip_prefix` with a named
    matcher), and a one-line `reverse_proxy /prefix/* upstream` is wrapped in
    `handle_path /prefix/* { … }`; HAProxy gets `http-request set-path
    %[path,regsub(^<prefix>/,/)]` in the backend.
    """
    dep = ctx.deployment
    for site in dep.sites:
        for route in site.routes:
            if site.kind not in PROXIES or not is_jwt_route(dep, route, site):
                continue
            prefix = mount_prefix(route.matcher)
            probe = _probe(route, prefix) if prefix else None
            if probe is None:
                continue
            request, endpoint = probe
            got = forwarded_path(site, route, request)
            if got == endpoint or (site.kind == "haproxy" and _haproxy_rewrites(dep, route.proxy, prefix)):
                continue
            yield ctx.report(route.proxy.span or route.span,
                             f"`{route.name or 'this route'}` sends {request} to the JWT service as {got}, but "
                             f"lk-jwt-service serves {endpoint} (like "
                             f"{', '.join(e for e in JWT_ENDPOINTS[:3] if e != endpoint)}) only at the root: strip the "
                             f"{prefix} prefix",
                             fix=_strip_fix(ctx, site, route, prefix))


_SECTION = lazy(r"(?m)^[ \t]*(frontend|backend|listen|defaults|global)\b")
_REWRITE = lazy(r"(?m)^[ \t]*http-request[ \t]+(replace-path|set-path|replace-uri|set-uri)\b(.*)$")


def _haproxy_rewrites(dep, px, prefix: str) -> bool:
    """Whether the backend rewrites the path with a rule that names the prefix (one the
    model did not read as a plain strip, e.g. an unanchored `replace-path`): then the
    service may well get the right path, and precision wins."""
    if px.backend_span is None:
        return False
    doc = dep.documents.get(px.backend_span.path)
    if doc is None:
        return False
    nxt = _SECTION.search(doc.text, doc.text.find("\n", px.backend_span.end) + 1)
    body = doc.text[px.backend_span.end:nxt.start() if nxt else len(doc.text)]
    return any(prefix.strip("/") in m.group(2) for m in _REWRITE.finditer(body))


def _strip_fix(ctx, site, route, prefix: str) -> Fix | None:
    dep = ctx.deployment
    doc = dep.documents.get(route.span.path)
    px = route.proxy
    if doc is None:
        return None
    if site.kind == "nginx":
        loc = route.matcher.paths[0] if route.matcher.paths else ""
        up = px.upstream
        if up.path is None and loc.endswith("/") and up.span is not None:
            end = up.span.end
            if doc.text[end - 1:end] in ("'", '"'):
                end -= 1
            return Fix(Applicability.SAFE, "add the trailing '/' to proxy_pass so nginx replaces the location prefix",
                       (Edit(Span(up.span.path, end, end), "/"),))
        return None
    if site.kind == "caddy":
        if route.facts.get("wrapper") is None:
            return _caddy_wrap_fix(doc, route)
        if route.facts.get("wrapper") != "handle":
            return None
        at = _caddy_handle_keyword(doc.text, route)
        if at is not None and not route.facts.get("matcher_name"):
            return Fix(Applicability.SAFE, "use handle_path, which strips the matched prefix",
                       (Edit(Span(route.span.path, at, at + len("handle")), "handle_path"),))
        edit = insert_directive(dep, route, f"uri strip_prefix {prefix}")
        return Fix(Applicability.SAFE, f"strip {prefix} before proxying", (edit,)) if edit else None
    if site.kind == "haproxy" and px.span is not None:
        edit = insert_line_before(dep, px.span, f"http-request set-path %[path,regsub(^{prefix}/,/)]")
        return Fix(Applicability.SAFE, f"strip {prefix} in the backend", (edit,)) if edit else None
    return None


def _caddy_wrap_fix(doc, route) -> Fix | None:
    """`reverse_proxy /prefix/* upstream` on one line → the same proxy inside
    `handle_path /prefix/* { … }`, which strips the prefix."""
    line = doc.text[route.span.start:route.span.end]
    words = line.split()
    if "\n" in line.strip() or len(words) < 3 or words[0] != "reverse_proxy" or not words[1].startswith("/"):
        return None
    indent = route.indent
    unit = "\t" if indent.startswith("\t") or not indent else "    " if len(indent) % 4 == 0 else "  "
    nl = doc.newline
    body = " ".join(["reverse_proxy", *words[2:]])
    text = f"handle_path {words[1]} {{{nl}{indent}{unit}{body}{nl}{indent}}}"
    return Fix(Applicability.SAFE, f"wrap the proxy in handle_path {words[1]}, which strips the prefix",
               (Edit(route.span, text),))


def _caddy_handle_keyword(text: str, route) -> int | None:
    """Offset of the `handle` keyword of the block that holds `route`: the nearest
    `handle <its matcher>` line before the route."""
    found = list(re.finditer(r"(?m)^[ \t]*(handle)[ \t]+(/[^{\s]*)[ \t]*\{", text[:route.span.start]))
    return found[-1].start(1) if found else None


# -- RTC202 ------------------------------------------------------------------------------------

@rule("RTC202", "jwt-paths-incomplete", Severity.ERROR, "safe", PROXIES)
def jwt_paths_incomplete(ctx) -> Iterator:
    """Only some of the JWT service's endpoints are routed to it.

    ## What it does
    When a site routes some JWT endpoints (`/sfu/get`, `/healthz`) under a prefix to
    lk-jwt-service, checks that `<prefix>/get_token` reaches it too, and reports the
    route that answers it instead.

    ## Why
    Current clients ask `/get_token` first. Element's old Caddy example matched only
    `/livekit/jwt/sfu/get` and `/livekit/jwt/healthz`: `/get_token` fell through to the
    LiveKit catch-all and failed.

    ## Example
    ```caddy
    @jwt_service path /livekit/jwt/sfu/get /livekit/jwt/healthz
    handle @jwt_service {
        uri strip_prefix /livekit/jwt
        reverse_proxy [::1]:8080
    }
    handle {
        reverse_proxy localhost:7880
    }
    ```

    ## Fix
    Safe: the matcher's paths are replaced by the prefix (`/livekit/jwt/*`), so every
    endpoint goes to the JWT service.
    """
    dep = ctx.deployment
    for site in dep.sites:
        if site.kind not in PROXIES:
            continue
        for route in site.routes:
            if not is_jwt_route(dep, route, site) or route.matcher.kind not in ("exact", "prefix", "prefix_noregex"):
                continue
            prefix = mount_prefix(route.matcher)
            if prefix is None:
                continue
            request = prefix + "/get_token"
            if route.matcher.matches(request):
                continue
            hosts = route.facts.get("hosts") or [None]
            other = route_for_host(site, hosts[0], request)
            if other is not None and other is not route and is_jwt_route(dep, other, site):
                continue
            if other is not None and other.proxy is not None and opaque(upstream_role(dep, other, site)):
                continue  # goes somewhere we cannot identify
            yield ctx.report(route.matcher.span or route.span,
                             f"only {', '.join(route.matcher.paths)} reach the JWT service; {request} is not routed "
                             f"to it ({_describe_route(other, dep, site)}), so clients cannot get a LiveKit token; "
                             f"route the whole {prefix}/ prefix to the JWT service",
                             fix=_widen_fix(ctx, site, route, prefix),
                             related=[Related(other.span, "/get_token ends here")] if other is not None else [])


def _widen_fix(ctx, site, route, prefix) -> Fix | None:
    if site.kind != "caddy" or not prefix or route.matcher.span is None:
        return None
    doc = ctx.deployment.documents.get(route.matcher.span.path)
    if doc is None:
        return None
    text = doc.text
    first = text.find(route.matcher.paths[0], route.matcher.span.start, route.matcher.span.end)
    last_path = route.matcher.paths[-1]
    last = text.rfind(last_path, route.matcher.span.start, route.matcher.span.end)
    if first == -1 or last == -1 or last < first:
        return None
    edit = Edit(Span(doc.path, first, last + len(last_path)), prefix + "/*")
    return Fix(Applicability.SAFE, f"match every path under {prefix}/", (edit,))


# -- RTC203 ------------------------------------------------------------------------------------

@rule("RTC203", "jwt-duplicate-cors", Severity.ERROR, "safe", PROXIES)
def jwt_duplicate_cors(ctx) -> Iterator:
    """The proxy adds `Access-Control-Allow-Origin` in front of the JWT service.

    ## What it does
    Reports an `Access-Control-Allow-Origin` response header that the proxy adds on a
    route to lk-jwt-service (nginx `add_header`, also inherited from the server block;
    Caddy `header` without `>` defer; HAProxy `http-response add-header`).

    ## Why
    lk-jwt-service sends its own CORS headers. The proxy's copy makes the browser see
    `Access-Control-Allow-Origin: *, *`, which it rejects: the token request fails.

    ## Example
    ```nginx
    location /livekit/jwt/ {
        add_header Access-Control-Allow-Origin *;
        proxy_pass http://lk-jwt-service:8080/;
    }
    ```

    ## Fix
    Safe: delete the header directive (when it is written in that route).
    """
    dep = ctx.deployment
    for site in dep.sites:
        if site.kind not in PROXIES:
            continue
        for route in site.routes:
            if not is_jwt_route(dep, route, site):
                continue
            headers = list(route.headers) if site.kind == "nginx" else list(site.headers) + list(route.headers)
            for h in headers:
                if h.name.lower().lstrip("+") != "access-control-allow-origin" or h.name.startswith((">", "-", "?")):
                    continue
                if site.kind == "haproxy" and h.span is not None and _haproxy_sets(dep, h):
                    continue  # set-header replaces the service's header instead of adding one
                fix = None
                block = route.facts.get("block_span")
                inside = h.span is not None and (block is None or block.start <= h.span.start < block.end)
                if h.span is not None and inside:
                    edit = delete_line_of(dep, h.span)
                    fix = Fix(Applicability.SAFE, "delete the header: lk-jwt-service sends its own", (edit,)) \
                        if edit else None
                yield ctx.report(h.span or route.span,
                                 f"the proxy adds Access-Control-Allow-Origin on `{route.name or 'the JWT route'}`, "
                                 f"but lk-jwt-service sends its own: browsers reject the doubled header and the token "
                                 f"request fails; remove it", fix=fix)


def _haproxy_sets(dep, header) -> bool:
    doc = dep.documents.get(header.span.path)
    if doc is None:
        return False
    start = line_start(doc.text, header.span.start)
    return "set-header" in doc.text[start:header.span.end]


# -- RTC204 ------------------------------------------------------------------------------------

@rule("RTC204", "sfu-route-missing", Severity.ERROR, "manual", ROUTING_FILES)
def sfu_route_missing(ctx) -> Iterator:
    """No proxy route takes `LIVEKIT_URL` to LiveKit.

    ## What it does
    For each JWT service's `LIVEKIT_URL` whose host is served by a proxy site in the
    tree, follows the websocket path `<path>/rtc` through the site's routes and reports
    when it does not reach LiveKit's HTTP port (`port`, default 7880). Unidentified
    upstreams are given the benefit of the doubt.

    ## Why
    The JWT service hands `LIVEKIT_URL` to the browser, which opens a websocket there;
    if the proxy does not pass it to LiveKit the call never connects.

    ## Example
    ```caddy
    matrixrtc.example.com {
        reverse_proxy lk-jwt-service:8080
    }
    ```
    with `LIVEKIT_URL=wss://matrixrtc.example.com`.

    ## Fix
    Manual: route the host (and path) of `LIVEKIT_URL` to LiveKit's port 7880.
    """
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    for url, span in sfu_urls(dep):
        sites = proxy_sites(dep, url.host)
        if not sites or url.host in skip_hosts:
            continue
        request = url.path + "/rtc"
        results = [(s, route_for_host(s, url.host, request)) for s in sites]
        roles = [upstream_role(dep, r, s) for s, r in results if r is not None and r.proxy is not None]
        if any(opaque(role) or role == "livekit" for role in roles):
            continue
        site, route = results[0]
        yield ctx.report(span, f"LIVEKIT_URL {url.text()}: {url.host}{request} does not reach LiveKit on "
                         f"{site.name or site.kind} in {site.span.path} ({_describe_route(route, dep, site)}); "
                         f"route it to LiveKit's port 7880",
                         related=[Related(route.span if route else site.span, "the websocket request ends here")])


# -- RTC205 / RTC206 ---------------------------------------------------------------------------

def livekit_routes(dep, kinds):
    for site in dep.sites:
        if site.kind not in kinds:
            continue
        for route in site.routes:
            if is_livekit_route(dep, route, site):
                yield site, route




@rule("RTC205", "websocket-upgrade-missing", Severity.ERROR, "safe", ("nginx",))
def websocket_upgrade_missing(ctx) -> Iterator:
    """nginx proxies to LiveKit without websocket upgrade.

    ## What it does
    For each nginx location that proxies to LiveKit, checks for `proxy_http_version 1.1`,
    `proxy_set_header Upgrade $http_upgrade` and `proxy_set_header Connection "upgrade"`
    (after nginx's inheritance: a location with its own `proxy_set_header` drops the
    server's). Caddy upgrades websockets by itself and is never reported.

    ## Why
    nginx speaks HTTP/1.0 to upstreams and drops the hop-by-hop `Upgrade`/`Connection`
    headers unless told otherwise: LiveKit's signalling websocket never opens and the
    call does not connect.

    ## Example
    ```nginx
    location ^~ /livekit/sfu/ {
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_pass http://localhost:7880/;
    }
    ```
    (`proxy_http_version 1.1` is missing.)

    ## Fix
    Safe: the missing directives are added to the location (with copies of inherited
    `proxy_set_header`s when the location had none of its own).
    """
    dep = ctx.deployment
    for site, route in livekit_routes(dep, ("nginx",)):
        px = route.proxy
        names = {h.name.lower(): h.value for h in px.request_headers}
        missing = []
        if (px.http_version or "").strip() != "1.1":
            missing.append("proxy_http_version 1.1;")
        if "$http_upgrade" not in names.get("upgrade", "").lower():
            missing.append("proxy_set_header Upgrade $http_upgrade;")
        connection = names.get("connection", "").lower()
        if "upgrade" not in connection:
            missing.append('proxy_set_header Connection "upgrade";')
        if not missing:
            continue
        fix_lines = list(missing)
        if any(m.startswith("proxy_set_header") for m in missing) and not own_items(route, px.request_headers):
            fix_lines += [_stmt_text(dep, h.span) for h in px.request_headers if h.span is not None]
        yield ctx.report(px.span or route.span,
                         f"`{route.name or 'location'}` proxies the LiveKit websocket without "
                         f"{' and '.join(m.rstrip(';') for m in missing)}: nginx will not upgrade the connection "
                         f"and calls do not connect", fix=_insert_all(dep, route, fix_lines, "add websocket upgrade"))


def _stmt_text(dep, span: Span) -> str:
    doc = dep.documents.get(span.path)
    text = doc.text[span.start:span.end].strip() if doc else ""
    return text if text.endswith(";") else text + ";"


def _insert_all(dep, route, lines, message) -> Fix | None:
    edits = [insert_directive(dep, route, line) for line in lines]
    if not edits or any(e is None for e in edits):
        return None
    content = "".join(e.content for e in edits)
    return Fix(Applicability.SAFE, message, (Edit(edits[0].span, content),))


@rule("RTC206", "websocket-timeout-short", Severity.WARNING, "safe", ("nginx", "haproxy"))
def websocket_timeout_short(ctx) -> Iterator:
    """The proxy cuts the LiveKit websocket after a short idle time.

    ## What it does
    nginx: a location proxying to LiveKit with `proxy_read_timeout` under 120 s (the
    default is 60 s). HAProxy: a backend sending to LiveKit without `timeout tunnel`
    (`timeout tunnel` in a frontend is ignored). Caddy keeps websockets open and is
    never reported.

    ## Why
    The signalling websocket can stay quiet longer than 60 s; when the proxy closes it
    the client reconnects or drops out of the call.

    ## Example
    ```haproxy
    backend sfu_backend
        server livekit 127.0.0.1:7880
        timeout server 120s
    ```

    ## Fix
    Safe: nginx `proxy_read_timeout 120s;` (set or raised); HAProxy `timeout tunnel 1h`
    in the backend.
    """
    dep = ctx.deployment
    for site, route in livekit_routes(dep, ("nginx", "haproxy")):
        px = route.proxy
        if site.kind == "nginx":
            yield from _nginx_timeout(ctx, route, px)
        elif px.tunnel_timeout is None:
            anchor = px.backend_span or px.span or route.span
            edit = insert_line_before(dep, px.span, "timeout tunnel 1h") if px.span is not None else None
            backend = f"backend {px.backend_name}" if px.backend_name else "the backend"
            yield ctx.report(anchor, f"{backend} sends the LiveKit websocket without `timeout tunnel`: HAProxy "
                             f"closes it after `timeout server`/`timeout client`; add `timeout tunnel 1h` to it "
                             f"(or to `defaults`; a `timeout tunnel` in a frontend is ignored)",
                             fix=Fix(Applicability.SAFE, "add `timeout tunnel 1h` to the backend", (edit,))
                             if edit else None)


def _nginx_timeout(ctx, route, px):
    timeout = px.read_timeout if px.read_timeout is not None else 60.0
    if timeout >= 120:
        return
    dep = ctx.deployment
    if px.read_timeout_span is not None and _inside(route, px.read_timeout_span):
        fix = Fix(Applicability.SAFE, "raise proxy_read_timeout to 120s",
                  (Edit(px.read_timeout_span, "proxy_read_timeout 120s;"),))
    else:
        edit = insert_directive(dep, route, "proxy_read_timeout 120s;")
        fix = Fix(Applicability.SAFE, "set proxy_read_timeout 120s in the location", (edit,)) if edit else None
    what = f"proxy_read_timeout is {timeout:g}s" + ("" if px.read_timeout is not None else " (the default)")
    yield ctx.report(px.read_timeout_span if px.read_timeout_span is not None and _inside(route, px.read_timeout_span)
                     else (px.span or route.span),
                     f"`{route.name or 'location'}` proxies the LiveKit websocket but {what}: nginx closes a quiet "
                     f"websocket after that; use at least 120s", fix=fix)


def _inside(route, span: Span) -> bool:
    block = route.facts.get("block_span")
    return block is None or (span.path == block.path and block.start <= span.start < block.end)


# -- RTC207 ------------------------------------------------------------------------------------

@rule("RTC207", "upstream-port-mismatch", Severity.ERROR, "safe", PROXIES + ("compose",))
def upstream_port_mismatch(ctx) -> Iterator:
    """The proxy sends JWT or SFU traffic to a port the service does not listen on.

    ## What it does
    When a proxy upstream names a JWT service or LiveKit container of the tree (by its
    Compose service name, hostname or alias), compares the upstream port with the port
    the service binds: lk-jwt-service `LIVEKIT_JWT_BIND` (`:PORT`), else
    `LIVEKIT_JWT_PORT`, else 8080 (`LK_JWT_PORT` is ignored since v0.2.0); LiveKit the
    `port` of the livekit.yaml it runs with (default 7880).

    ## Why
    Container-to-container traffic goes to the container's own port: a mismatch is a
    502 on every token request or websocket.

    ## Example
    ```caddy
    jwt.example.com {
        reverse_proxy lk-jwt-service:8081
    }
    ```
    with `LIVEKIT_JWT_BIND=:8080` in the Compose file.

    ## Fix
    Safe when the upstream's port is written and the service has one port: it is
    replaced by the port the service listens on.
    """
    dep = ctx.deployment
    for site in dep.sites:
        if site.kind not in PROXIES:
            continue  # Kubernetes Service → container ports are RTC603's
        for route in site.routes:
            if route.proxy is None:
                continue
            up = route.proxy.upstream
            svc = service_for(dep, up)
            if svc is None or up.port is None:
                continue
            expected = _listening_port(dep, svc)
            if expected is None or expected[0] == up.port:
                continue
            port, why, where_span = expected
            fix = None
            if up.port_span is not None:
                fix = Fix(Applicability.SAFE, f"use port {port}", (Edit(up.port_span, str(port)),))
            what = "the JWT service" if svc.role == "jwt" else "LiveKit"
            yield ctx.report(up.port_span or up.span or route.proxy.span or route.span,
                             f"`{route.name or site.name or 'this route'}` sends traffic for {what} to "
                             f"{up.host}:{up.port}, but {svc.name} listens on {port} ({why}, {where_span.path}): "
                             f"every request fails",
                             fix=fix, related=[Related(where_span, f"{svc.name} listens on {port}")])


def _listening_port(dep, svc):
    if svc.role == "jwt":
        port, source = jwt_bind_port(svc)
        var = svc.env.get(source)
        span = (var.value_span or var.span) if var is not None else svc.span
        why = f"{source}" if var is not None else "lk-jwt-service's default"
        if source == "the default" and "LK_JWT_PORT" in svc.env:
            why = "LK_JWT_PORT is ignored since lk-jwt-service 0.2.0; the default is 8080"
        return port, why, span
    if svc.role == "livekit":
        cfg = livekit_config_of(dep, svc)
        if cfg is None:
            return None  # which config it runs with is unknown: do not guess
        span = cfg.port.span if cfg.port is not None and cfg.port.span else cfg.span
        return cfg.http_port, f"port in {cfg.path}", span
    return None


# -- RTC208 ------------------------------------------------------------------------------------

@rule("RTC208", "openid-route-missing", Severity.ERROR, "manual", ROUTING_FILES + ("synapse", "ess"))
def openid_route_missing(ctx) -> Iterator:
    """The server_name does not answer federation, so the JWT service cannot verify users.

    ## What it does
    For each server_name of the tree (homeserver.yaml `server_name`, ESS `serverName`)
    that a proxy site in the tree serves, checks that federation can reach it: the site
    answers `/.well-known/matrix/server` (itself or by proxy), listens on 8448, or routes
    `/_matrix/federation/` somewhere. Only reported when the tree runs a call backend.

    ## Why
    lk-jwt-service checks each user's OpenID token with
    `/_matrix/federation/v1/openid/userinfo` on the user's server_name, found through
    `/.well-known/matrix/server`, SRV or port 8448. If none of them answers, every token
    request is refused.

    ## Example
    ```caddy
    example.com {
        respond /.well-known/matrix/client `{"m.homeserver": {"base_url": "https://matrix.example.com"}}`
    }
    ```
    (no `/.well-known/matrix/server`, no `:8448` site, no `/_matrix` route).

    ## Fix
    Manual: serve `/.well-known/matrix/server` (`{"m.server": "matrix.example.com:443"}`)
    on the server_name host, or route `/_matrix/federation` there to Synapse.
    """
    dep = ctx.deployment
    if not (dep.services_by_role("jwt") or service_urls(dep)):
        return
    for located in dep.server_names():
        name = str(located.value or "").lower().split(":")[0]
        if not name:
            continue
        sites = [s for s in proxy_sites(dep, name) if any(h == name for h in s.hosts)]
        if not sites or _federation_reachable(dep, name, sites):
            continue
        site = sites[0]
        yield ctx.report(site.span, f"{name} (the server_name) serves no /.well-known/matrix/server, has no 8448 "
                         f"listener and routes no /_matrix/federation/: lk-jwt-service cannot check users' OpenID "
                         f"tokens there, so every call join is refused (unless a _matrix-fed._tcp SRV record "
                         f"points elsewhere)",
                         related=[Related(located.span, "server_name")] if located.span else [])


def _federation_reachable(dep, name: str, sites) -> bool:
    for site in dep.sites_for_host(name):
        if site.serves_port(8448) and site.listens:
            return True
    for site in sites:
        for path in (SERVER_PATH, "/_matrix/federation/v1/openid/userinfo"):
            route = route_for_host(site, name, path)
            if route is not None and (route.proxy is not None or route.redirect is not None
                                      or (route.respond is not None and route.respond.status == 200)):
                return True
    return any(wk.which == "server" for wk in dep.extra_well_knowns
               if not wk.hosts or name in [h.lower() for h in wk.hosts])

