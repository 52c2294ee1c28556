"""Continuwuity / conduwuit / Tuwunel TOML configs → the facts Synapse's reader gives.

Both read a `[global]` table. What calls depend on:

- Continuwuity (conduwuit lineage): `[global.matrix_rtc] foci = [...]`, served on the
  transports endpoint and, when `[global.well_known] client` is set, as `rtc_foci` in its
  own client well-known. `well_known.rtc_focus_server_urls` is ignored since v26.6.0
  [continuwuity v26.7.3 `src/api/client/well_known.rs`, `src/core/config/mod.rs`].
- Tuwunel: `[global.well_known] livekit_url` (the JWT URL) and
  `[[global.well_known.rtc_transports]]`, served in its well-known (needs `client`) and on
  the transports endpoint since v1.6.0 [tuwunel v1.9.0 `src/core/config/well_known.rs`].

The result is a `SynapseConfig` with `flavor` set, its keys under Synapse's dotted paths
(`server_name`, `matrix_rtc`, `matrix_rtc.transports[i].livekit_service_url`) so the
discovery rules compare it like a homeserver.yaml, plus `well_known.<key>` entries.
Spans are found in the text after each table header (tomllib gives no positions).
"""

from __future__ import annotations

import json
import os
import re

from rtclint.document import Document, Span
from rtclint.model import FileFacts, Located, SynapseConfig, WellKnown
from rtclint.urls import hostname

HOMESERVER_KEYS = ("server_name", "matrix_rtc", "well_known", "database_backend", "database_path", "port",
                   "allow_registration", "trusted_servers")
TUWUNEL_KEYS = ("livekit_url", "rtc_transports")


def is_homeserver(data: dict) -> bool:
    glob = data.get("global")
    return isinstance(glob, dict) and any(k in glob for k in HOMESERVER_KEYS)


def flavor_of(doc: Document, glob: dict) -> str:
    wk = glob.get("well_known")
    if isinstance(wk, dict) and any(k in wk for k in TUWUNEL_KEYS):
        return "tuwunel"
    name = getattr(doc, "name", None) or os.path.basename(doc.path)  # a ConfigMap key's own name
    return "tuwunel" if "tuwunel" in name.lower() else "continuwuity"


def read(doc: Document, data: dict, facts: FileFacts) -> None:
    glob = data["global"]
    cfg = SynapseConfig(path=doc.path, span=doc.span(0, len(doc.text)), raw=data, flavor=flavor_of(doc, glob))
    loc = Locator(doc)
    start = loc.table("global")
    if "server_name" in glob:
        cfg.keys["server_name"] = loc.located(start, "server_name", glob["server_name"])
        cfg.server_name = cfg.keys["server_name"]
    cfg.fragment = cfg.server_name is None
    well_known = glob.get("well_known") if isinstance(glob.get("well_known"), dict) else {}
    wk_start = loc.table("global", "well_known")
    for key, value in well_known.items():
        if not isinstance(value, (dict, list)) or key == "rtc_focus_server_urls":
            # `[global.well_known] key = …`, or the dotted `well_known.key = …` under [global]
            cfg.keys[f"well_known.{key}"] = loc.located(wk_start, key, value) if wk_start else \
                loc.located(start, f"well_known.{key}", value)
    if cfg.flavor == "tuwunel":
        _tuwunel_transports(doc, loc, cfg, well_known, wk_start)
    else:
        _continuwuity_transports(doc, loc, cfg, glob)
    facts.toml_homeservers.append(cfg)
    facts.subkind = cfg.flavor
    wk = served_well_known(cfg)
    if wk is not None:
        facts.well_knowns.append(wk)


def _continuwuity_transports(doc: Document, loc: "Locator", cfg: SynapseConfig, glob: dict) -> None:
    rtc = glob.get("matrix_rtc")
    if not isinstance(rtc, dict):
        return
    start = loc.table("global", "matrix_rtc")
    header = doc.span(start, start) if start else None
    foci = rtc.get("foci")
    if start:
        located = loc.located(start, "foci", foci) if "foci" in rtc else Located(foci, header)
    else:  # the dotted `matrix_rtc.foci = …` under [global]
        located = loc.located(loc.table("global"), "matrix_rtc.foci", foci)
    cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located(rtc, located.span or header, header)
    cfg.keys["matrix_rtc.foci"] = located
    after = located.span.start if located.span is not None else start
    for index, entry in enumerate(foci if isinstance(foci, list) else []):
        _add_transport(doc, cfg, index, entry, after)


def _tuwunel_transports(doc: Document, loc: "Locator", cfg: SynapseConfig, well_known: dict, start: int) -> None:
    entries = []
    if isinstance(well_known.get("livekit_url"), str):
        entries.append(({"type": "livekit", "livekit_service_url": well_known["livekit_url"]}, start))
    headers = [m.end() for m in re.finditer(r"^\s*\[\[\s*global\s*\.\s*well_known\s*\.\s*rtc_transports\s*\]\]",
                                            doc.text, re.M)]
    transports = well_known.get("rtc_transports")
    for index, entry in enumerate(transports if isinstance(transports, list) else []):
        entries.append((entry, headers[index] if index < len(headers) else start))
    if entries:
        anchor = cfg.keys.get("well_known.livekit_url")
        span = anchor.span if anchor is not None else doc.span(entries[0][1], entries[0][1])
        cfg.keys["matrix_rtc"] = cfg.matrix_rtc = Located([e for e, _ in entries], span, span)
    for index, (entry, after) in enumerate(entries):
        _add_transport(doc, cfg, index, entry, after)


def _add_transport(doc: Document, cfg: SynapseConfig, index: int, entry, after: int) -> None:
    span = None
    if isinstance(entry, dict):
        for key, value in entry.items():
            where = string_span(doc, value, after) if isinstance(value, str) else None
            cfg.keys[f"matrix_rtc.transports[{index}].{key}"] = Located(value, where, where)
            span = span or where
    cfg.transports.append(Located(entry, span or doc.span(after, after)))


def served_well_known(cfg: SynapseConfig) -> WellKnown | None:
    """The client well-known the server answers itself: only with `well_known.client`
    set (else 404), `m.homeserver` from it and `rtc_foci` from the transports."""
    client = cfg.keys.get("well_known.client")
    if client is None or not isinstance(client.value, str) or not client.value:
        return None
    base = client.value if client.value.endswith("/") else client.value + "/"
    body: dict = {"m.homeserver": {"base_url": base}}
    foci = [t.value for t in cfg.transports if isinstance(t.value, dict)]
    if foci:
        body["org.matrix.msc4143.rtc_foci"] = foci
    host = hostname(client.value)
    return WellKnown(which="client", body=json.dumps(body, indent=2), span=client.span or cfg.span,
                     source=cfg.flavor, hosts=[host] if host else [], value=body,
                     facts={"served": True, "config": cfg.path})


class Locator:
    """Spans of values in the TOML text, searched forward from a table's header."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def table(self, *names: str) -> int:
        dotted = r"\s*\.\s*".join(re.escape(n) for n in names)
        m = re.search(r"^\s*\[\s*" + dotted + r"\s*\]", self.doc.text, re.M)
        return m.end() if m else 0

    def located(self, start: int, key: str, value) -> Located:
        """`key = value` after `start`, before the next table header: the value's span
        (up to the line end, or the closing bracket of a multi-line array) and the key's."""
        text = self.doc.text
        nxt = re.compile(r"^\s*\[", re.M).search(text, start)
        stop = nxt.start() if nxt else len(text)
        m = re.compile(r"^[ \t]*(" + re.escape(key) + r")[ \t]*=[ \t]*", re.M).search(text, start, stop)
        if m is None:
            return Located(value)
        end = _value_end(text, m.end())
        return Located(value, self.doc.span(m.end(), end), self.doc.span(m.start(1), m.end(1)))


def _value_end(text: str, at: int) -> int:
    """Where a TOML value starting at `at` ends: brackets balanced, strings and comments skipped."""
    depth, i, quote = 0, at, None
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "#" or (ch == "\n" and depth <= 0):
            if depth <= 0:
                break
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        i += 1
    return len(text[:i].rstrip())


def string_span(doc: Document, value: str, after: int) -> Span | None:
    """The first quoted occurrence of `value` after `after` (its quotes included)."""
    for quote in ('"', "'"):
        at = doc.text.find(quote + value + quote, after)
        if at >= 0:
            return doc.span(at, at + len(value) + 2)
    return None
