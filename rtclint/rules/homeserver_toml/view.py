"""What the RTC7xx rules ask of a TOML homeserver: its version target, whether the proxy
sends the client well-known to it, and text edits on its TOML (never re-serialised)."""

from __future__ import annotations

import re

from rtclint.diagnostics import Edit
from rtclint.document import Document, Span
from rtclint.model import CLIENT_PATH, SynapseConfig
from rtclint.model.stacks import at_least
from rtclint.config import version_tuple
from rtclint.rules.common.roles import service_for

IMAGE_NAMES = {"continuwuity": ("continuwuity", "conduwuit"), "tuwunel": ("tuwunel",)}
DEFAULT_PORT = 8008  # both servers' default `port`


def flavor_version(ctx, flavor: str) -> tuple[int, ...]:
    """The lowest version an image tag of this server names in the tree, else the
    `[tool.rtclint] target`, else newest (`()`)."""
    found = []
    for svc in ctx.deployment.services:
        image = svc.image.value if svc.image is not None and isinstance(svc.image.value, str) else ""
        if any(n in image.lower() for n in IMAGE_NAMES[flavor]) and svc.image_tag:
            version = version_tuple(svc.image_tag)
            if version:
                found.append(version)
    if found:
        return min(found)
    return version_tuple(ctx.deployment.targets.get(flavor) or "")


def is_at_least(ctx, flavor: str, wanted: tuple[int, ...]) -> bool:
    return at_least(flavor_version(ctx, flavor), wanted)


def well_known_proxied_to(ctx, cfg: SynapseConfig) -> list:
    """(site, route) that send `/.well-known/matrix/client` of the server_name (where
    clients ask) to this homeserver: to a service running its image, or to its `port`
    on a host that names it."""
    port = cfg.raw.get("global", {}).get("port", DEFAULT_PORT) if isinstance(cfg.raw, dict) else DEFAULT_PORT
    ports = {p for p in (port if isinstance(port, list) else [port]) if isinstance(p, int)}
    name = str(cfg.server_name.value).lower().split(":")[0] if cfg.server_name is not None else None
    found = []
    sites = ctx.deployment.sites_for_host(name) if name else ctx.deployment.sites
    for site in {id(s): s for s in sites}.values():  # a site may be listed once per matching host
        route = site.route_for(CLIENT_PATH)
        if route is None or route.proxy is None:
            continue
        up = route.proxy.upstream
        svc = service_for(ctx.deployment, up)
        image = (svc.image.value if svc is not None and svc.image is not None else "") or ""
        named = any(n in f"{up.host} {image}".lower() for n in (*IMAGE_NAMES[cfg.flavor], "conduit"))
        named = named or (svc is not None and cfg.service == svc.name)  # the container reading it
        if named and (up.port is None or up.port in ports or svc is not None):
            found.append((site, route))
    return found


# -- text edits ---------------------------------------------------------------------------


def table_header(doc: Document, *names: str) -> re.Match | None:
    dotted = r"\s*\.\s*".join(re.escape(n) for n in names)
    return re.search(r"^[ \t]*\[\s*" + dotted + r"\s*\][^\n]*", doc.text, re.M)


def set_in_table(doc: Document, table: tuple[str, ...], key: str, value_text: str, existing=None,
                 cfg: SynapseConfig | None = None) -> Edit:
    """Make `key = value_text` hold in `[table]`: replace the value written, add a line
    under the table's header, add a dotted `sub.key = …` line after a sibling written that
    way under [global] (TOML forbids a `[global.sub]` header then), or append the table
    at the end of the file."""
    nl = doc.newline
    if existing is not None and existing.span is not None:
        return Edit(existing.span, value_text)
    header = table_header(doc, *table)
    if header is not None:
        return Edit(Span(doc.path, header.end(), header.end()), f"{nl}{key} = {value_text}")
    sub = ".".join(table[1:])
    sibling = _dotted_sibling(doc, cfg, sub) if cfg is not None and table[0] == "global" and sub else None
    if sibling is not None:
        at = doc.line_end(doc.line_col(sibling.end)[0])
        return Edit(Span(doc.path, at, at), f"{nl}{sub}.{key} = {value_text}")
    text = doc.text
    lead = "" if not text else (nl if text.endswith("\n") else nl + nl)
    block = f"[{'.'.join(table)}]{nl}{key} = {value_text}{nl}"
    return Edit(Span(doc.path, len(text), len(text)), lead + block)


def _dotted_sibling(doc: Document, cfg: SynapseConfig, sub: str) -> Span | None:
    """The last `sub.<key> = …` written as a dotted key under [global], if any."""
    spans = [located.span for name, located in cfg.keys.items()
             if name.startswith(sub + ".") and "[" not in name and located.span is not None and located.key_span
             is not None and doc.text[located.key_span.start:located.key_span.end].startswith(sub + ".")]
    return max(spans, key=lambda span: span.end) if spans else None


def delete_line(doc: Document, span: Span) -> Edit:
    """Delete the whole lines `span` covers (a `key = value` entry)."""
    start = doc.text.rfind("\n", 0, span.start) + 1
    end = doc.text.find("\n", span.end)
    end = len(doc.text) if end < 0 else end + 1
    return Edit(Span(doc.path, start, end), "")


def foci_text(urls: list[str]) -> str:
    entries = ", ".join(f'{{ type = "livekit", livekit_service_url = "{u}" }}' for u in urls)
    return f"[{entries}]"
