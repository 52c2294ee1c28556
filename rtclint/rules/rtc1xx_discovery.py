"""RTC1xx — discovery: the client well-known and the transports endpoint.

This module holds the rules that read the well-known bodies and the proxy routes that
serve them (RTC100–103, 106, 107, 110, 111). The cross-file delegation rules (RTC104,
105, 108, 109) live in `rtc1xx_delegation`.

Only bodies the proxy (or a static file) serves itself are checked: a well-known that is
reverse-proxied elsewhere has its body and headers upstream, outside the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.model import CLIENT_PATH, RTC_FOCI_KEY
from rtclint.rules._jsonedit import JNode, add_member_text, closing_suffix, parse_positions, unclosed
from rtclint.rules._roles import PublicUrl, env_value, jwt_public_urls, route_for_host
from rtclint.rules._wkedit import body_edit, body_span, insert_directive, where
from rtclint.rules.registry import rule

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

PROXY_KINDS = ("caddy", "nginx", "haproxy")
WHERE_WK = ("caddy", "nginx", "haproxy", "json", "kubernetes", "synapse", "ess")


# -- shared helpers ------------------------------------------------------------------------

def client_well_knowns(ctx):
    return ctx.deployment.well_knowns("client")


def parsed(ctx, wk) -> tuple[Any, JNode | None]:
    """The well-known's value and, for text bodies, its positioned tree (once per run:
    several rules read the same body, and `well_knowns()` builds new objects on every call)."""
    if wk.value is not None:
        return wk.value, None
    trees = ctx.memo("well_known_trees", dict)
    key = (wk.span, wk.body)
    hit = trees.get(key)
    if hit is None:
        value, err = wk.parse()
        hit = trees[key] = (None, None) if err is not None else (value, parse_positions(wk.body))
    return hit


def _misspelled_foci(key: str) -> bool:
    if key == RTC_FOCI_KEY:
        return False
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    return norm.endswith(("rtcfoci", "rtcfocus")) or ("msc4143" in norm and "foc" in norm)


def _foci_member(value: dict, root: JNode | None) -> tuple[str | None, JNode | None, JNode | None]:
    """(key as written, key node, value node) of rtc_foci or its misspelling."""
    key = RTC_FOCI_KEY if RTC_FOCI_KEY in value else next((k for k in value if _misspelled_foci(k)), None)
    if key is None or root is None:
        return key, None, None
    hit = root.member(key)
    return (key, hit[0], hit[1]) if hit else (key, None, None)


def _node_span(wk, node: JNode | None) -> Span:
    return body_span(wk, node.start, node.end) if node is not None else wk.span


def transports_elsewhere(dep) -> list[Related]:
    """Places other than client well-knowns that advertise a MatrixRTC transport."""
    found = []
    for cfg in dep.synapse:
        if cfg.transports:
            first = cfg.transports[0]
            found.append(Related(first.span or cfg.span, "Synapse advertises matrix_rtc.transports here"))
    for ess in dep.ess:
        try:
            enabled = ess.component_enabled("matrixRTC")
        except Exception:  # an ESS reader without chart defaults: only what is written counts
            flag = ess.matrix_rtc.get("enabled")
            enabled = bool(flag and flag.value is True)
        if enabled:
            found.append(Related(ess.span, "ESS publishes rtc_foci and matrix_rtc.transports for matrixRTC"))
    return found


def named_jwt_urls(ctx) -> set[str]:
    """Every JWT-service public URL the tree names: proxy routes to the JWT service,
    Synapse transports and livekit_service_urls in other well-knowns."""
    dep = ctx.deployment
    urls = set(jwt_public_urls(ctx))
    for cfg in dep.synapse:
        for t in cfg.transports:
            if isinstance(t.value, dict):
                url = t.value.get("livekit_service_url") or t.value.get("url")
                if isinstance(url, str):
                    urls.add(url)
    for wk in dep.well_knowns("client"):
        value, _ = wk.parse()
        foci = value.get(RTC_FOCI_KEY) if isinstance(value, dict) else None
        for entry in foci if isinstance(foci, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("livekit_service_url"), str):
                urls.add(entry["livekit_service_url"])
    normalized = {}
    for url in urls:
        parsed_url = PublicUrl.parse(url)
        if parsed_url is not None and parsed_url.scheme == "https":
            normalized[parsed_url.text()] = url
    return set(normalized)


# -- RTC100 ----------------------------------------------------------------------------------

@rule("RTC100", "well-known-invalid-json", Severity.ERROR, "safe", WHERE_WK)
def well_known_invalid_json(ctx) -> Iterator:
    """The client well-known body the proxy serves is not valid JSON.

    ## What it does
    Parses every `/.well-known/matrix/client` body written in the tree — Caddy `respond`,
    nginx `return 200 '…'`, HAProxy `http-request return … string`, static files — after
    the proxy's own unescaping (nginx turns `\\"` into `"`, Caddy double quotes keep
    backslashes, HAProxy double quotes expand `${VAR}`), and points at the exact
    character inside the body where the JSON breaks.

    ## Why
    A client that gets invalid JSON treats it as "no well-known": it finds no homeserver
    settings and no `rtc_foci`, so calls fail with `MISSING_MATRIX_RTC_FOCUS` /
    `MISSING_MATRIX_RTC_TRANSPORT`. Caddy also serves an invalid body as `text/plain`.
    Bodies proxied to another server are not checked (their content is not in the tree).

    ## Example
    ```caddy
    respond /.well-known/matrix/client `{"m.homeserver":{"base_url":"https://matrix.example.com"},"org.matrix.msc4143.rtc_foci":[{"type":"livekit","livekit_service_url":"https://jwt.example.com"}]`
    ```
    The outer object is never closed: one `}` is missing at the end.

    ## Fix
    Safe when only closing brackets, braces or a quote are missing at the end: they are
    appended inside the body, before the closing backtick or quote. Otherwise manual:
    correct the JSON at the reported position.
    """
    for wk in client_well_knowns(ctx):
        if wk.value is not None:
            continue
        _, err = wk.parse()
        if err is None or (wk.respond is not None and wk.respond.templated):
            continue
        yield _invalid_json(ctx, wk, err)


def _invalid_json(ctx, wk, err):
    body = wk.body
    pos = min(err.body_offset, len(body.rstrip()))  # an error at the end: just after the last character
    span = body_span(wk, pos, pos)
    doc = ctx.deployment.documents.get(span.path)
    if doc is not None and span.end < len(doc.text):
        span = Span(span.path, span.start, span.start + 1)  # one character, for the caret
    suffix = closing_suffix(body)
    detail = f"{err.message} at body character {pos + 1}"
    fix = None
    if suffix is not None and body.rstrip() and pos >= len(body.rstrip()) - 1:
        state = unclosed(body.rstrip())
        missing = " ".join(f"`{c}`" for c in suffix.replace("\n", "").replace(" ", "").replace("\t", ""))
        opener = state.openers[0] if state.openers else None
        detail = f"the body ends before it is closed: {missing} missing at the end"
        if opener is not None and doc is not None:
            line, col = doc.line_col(body_span(wk, opener, opener).start)
            detail += f" (the `{body[opener]}` opened at {line}:{col} is never closed)"
        end = len(body.rstrip())
        edit = body_edit(ctx.deployment, wk, end, end, suffix)
        if edit is not None:
            fix = Fix(Applicability.SAFE, f"append {missing} to the end of the well-known JSON", (edit,))
    caddy = " Caddy serves it as text/plain." if wk.site is not None and wk.site.kind == "caddy" else ""
    return ctx.report(
        span,
        f"{where(wk)} is not valid JSON: {detail}; clients treat it as no well-known and find no "
        f"call backend.{caddy}",
        fix=fix,
    )


# -- RTC101 ----------------------------------------------------------------------------------

@rule("RTC101", "missing-rtc-foci", Severity.ERROR, "safe", WHERE_WK)
def missing_rtc_foci(ctx) -> Iterator:
    """The client well-known has no `org.matrix.msc4143.rtc_foci`.

    ## What it does
    Reports a client well-known (served by a proxy, a static file, a ConfigMap or
    Synapse's `extra_well_known_client_content`) whose JSON has no
    `org.matrix.msc4143.rtc_foci` key, when nothing else in the tree advertises a
    transport (Synapse `matrix_rtc.transports`, ESS Matrix RTC). When Synapse does
    advertise one, RTC108 reports the mismatch instead.

    ## Why
    Element Call up to 0.23, and Element Web builds that bundle it, find the call backend
    only through this key. Without it they show `MISSING_MATRIX_RTC_FOCUS` /
    `MISSING_MATRIX_RTC_TRANSPORT`.

    ## Example
    ```nginx
    location = /.well-known/matrix/client {
        default_type application/json;
        add_header Access-Control-Allow-Origin * always;
        return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
    }
    ```

    ## Fix
    Safe when the tree names exactly one public URL of the JWT service (a proxy route to
    lk-jwt-service, or a `livekit_service_url` written elsewhere): the key is added with
    one `livekit` entry for that URL, in the body's own JSON style. Otherwise manual: add
    `"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url":
    "https://<jwt-service-host>"}]`.
    """
    dep = ctx.deployment
    if transports_elsewhere(dep):
        return
    urls = None
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict) or _foci_member(value, root)[0] is not None:
            continue
        if urls is None:
            urls = sorted(named_jwt_urls(ctx))
            wanted = set(urls)  # once, not per well-known: a big tree names thousands
            published = [(u, route) for u, (_site, route) in jwt_public_urls(ctx).items() if u in wanted][:3]
        fix = None
        if len(urls) == 1 and root is not None and root.kind == "object":
            entry = [{"type": "livekit", "livekit_service_url": urls[0]}]
            at, text = add_member_text(wk.body, root, RTC_FOCI_KEY, entry)
            edit = body_edit(dep, wk, at, at, text)
            if edit is not None:
                fix = Fix(Applicability.SAFE, f"add rtc_foci with the JWT service at {urls[0]}", (edit,))
        hint = (f"add \"{RTC_FOCI_KEY}\": [{{\"type\": \"livekit\", \"livekit_service_url\": \"{urls[0]}\"}}]"
                if len(urls) == 1 else
                f"add \"{RTC_FOCI_KEY}\": [{{\"type\": \"livekit\", \"livekit_service_url\": "
                f"\"https://<the JWT service's public URL>\"}}]"
                + (f" (the tree names several: {', '.join(urls[:3])}"  # a big tree names thousands
                   + (f", … ({len(urls)} in all)" if len(urls) > 3 else "") + ")" if urls else ""))
        related = [Related(route.span, f"the proxy publishes the JWT service at {u}") for u, route in published]
        yield ctx.report(
            _node_span(wk, root) if root is not None else wk.span,
            f"{where(wk)} has no \"{RTC_FOCI_KEY}\" and nothing else in the tree advertises a MatrixRTC "
            f"transport, so Element Call cannot find the call backend (MISSING_MATRIX_RTC_FOCUS); {hint}",
            fix=fix, related=related,
        )


# -- RTC102 ----------------------------------------------------------------------------------

@rule("RTC102", "rtc-foci-malformed", Severity.ERROR, "safe", WHERE_WK)
def rtc_foci_malformed(ctx) -> Iterator:
    """`org.matrix.msc4143.rtc_foci` is there but clients cannot use it.

    ## What it does
    Reports an `rtc_foci` that is not an array, a misspelled key (`…rtc_focus`, a bare
    `rtc_foci`), an entry that is not an object or has no `type`, a `livekit` entry
    without `livekit_service_url`, and a list with no usable `livekit` entry.

    ## Why
    Element Call reads an array of `{"type": "livekit", "livekit_service_url": "https://…"}`
    under exactly this key and ignores anything else: the deployment then looks as if it
    had no call backend.

    ## Example
    ```json
    {"org.matrix.msc4143.rtc_foci": {"type": "livekit", "livekit_service_url": "https://jwt.example.com"}}
    ```

    ## Fix
    Safe: a lone object is wrapped in an array; a misspelled key is renamed to
    `org.matrix.msc4143.rtc_foci`. Missing `type` or URL: manual.
    """
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        key, key_node, val_node = _foci_member(value, root)
        if key is None:
            continue
        if key != RTC_FOCI_KEY:
            yield _misspelled(ctx, wk, key, key_node)
        yield from _foci_shape(ctx, wk, value[key], val_node)


def _misspelled(ctx, wk, key, key_node):
    fix = None
    if key_node is not None:
        edit = body_edit(ctx.deployment, wk, key_node.start + 1, key_node.end - 1, RTC_FOCI_KEY)
        if edit is not None:
            fix = Fix(Applicability.SAFE, f"rename \"{key}\" to \"{RTC_FOCI_KEY}\"", (edit,))
    return ctx.report(_node_span(wk, key_node), f"{where(wk)} uses the key \"{key}\", which clients ignore; "
                      f"the key is \"{RTC_FOCI_KEY}\"", fix=fix)


def _foci_shape(ctx, wk, foci, node):
    if isinstance(foci, dict):
        fix = None
        if node is not None:
            edits = (body_edit(ctx.deployment, wk, node.start, node.start, "["),
                     body_edit(ctx.deployment, wk, node.end, node.end, "]"))
            if all(edits):
                fix = Fix(Applicability.SAFE, "wrap the entry in an array: [ … ]", edits)
        yield ctx.report(_node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is an object; it must be an "
                         f"array of entries: [{{\"type\": \"livekit\", \"livekit_service_url\": …}}]", fix=fix)
        return
    if not isinstance(foci, list):
        yield ctx.report(_node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is a {type(foci).__name__}; "
                         f"it must be an array of {{\"type\": \"livekit\", \"livekit_service_url\": \"https://…\"}}")
        return
    if not foci:
        yield ctx.report(_node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} is empty: add "
                         f"{{\"type\": \"livekit\", \"livekit_service_url\": \"https://<JWT service>\"}}")
        return
    usable = False
    types = []
    for i, entry in enumerate(foci):
        entry_node = node.items[i] if node is not None and i < len(node.items) else None
        span = _node_span(wk, entry_node) if entry_node is not None else _node_span(wk, node)
        if not isinstance(entry, dict):
            yield ctx.report(span, f"entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} is not an object")
        elif "type" not in entry:
            yield ctx.report(span, f"entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} has no \"type\"; "
                             f"add \"type\": \"livekit\"")
        elif entry["type"] == "livekit" and not entry.get("livekit_service_url"):
            yield ctx.report(span, f"the livekit entry {i + 1} of \"{RTC_FOCI_KEY}\" in {where(wk)} has no "
                             f"\"livekit_service_url\"; add the https URL of the JWT service")
        elif entry["type"] == "livekit":
            usable = True
        else:
            types.append(str(entry["type"]))
    if not usable and types:
        yield ctx.report(_node_span(wk, node), f"\"{RTC_FOCI_KEY}\" in {where(wk)} has no \"livekit\" entry "
                         f"(only {', '.join(repr(t) for t in types)}); Element Call supports only type \"livekit\"")


def livekit_entries(value, root) -> Iterator[tuple[int, dict, JNode | None]]:
    """(index, entry, the entry's livekit_service_url node) of each livekit foci entry."""
    key, _, node = _foci_member(value, root)
    foci = value.get(key) if key else None
    if not isinstance(foci, list):
        return
    for i, entry in enumerate(foci):
        if not isinstance(entry, dict) or entry.get("type") != "livekit":
            continue
        url_node = None
        if node is not None and i < len(node.items) and node.items[i].kind == "object":
            hit = node.items[i].member("livekit_service_url")
            url_node = hit[1] if hit else None
        yield i, entry, url_node


# -- RTC103 ----------------------------------------------------------------------------------

@rule("RTC103", "livekit-service-url-invalid", Severity.ERROR, "safe", WHERE_WK)
def livekit_service_url_invalid(ctx) -> Iterator:
    """`livekit_service_url` is not the https base URL of the JWT service.

    ## What it does
    Checks each `livekit` entry's `livekit_service_url`: it must be an absolute
    `https://` URL (error for `http://`, `ws://`, `wss://` or a relative URL); it must
    not point at the LiveKit SFU (port 7880, a `/livekit/sfu` path, or the JWT service's
    own `LIVEKIT_URL`) (error); it should not end with `/` (warning).

    ## Why
    The client POSTs to `<livekit_service_url>/get_token` (falling back to `/sfu/get`)
    on the JWT service (lk-jwt-service), which answers with the SFU's `wss://` address.
    The SFU itself does not answer these requests, and a trailing slash makes the path
    `//get_token`, which the service does not route.

    ## Example
    ```json
    {"org.matrix.msc4143.rtc_foci": [{"type": "livekit", "livekit_service_url": "wss://livekit.example.com"}]}
    ```

    ## Fix
    Safe for a trailing slash (it is removed). Otherwise manual: use the https URL at
    which the proxy publishes lk-jwt-service.
    """
    dep = ctx.deployment
    sfu_urls = _sfu_urls(dep)
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        for i, entry, node in livekit_entries(value, root):
            url = entry.get("livekit_service_url")
            if not url:
                continue
            yield from _check_service_url(ctx, wk, url, node, sfu_urls)


class _SfuUrls(list):
    """(url, LIVEKIT_URL variable) pairs, with `places`: (host, port, path) -> the first
    variable there, so each well-known is matched by a lookup, not a scan of them all."""

    def __init__(self, items) -> None:
        super().__init__(items)
        self.places: dict[tuple, Any] = {}
        for url, var in self:
            self.places.setdefault((url.host, url.port, url.path), var)


def _sfu_urls(dep) -> list[tuple[PublicUrl, Any]]:
    found = []
    for svc in dep.services_by_role("jwt"):
        text = env_value(svc, "LIVEKIT_URL")
        parsed_url = PublicUrl.parse(text) if text else None
        if parsed_url is not None:
            found.append((parsed_url, svc.env["LIVEKIT_URL"]))
    return _SfuUrls(found)


def _check_service_url(ctx, wk, url, node, sfu_urls):
    span = _node_span(wk, node)
    name = f"livekit_service_url \"{url}\" in {where(wk)}"
    parsed_url = PublicUrl.parse(url) if isinstance(url, str) else None
    if parsed_url is None:
        yield ctx.report(span, f"{name} is not an absolute URL; it must be the https:// base URL of the JWT "
                         f"service (lk-jwt-service)")
        return
    if parsed_url.scheme in ("ws", "wss"):
        yield ctx.report(span, f"{name} is a WebSocket URL: livekit_service_url is the https:// base URL of the "
                         f"JWT service (lk-jwt-service), not of the LiveKit SFU")
        return
    if parsed_url.scheme != "https":
        yield ctx.report(span, f"{name} must use https://: browsers refuse {parsed_url.scheme}:// from an https "
                         f"page and the JWT request carries an OpenID token")
        return
    sfu_reason = _sfu_reason(parsed_url, sfu_urls)
    if sfu_reason:
        related = [Related(var.value_span or var.span, "LIVEKIT_URL of the JWT service")
                   for u, var in sfu_urls if u.same_place(parsed_url)]
        yield ctx.report(span, f"{name} points at the LiveKit SFU ({sfu_reason}); it must be the base URL of the "
                         f"JWT service, which answers /get_token and hands out the SFU address", related=related)
        return
    if url.endswith("/"):
        yield _trailing_slash(ctx, wk, url, node, span, name)


def _sfu_reason(url: PublicUrl, sfu_urls) -> str:
    if url.port == 7880:
        return "port 7880 is LiveKit's HTTP/WebSocket port"
    if "/livekit/sfu" in url.path:
        return "the /livekit/sfu path is where the SFU is usually mounted"
    places = getattr(sfu_urls, "places", None)
    if places is not None:
        var = places.get((url.host, url.port, url.path))  # = the first that is same_place
        return f"it is the JWT service's LIVEKIT_URL in {var.span.path}" if var is not None else ""
    for sfu, var in sfu_urls:
        if sfu.same_place(url):
            return f"it is the JWT service's LIVEKIT_URL in {var.span.path}"
    return ""


def _trailing_slash(ctx, wk, url, node, span, name):
    fix = None
    if node is not None and wk.value is None:
        raw = wk.body[node.start + 1:node.end - 1]
        keep = len(re.sub(r"(?:\\?/)+$", "", raw))
        start = node.start + 1 + keep
        edit = body_edit(ctx.deployment, wk, start, node.end - 1, "")
        if edit is not None:
            fix = Fix(Applicability.SAFE, "remove the trailing '/'", (edit,))
    return ctx.report(span, f"{name} ends with '/': clients request {url.rstrip('/')}//get_token, which the JWT "
                      f"service does not route; remove the trailing slash", fix=fix, severity=Severity.WARNING)


# -- RTC106 / RTC107: response headers ---------------------------------------------------------

def effective_headers(site, route) -> list:
    """Response headers on a route's responses. nginx: a level with its own `add_header`
    drops every inherited one, so the route's own list wins when it has one."""
    if site.kind == "nginx":
        return list(route.headers) if route.headers else list(site.headers)
    return list(site.headers) + list(route.headers)


def own_items(route, items) -> list:
    """The headers written inside the route's own block (not inherited from outside)."""
    block = route.facts.get("block_span")
    if block is None:
        return list(items)
    return [h for h in items if h.span is not None and h.span.path == block.path
            and block.start <= h.span.start < block.end]


def _header(headers, name):
    return next((h for h in headers if h.name.lower().lstrip(">+?") == name.lower()), None)


def proxy_served(ctx):
    for wk in client_well_knowns(ctx):
        if wk.source == "proxy" and wk.site is not None and wk.route is not None and wk.site.kind in PROXY_KINDS:
            yield wk


def served_by_proxy(ctx):
    """(site, route, well-known or None, description) for every client well-known the
    proxy answers itself: a body in the config, or a file it serves (nginx
    `alias`/`root`, HAProxy `file`) whose content may live outside the tree."""
    seen = set()
    for wk in proxy_served(ctx):
        seen.add(id(wk.route))
        yield wk.site, wk.route, wk, where(wk)
    for site in ctx.deployment.sites:
        if site.kind not in PROXY_KINDS:
            continue
        route = site.route_for(CLIENT_PATH)
        respond = route.respond if route is not None else None
        if respond is None or id(route) in seen or respond.status != 200 or not respond.from_file:
            continue
        hosts = ", ".join(h for h in site.hosts if h not in ("*", "", "_")) or "this site"
        yield site, route, None, f"the client well-known file {respond.from_file} served on {hosts}"


@rule("RTC106", "well-known-cors-missing", Severity.ERROR, "safe", PROXY_KINDS)
def well_known_cors_missing(ctx) -> Iterator:
    """The client well-known is served without `Access-Control-Allow-Origin: *`.

    ## What it does
    For a well-known body the proxy serves itself, collects the response headers in
    effect on that route (Caddy `header`, nginx `add_header` with its inheritance rule,
    HAProxy `hdr` on `http-request return`) and reports a missing or non-`*`
    `Access-Control-Allow-Origin`.

    ## Why
    Element Web and Element Call run in the browser on another origin: without the CORS
    header the browser hides the response and the client acts as if there were no
    well-known. nginx trap: one `add_header` inside the `location` drops every
    `add_header` of the `server` block, including a CORS header set there.

    ## Example
    ```nginx
    server {
        add_header Access-Control-Allow-Origin *;
        location = /.well-known/matrix/client {
            add_header Content-Type application/json;   # drops the CORS header above
            return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
        }
    }
    ```

    ## Fix
    Safe: adds the header on the well-known route (nginx: `add_header
    Access-Control-Allow-Origin * always;` plus copies of the server-level headers it
    would otherwise drop; Caddy: `header Access-Control-Allow-Origin "*"`; HAProxy:
    `hdr Access-Control-Allow-Origin "*"` on the `return`).
    """
    for site, route, wk, label in served_by_proxy(ctx):
        cors = _header(effective_headers(site, route), "Access-Control-Allow-Origin")
        if cors is not None and cors.value.strip("'\"") == "*":
            continue
        if cors is not None:
            yield ctx.report(cors.span or route.span, f"{label} sends Access-Control-Allow-Origin "
                             f"{cors.value!r}; browsers on other origins (Element Web, Element Call) need '*'")
            continue
        dropped = site.kind == "nginx" and own_items(route, route.headers) and \
            _header(site.headers, "Access-Control-Allow-Origin")
        why = (" (the add_header in this location drops the server-level one)" if dropped else "")
        yield ctx.report(route.span, f"{label} has no Access-Control-Allow-Origin header{why}: browser "
                         f"clients cannot read it and find no call backend",
                         fix=_cors_fix(ctx, site, route, wk))


def _cors_fix(ctx, site, route, wk) -> Fix | None:
    dep = ctx.deployment
    edits: list[Edit] = []
    if site.kind == "nginx":
        lines = ["add_header Access-Control-Allow-Origin * always;"]
        if not own_items(route, route.headers):  # one add_header here drops the inherited ones: copy them
            lines += [_nginx_header_text(dep, h) for h in route.headers
                      if h.name.lower() != "access-control-allow-origin"]
        for line in lines:
            edit = insert_directive(dep, route, line)
            if edit is None:
                return None
            edits.append(edit)
        # Several inserts at one point would overlap: join them into one edit.
        first = edits[0]
        content = "".join(e.content for e in edits)
        return Fix(Applicability.SAFE, "add `add_header Access-Control-Allow-Origin * always;` to the location",
                   (Edit(first.span, content),))
    if site.kind == "caddy":
        # Scoped to the well-known path, so Synapse's or the JWT service's own CORS
        # headers on the same site are not doubled; inside handle_path the path is
        # already stripped, and the block is the well-known's alone.
        scoped = route.facts.get("wrapper") != "handle_path"
        directive = f'header {CLIENT_PATH} Access-Control-Allow-Origin "*"' if scoped else \
            'header Access-Control-Allow-Origin "*"'
        edit = insert_directive(dep, route, directive) or insert_directive(dep, site, directive)
        return Fix(Applicability.SAFE, "add the CORS header for the well-known", (edit,)) if edit else None
    if site.kind == "haproxy" and wk is not None:
        edit = _after_body(dep, wk, ' hdr Access-Control-Allow-Origin "*"')
        return Fix(Applicability.SAFE, "add `hdr Access-Control-Allow-Origin \"*\"` to the return", (edit,)) \
            if edit else None
    return None


def _nginx_header_text(dep, header) -> str:
    doc = dep.documents.get(header.span.path) if header.span else None
    if doc is not None:
        text = doc.text[header.span.start:header.span.end]
        if text.startswith("add_header"):
            return text if text.rstrip().endswith(";") else text + ";"
    value = header.value if re.fullmatch(r"[^\s;'\"{}$]+", header.value or "") else "'" + header.value + "'"
    return f"add_header {header.name} {value}{' always' if header.always else ''};"


def _after_body(dep, wk, text) -> Edit | None:
    """Insert `text` right after the (quoted) body token of an HAProxy `return`."""
    respond = wk.respond
    doc = dep.documents.get(wk.span.path)
    if respond is None or respond.body_span is None or doc is None:
        return None
    end = respond.body_span.end
    if end < len(doc.text) and doc.text[end] in "\"'":
        end += 1
    return Edit(Span(wk.span.path, end, end), text)


@rule("RTC107", "well-known-content-type", Severity.WARNING, "safe", ("nginx", "haproxy"))
def well_known_content_type(ctx) -> Iterator:
    """The client well-known is not served as `application/json`.

    ## What it does
    nginx: a `return 200 '…'` for the well-known without `default_type
    application/json` (or a `types {}` block / `add_header Content-Type`) in effect.
    HAProxy: `http-request return … string|lf-string` with a content type other than
    `application/json` (HAProxy 2.x refuses a `string` body without any `content-type`
    at startup, which is reported as RTC001 as well). Caddy sets the type itself when
    the body is valid JSON (see RTC100), so it is not checked here.

    ## Why
    nginx sends `default_type` (`text/plain` unless set, `application/octet-stream` with
    the stock nginx.conf) and HAProxy sends no type; some clients and browser tooling
    reject a well-known that is not JSON.

    ## Example
    ```haproxy
    http-request return status 200 content-type text/plain string '{"m.homeserver":{}}' if { path /.well-known/matrix/client }
    ```

    ## Fix
    Safe: nginx gets `default_type application/json;` in the location; HAProxy gets
    `content-type "application/json"` on the `return`; a wrong type is replaced.
    """
    dep = ctx.deployment
    for wk in proxy_served(ctx):
        site, route, respond = wk.site, wk.route, wk.respond
        if site.kind not in ("nginx", "haproxy") or respond is None or respond.from_file:
            continue
        ctype = (respond.content_type or "").strip("'\"").split(";")[0].strip().lower()
        header = _header(effective_headers(site, route), "Content-Type") if site.kind == "nginx" else None
        if ctype == "application/json" or (header is not None and "json" in header.value.lower()):
            continue
        if respond.content_type and respond.content_type_span is not None:
            edit = _content_type_edit(dep, respond.content_type_span)
            fix = Fix(Applicability.SAFE, "set the content type to application/json", (edit,)) if edit else None
            yield ctx.report(respond.content_type_span, f"{where(wk)} is served as {respond.content_type!r}; "
                             f"use application/json", fix=fix)
            continue
        if site.kind == "nginx":
            edit = insert_directive(dep, route, "default_type application/json;")
            what = "no `default_type application/json` is in effect, so nginx sends text/plain (or the http " \
                   "block's default_type)"
        else:
            edit = _after_body(dep, wk, ' content-type "application/json"')
            what = "the `return` has no `content-type \"application/json\"`"
        fix = Fix(Applicability.SAFE, "serve the well-known as application/json", (edit,)) if edit else None
        yield ctx.report(route.span, f"{where(wk)}: {what}", fix=fix)


def _content_type_edit(dep, span: Span) -> Edit | None:
    """Replace a wrong content type: the whole nginx directive (`default_type x;`,
    `add_header Content-Type x;`) or the bare value (HAProxy's `content-type` argument)."""
    doc = dep.documents.get(span.path)
    if doc is None:
        return None
    text = doc.text[span.start:span.end]
    if text.startswith("default_type"):
        return Edit(span, "default_type application/json;")
    if text.startswith("add_header"):
        return Edit(span, "add_header Content-Type application/json" + (" always;" if " always" in text else ";"))
    quote = text[0] if text[:1] in "\"'" and text[-1:] == text[:1] else ""
    return Edit(span, f"{quote}application/json{quote}")


# -- RTC110 ----------------------------------------------------------------------------------

@rule("RTC110", "first-focus-not-local", Severity.WARNING, "manual", WHERE_WK)
def first_focus_not_local(ctx) -> Iterator:
    """The first `rtc_foci` entry is not this deployment's JWT service.

    ## What it does
    Compares the first `rtc_foci` entry with the public URLs at which the proxies in the
    tree publish lk-jwt-service. Reports when the tree publishes a JWT service but the
    first entry points elsewhere (another deployment, a public test service).

    ## Why
    Element Call 0.19.1–0.23 uses only the first entry: your own JWT service and SFU are
    never used, and calls depend on (or fail at) the other one.

    ## Example
    ```json
    {"org.matrix.msc4143.rtc_foci": [
      {"type": "livekit", "livekit_service_url": "https://livekit-jwt.call.example.net"},
      {"type": "livekit", "livekit_service_url": "https://jwt.example.com"}]}
    ```

    ## Fix
    Manual: put the entry for your own JWT service first.
    """
    local = {PublicUrl.parse(u): site_route for u, site_route in jwt_public_urls(ctx).items()}
    local.pop(None, None)
    if not local:
        return
    hosts = {u.host for u in local}  # a set: a big tree has thousands of both
    by_domain = _domain_index(local)
    named: dict[frozenset, tuple[dict, str]] = {}  # per set of domains: ours, their URLs as text
    for wk in client_well_knowns(ctx):
        value, root = parsed(ctx, wk)
        if not isinstance(value, dict):
            continue
        entries = list(livekit_entries(value, root))
        if not entries or entries[0][0] != 0:
            continue
        _, entry, node = entries[0]
        first = PublicUrl.parse(entry.get("livekit_service_url") or "")
        if first is None or first.host in hosts:
            continue  # our host: a wrong path there is RTC200's finding, not a foreign focus
        domains = frozenset(_well_known_domains(wk, value))
        if domains not in named:
            ours = _same_domain(local, set(domains), by_domain)
            urls = sorted(u.text() for u in ours)
            named[domains] = ours, ", ".join(urls[:3]) + (f", … ({len(urls)} in all)" if len(urls) > 3 else "")
        ours, mine = named[domains]
        if not ours:
            continue  # the tree's JWT services belong to other domains: another deployment
        site, route = next(iter(ours.values()))
        yield ctx.report(_node_span(wk, node), f"the first rtc_foci entry in {where(wk)} is {first.text()}, not "
                         f"this deployment's JWT service ({mine}); Element Call uses only the first "
                         f"entry", related=[Related(route.span, "the proxy publishes the JWT service here")])


def _domain(host: str) -> str:
    """The last two labels of a host name: how one deployment's hosts are told apart
    from another's when a tree (a monorepo, examples/) holds several."""
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def _well_known_domains(wk, value: dict) -> set[str]:
    domains = {_domain(h) for h in wk.hosts if h not in ("*", "", "_")}
    base = value.get("m.homeserver")
    if isinstance(base, dict):
        url = PublicUrl.parse(str(base.get("base_url") or ""))
        if url is not None:
            domains.add(_domain(url.host))
    return domains


def _same_domain(local: dict, domains: set[str], by_domain: dict | None = None) -> dict:
    """The JWT services published under one of `domains` (all of them when unknown),
    in `local`'s order; `by_domain` (from `_domain_index`) saves a scan of all of them."""
    if not domains:
        return local
    if by_domain is None:
        return {url: where for url, where in local.items() if _domain(url.host) in domains}
    found = sorted(item for d in domains for item in by_domain.get(d, ()))
    return {url: where for _, url, where in found}


def _domain_index(local: dict) -> dict[str, list]:
    """domain -> [(position in `local`, url, where)]: built once per run, not per well-known."""
    index: dict[str, list] = {}
    for pos, (url, where) in enumerate(local.items()):
        index.setdefault(_domain(url.host), []).append((pos, url, where))
    return index


# -- RTC111 ----------------------------------------------------------------------------------

@rule("RTC111", "well-known-redirected", Severity.WARNING, "manual", PROXY_KINDS)
def well_known_redirected(ctx) -> Iterator:
    """The client well-known path is answered with a redirect.

    ## What it does
    Finds sites whose route for `/.well-known/matrix/client` is a redirect, when the
    redirect is aimed at the well-known itself, hides a route that would have served
    it (Caddy sorts `redir` before `respond` and `reverse_proxy` unless they are
    wrapped in `handle` blocks), or happens on the server_name host. Plain-HTTP sites
    that redirect to HTTPS are not reported.

    ## Why
    Every hop of a redirect needs its own CORS header, and some clients do not follow
    redirects for the well-known at all: the call backend is not found.

    ## Example
    ```caddy
    example.com {
        redir https://www.example.com{uri}
        respond /.well-known/matrix/client `{"m.homeserver": {"base_url": "https://matrix.example.com"}}`
    }
    ```

    ## Fix
    Manual: serve the well-known directly on that host (in Caddy, wrap the handlers in
    `handle` blocks so the redirect applies only to other paths).
    """
    dep = ctx.deployment
    server_names = [str(n.value).lower() for n in dep.server_names() if n.value]
    for site in dep.sites:
        if site.kind not in PROXY_KINDS or (site.listens and not site.tls_ports):
            continue
        bound = any(r.facts.get("hosts") for r in site.routes)
        for host in (site.hosts if bound else [None]):
            yield from _redirected(ctx, site, host, server_names)


def _redirected(ctx, site, host, server_names):
    route = route_for_host(site, host, CLIENT_PATH)
    if route is not None and route.redirect is not None:
        hosts = [host] if host else site.hosts
        shadowed = [r for r in site.routes if r is not route and r.action in ("respond", "proxy")
                    and r.matcher.matches(CLIENT_PATH) and (not host or host in (r.facts.get("hosts") or [host]))]
        aimed = route.matcher.kind != "any" and any(".well-known" in p for p in route.matcher.paths)
        on_server_name = any(h in server_names for h in hosts)
        if not (shadowed or aimed or on_server_name):
            return
        target = route.redirect.target
        why = ("it hides the route that would serve the well-known" if shadowed else
               "the well-known is redirected" if aimed else "this is the server_name host clients ask")
        related = [Related(r.span, "this route never answers the well-known") for r in shadowed[:1]]
        yield ctx.report(route.redirect.span or route.span,
                         f"{CLIENT_PATH} on {', '.join(hosts) or 'this site'} is answered with a redirect to "
                         f"{target} ({why}); serve the JSON directly: clients need a 200 with CORS on this host",
                         related=related)
