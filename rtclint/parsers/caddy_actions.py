"""What the Caddy directives that answer a request do: `respond`, `reverse_proxy` and
`redir` as the model's Respond, Proxy and Redirect, with the spans fixes need."""

from __future__ import annotations

import json
import re

from rtclint.document import Span
from rtclint.model.proxy import Header, Proxy, Redirect, Respond, Route, Upstream
from rtclint.parsers.caddy_lexer import CToken
from rtclint.parsers.caddy_matchers import matcher_token
from rtclint.parsers.caddy_syntax import Directive


_PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.\-]*(\[[^\]{}]*\])?\}")
_REDIR_CODES = {"permanent": 301, "temporary": 302, "html": 200}


def respond(d: Directive, headers: list[Header], default_path: str) -> Respond:
    """`respond [matcher] [body] [status]` (or a `body` line in its block)."""
    args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
    status, body_tok = 200, None
    if len(args) == 1:
        if len(args[0].text) == 3 and args[0].text.isdecimal() and int(args[0].text) > 0:
            status = int(args[0].text)
        else:
            body_tok = args[0]
    elif len(args) >= 2:
        body_tok = args[0]
        status = int(args[1].text) if args[1].text.isdecimal() else 200
    for block in d.blocks:
        for line in block.lines:
            if line.name == "body" and len(line.args) == 2:
                body_tok = line.args[1]
    respond = Respond(status=status, body=None)
    if body_tok is not None:
        respond.body = body_tok.text
        path = body_tok.path or default_path
        end = body_tok.offset_of(len(body_tok.text)) if body_tok.text else body_tok.offset_of(0)
        respond.body_span = Span(path, body_tok.offset_of(0), end)
        respond.body_map = list(body_tok.value_map) if body_tok.value_map is not None else None
        respond.templated = bool(_PLACEHOLDER.search(body_tok.text))
    content_type(respond, headers)
    return respond


def content_type(respond: Respond, headers: list[Header]) -> None:
    """Caddy's static_response (modules/caddyhttp/staticresp.go, ServeHTTP): a Content-Type
    already set (by `header`) is kept; otherwise, for a non-empty body, Caddy sets
    `application/json` when the trimmed body starts with `{`/`[`, ends with `}`/`]`, is
    longer than 2 characters and is valid JSON (Go's json.Valid) — else
    `text/plain; charset=utf-8`. We record the explicit header (with its span), the implicit
    `application/json`, and None for the text/plain fallback."""
    for h in headers:
        if h.name.lower() == "content-type":
            respond.content_type, respond.content_type_span = h.value, h.span
            return
    body = (respond.body or "").strip()
    if len(body) > 2 and (body[0], body[-1]) in (("{", "}"), ("[", "]")) and _json_valid(body):
        respond.content_type = "application/json"


def proxy(d: Directive, strip: str, strip_span: Span | None, route: Route, default_path: str) -> Proxy | None:
    """`reverse_proxy`: its upstreams (also in route.facts), header_up/down and transport."""
    args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
    upstream_toks = list(args)
    request_headers: list[Header] = []
    header_down: list[Header] = []
    proxy_facts: dict = {}
    for block in d.blocks:
        for line in block.lines:
            largs = line.args
            if line.name == "to":
                upstream_toks += largs[1:]
            elif line.name in ("header_up", "header_down") and len(largs) >= 3:
                h = Header(largs[1].text.lstrip("+-"), largs[2].text,
                           Span(largs[0].path or default_path, line.start, line.end))
                (request_headers if line.name == "header_up" else header_down).append(h)
            elif line.name == "transport":
                proxy_facts.update(transport(line, default_path))
    upstreams = [upstream(t, default_path) for t in upstream_toks]
    route.facts["upstreams"] = upstreams
    if header_down:
        route.facts["header_down"] = header_down
    if not upstreams:
        return None
    proxy = Proxy(
        upstream=upstreams[0],
        strip_prefix=strip,
        strip_span=strip_span,
        websocket=True,  # Caddy's reverse_proxy passes upgrades through by itself
        request_headers=request_headers,
        span=route.span,
    )
    if "versions" in proxy_facts:
        proxy.http_version, proxy.http_version_span = proxy_facts["versions"]
    if "read_timeout" in proxy_facts:
        proxy.read_timeout, proxy.read_timeout_span = proxy_facts["read_timeout"]
    return proxy


def transport(line: Directive, default_path: str) -> dict:
    out: dict = {}
    for block in line.blocks:
        for sub in block.lines:
            args = sub.args
            span = Span(args[0].path or default_path, sub.start, sub.end)
            if sub.name == "versions" and len(args) > 1:
                out["versions"] = (" ".join(t.text for t in args[1:]), span)
            elif sub.name == "read_timeout" and len(args) > 1:
                seconds = _duration(args[1].text)
                if seconds is not None:
                    out["read_timeout"] = (seconds, span)
    return out


def upstream(tok: CToken, default_path: str) -> Upstream:
    path = tok.path or default_path
    text = env_default(tok.text)
    scheme, host, port = split_address(text)
    scheme = {"h2c": "http", "": "http"}.get(scheme, scheme)
    up = Upstream(host=host if "{$" in host else host.lower(), port=port, scheme=scheme, span=Span(path, tok.start, tok.end))
    if port is not None and text == tok.text and tok.value_map is None:
        idx = tok.text.rfind(":" + str(port))
        if idx >= 0:
            start = tok.offset_of(idx + 1)
            up.port_span = Span(path, start, start + len(str(port)))
    slash = text.find("/", text.find("://") + 3 if "://" in text else 0)
    if slash >= 0:
        up.path = text[slash:]
    return up


def redirect(d: Directive, default_path: str) -> Redirect | None:
    args = d.args[2:] if matcher_token(d) is not None else d.args[1:]
    if not args:
        return None
    status = 302
    if len(args) > 1:
        code = args[1].text
        status = int(code) if code.isdecimal() else _REDIR_CODES.get(code, 302)
    return Redirect(args[0].text, status, Span(d.items[0].path or default_path, d.start, d.end))


def env_default(text: str) -> str:
    """`{$NAME:default}` → default (the best guess rtclint has); `{$NAME}` stays opaque."""
    return re.sub(r"\{\$[^{}\s:]+:([^{}\n]*)\}", lambda m: m.group(1), text)


def split_address(text: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `[scheme://]host[:port][/path]`; IPv6 in brackets."""
    scheme = ""
    if "://" in text:
        scheme, text = text.split("://", 1)
        scheme = scheme.lower()
    slash = text.find("/")
    if slash >= 0:
        text = text[:slash]
    port: int | None = None
    if text.startswith("["):
        close = text.find("]")
        host = text[1:close] if close > 0 else text[1:]
        rest = text[close + 1 :] if close > 0 else ""
        if rest.startswith(":") and rest[1:].isdecimal():
            port = int(rest[1:])
        return scheme, host, port
    if ":" in text:
        host, _, tail = text.rpartition(":")
        if tail.isdecimal():
            port = int(tail)
        else:
            host = text
    else:
        host = text
    return scheme, host, port


def _duration(text: str) -> float | None:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", text):
        total += float(number) * units[unit]
    return total if re.fullmatch(r"(\d+(?:\.\d+)?(ms|s|m|h|d))+", text) else None


def _json_valid(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
