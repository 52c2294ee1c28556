"""TOML files: Traefik's file provider (dynamic configuration) and the homeservers
configured in TOML (Continuwuity, conduwuit, Tuwunel: a `[global]` table, read by
`toml_homeserver`).

tomllib gives values without positions, so each value's span is found in the text: the
first occurrence, after its table header, of `key = <value>`. A TOML file of another kind
(pyproject.toml, Cargo.toml, …) is skipped quietly; a broken one is RTC001 only when its
text shows it is one of ours.
"""

from __future__ import annotations

import re

from rtclint.document import Document, Span
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree, parse_error
from rtclint.parsers.traefik import Dynamic, Middleware, Router, Value, build_sites, upstream_from_url

_OURS = re.compile(r"^\s*\[+\s*(http\.(routers|services|middlewares)\b|global\s*[.\]])", re.M)
_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def read(doc: Document, tree: Tree) -> FileFacts:
    import tomllib

    facts = FileFacts(doc.path)
    try:
        data = tomllib.loads(doc.text)
    except tomllib.TOMLDecodeError as exc:
        if _OURS.search(doc.text):
            at = _AT.search(str(exc))
            offset = doc.offset(int(at.group(1)), int(at.group(2))) if at else 0
            facts.diagnostics.append(parse_error(doc, offset, f"TOML: {_AT.sub('', str(exc)).strip()}"))
        return facts
    from rtclint.parsers import toml_homeserver

    if toml_homeserver.is_homeserver(data):
        toml_homeserver.read(doc, data, facts)
        return facts
    http = _lower(data).get("http")
    if isinstance(http, dict) and ({"routers", "services", "middlewares"} & set(_lower(http))):
        facts.subkind = "traefik"
        sites, problems = build_sites(doc, _dynamic(doc, _lower(http)))
        facts.sites.extend(sites)
        facts.diagnostics.extend(problems)
    return facts


def _lower(table) -> dict:
    return {str(k).lower(): v for k, v in table.items()} if isinstance(table, dict) else {}


class _Locator:
    """Spans of values in the TOML text, searched forward from each table's header."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def table(self, *names: str) -> int:
        dotted = r"\s*\.\s*".join(re.escape(n) for n in names)
        m = re.search(r"^\s*\[+\s*" + dotted + r"\s*\]", self.doc.text, re.M | re.I)
        return m.end() if m else 0

    def value(self, start: int, key: str) -> Span | None:
        m = re.compile(r"^\s*" + re.escape(key) + r"\s*=\s*", re.M | re.I).search(self.doc.text, start)
        if m is None:
            return None
        end = self.doc.text.find("\n", m.end())
        end = len(self.doc.text) if end < 0 else end
        return self.doc.span(m.end(), end)


def _dynamic(doc: Document, http: dict) -> Dynamic:
    loc = _Locator(doc)
    dyn = Dynamic()
    for name, opts in _lower(http.get("routers")).items():
        start = loc.table("http", "routers", name)
        header = doc.span(start, start)
        opts = _lower(opts)
        router = Router(name=name, span=header)
        for key in ("rule", "service", "priority"):
            if key in opts:
                setattr(router, key, Value(opts[key], loc.value(start, key)))
        for key in ("middlewares", "entrypoints"):
            if isinstance(opts.get(key), list):
                span = loc.value(start, key)
                setattr(router, key, [Value(v, span) for v in opts[key]])
        router.tls = "tls" in opts
        dyn.routers[name] = router
    for name, opts in _lower(http.get("services")).items():
        servers = _lower(_lower(opts).get("loadbalancer")).get("servers") or []
        start = loc.table("http", "services", name)
        ups = []
        for server in servers if isinstance(servers, list) else []:
            url = _lower(server).get("url")
            up = upstream_from_url(str(url), loc.value(start, "url")) if url else None
            if up is not None:
                ups.append(up)
        dyn.services[name] = ups
    for name, opts in _lower(http.get("middlewares")).items():
        for kind, options in _lower(opts).items():
            start = loc.table("http", "middlewares", name)
            span = loc.table("http", "middlewares", name, kind)
            dyn.middlewares[name] = Middleware(name, kind, {k: _value(v) for k, v in _lower(options).items()},
                                               doc.span(span or start, span or start))
            break
    return dyn


def _value(v) -> Value:
    if isinstance(v, list):
        return Value([_value(i) for i in v])
    if isinstance(v, dict):
        return Value({k: _value(i) for k, i in v.items()})
    return Value(v)
