"""What a proxy sends with the client well-known it answers itself: the response
headers in effect on a route (nginx's `add_header` inheritance), and an edit after an
HAProxy `return` body.
"""

from __future__ import annotations

from rtclint.diagnostics import Edit
from rtclint.document import Span
from rtclint.rules.discovery.well_known_json import client_well_knowns

PROXY_KINDS = ("caddy", "nginx", "haproxy")


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


def find_header(headers, name):
    return next((h for h in headers if h.name.lower().lstrip(">+?") == name.lower()), None)


def proxy_served(ctx):
    for wk in client_well_knowns(ctx):
        if wk.source == "proxy" and wk.site is not None and wk.route is not None and wk.site.kind in PROXY_KINDS:
            yield wk


def edit_after_body(dep, wk, text) -> Edit | None:
    """Insert `text` right after the (quoted) body token of an HAProxy `return`."""
    respond = wk.respond
    doc = dep.documents.get(wk.span.path)
    if respond is None or respond.body_span is None or doc is None:
        return None
    end = respond.body_span.end
    if end < len(doc.text) and doc.text[end] in "\"'":
        end += 1
    return Edit(Span(wk.span.path, end, end), text)
