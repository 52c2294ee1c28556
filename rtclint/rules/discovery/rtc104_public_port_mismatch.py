"""A public URL names a host and port on which no proxy in the tree serves that host.

## What it does
Takes every public URL the tree states — the client well-known's `m.homeserver`
`base_url`, `rtc_foci` `livekit_service_url`, the `org.matrix.msc2965.authentication`
issuer and account URLs, Synapse's `public_baseurl` and `matrix_rtc.transports`, the
JWT service's `LIVEKIT_URL`, Element Call's `config.json` URLs, Element Web's default
homeserver `base_url` in its `config.json` — and the TLS sites
(nginx, Caddy, HAProxy, Ingress) that serve its host. When none of them listens on
the URL's port (443 when the URL has none), the URL points at nothing.

## Why
The typical case: the proxy listens on 8443 and the URLs have no port, so clients
connect to 443 where nothing answers and calls fail with
`MISSING_MATRIX_RTC_FOCUS`. Also the reverse: `:8443` in the URL while the proxy is
only on 443. Hosts that no site in the tree names are not judged.

## Example
```nginx
server { listen 8443 ssl; server_name rtc.example.org; ... }
```
with `"livekit_service_url": "https://rtc.example.org"` in the well-known.

## Fix
Safe when the proxy serves that host on exactly one TLS port: writes that port into
the URL (or removes it when it is 443).
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.urls import urlsplit

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.model import Site, WellKnown

CODE = "RTC104"
NAME = "public-port-mismatch"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("all",)


def check(ctx):
    if not ctx.deployment.sites:
        return  # a URL is judged only against the TLS sites that serve its host
    from rtclint.rules.discovery.advertised import url_span

    for url, written, what in _public_urls(ctx):
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme in ("https", "wss") else None)
        except ValueError:
            continue
        if parts.scheme not in ("https", "wss") or not parts.hostname or port is None:
            continue
        sites = _tls_sites_for(ctx, parts.hostname.lower())
        if not sites or any(s.serves_port(port) for s in sites):
            continue
        span = written if isinstance(written, Span) else url_span(ctx, written, url)
        ports = sorted({p for s in sites for p in s.tls_ports})
        listen_at = [Related(listen.span, f"{parts.hostname} is served on port {listen.port}")
                     for s in sites for listen in s.listens if listen.span is not None and listen.tls][:5]
        fix = None
        doc = ctx.deployment.documents.get(span.path)
        if len(ports) == 1 and doc is not None and doc.text[span.start:span.end] == url:
            fixed = _with_port(url, ports[0])
            fix = Fix(Applicability.SAFE, f"use {fixed}", (Edit(span, fixed),))
        yield ctx.report(
            span,
            f"{what} names {parts.hostname} on port {port}, but the proxy serves {parts.hostname} only on port "
            f"{', '.join(map(str, ports))} ({sites[0].span.path}): clients connect to a port where nothing answers",
            fix=fix, related=listen_at,
        )


def _public_urls_of(wk: WellKnown) -> list[str]:
    from rtclint.rules.discovery.advertised import foci_urls, json_object

    value = json_object(wk) or {}
    urls = list(foci_urls(wk))
    home = value.get("m.homeserver")
    if isinstance(home, dict) and isinstance(home.get("base_url"), str):
        urls.append(home["base_url"])
    auth = value.get("org.matrix.msc2965.authentication")
    if isinstance(auth, dict):
        urls += [auth[k] for k in ("issuer", "account") if isinstance(auth.get(k), str)]
    return urls


def _tls_sites_for(ctx, host: str) -> list[Site]:
    """Sites that name `host` (exactly or by wildcard) and terminate TLS."""
    return [s for s in ctx.deployment.sites_for_host(host)
            if s.tls_ports and any(h not in ("*", "", "_") for h in s.hosts)]


def _public_urls(ctx) -> list[tuple[str, "Span | WellKnown", str]]:
    """(url, where it is written, what it is) for every public URL the tree states; for a
    well-known's URL, the well-known (`url_span` finds the place when a finding needs it:
    few URLs do, and a big tree states thousands)."""
    from rtclint.rules.common.synapse_view import homeservers

    found: list[tuple[str, Span | WellKnown, str]] = []
    for wk in ctx.deployment.well_knowns("client"):
        if wk.facts.get("chart"):
            continue  # rendered by the ESS chart: RTC601 explains those
        for url in _public_urls_of(wk):
            found.append((url, wk, "the client well-known"))
    for hs in homeservers(ctx):
        located, _ = hs.get("public_baseurl")
        if located is not None and isinstance(located.value, str) and located.span is not None:
            found.append((located.value, _unquoted(ctx, located.span), "Synapse's public_baseurl"))
        for url, span in hs.transport_urls():
            if span is not None:
                found.append((url, _unquoted(ctx, span), "matrix_rtc.transports"))
    for config in ctx.deployment.element_call:
        for key, what in (("base_url", "Element Call's default homeserver base_url"),
                          ("livekit_service_url", "Element Call's livekit_service_url")):
            located = config.get(key)
            if located is not None and isinstance(located.value, str) and located.span is not None:
                inner = Span(located.span.path, located.span.start + 1, max(located.span.start + 1,
                                                                             located.span.end - 1))
                found.append((located.value, inner, what))
    for config in ctx.deployment.element_web:  # its default homeserver, as the browser reaches it
        located = config.get("base_url")
        if located is not None and isinstance(located.value, str) and located.span is not None:
            inner = Span(located.span.path, located.span.start + 1, max(located.span.start + 1, located.span.end - 1))
            found.append((located.value, inner, "Element Web's default homeserver base_url"))
    for service in ctx.deployment.services:
        var = service.env.get("LIVEKIT_URL")
        if service.role == "jwt" and var is not None and var.value and (var.value_span or var.span):
            found.append((var.value, var.value_span or var.span, f"LIVEKIT_URL of {service.name}"))
    return found


def _unquoted(ctx, span: Span) -> Span:
    """A quoted YAML scalar's span without its quotes (where a URL edit goes)."""
    doc = ctx.deployment.documents.get(span.path)
    if doc is None or span.end - span.start < 2:
        return span
    first, last = doc.text[span.start], doc.text[span.end - 1]
    if first in "'\"" and last == first:
        return Span(span.path, span.start + 1, span.end - 1)
    return span


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host if port == 443 else f"{host}:{port}"
    return parts._replace(netloc=netloc).geturl()
