"""A homeserver's own config held in a ConfigMap or Secret key: Synapse's `homeserver.yaml`
(or a conf.d fragment), or the TOML of Continuwuity/Tuwunel. The Helm charts and most
hand-written manifests ship it this way, mounted into the homeserver's pod; it is read by
the same readers as the file on disk, so the RTC5xx/RTC1xx rules see it like any other.

Positions: a key written as text (ConfigMap `data`, Secret `stringData`) is an embedded
document, so every setting's span is its own characters inside the manifest. A Secret's
`data` is base64: no character of the decoded text has a place of its own, so every
setting points at the encoded value (what the output masks).

Fixes: a fix edits the homeserver's file, and here that file is a scalar of a manifest.
`SynapseConfig.embedded` says how it is held — 'block' (a `|`/`>` block scalar: edits
inside its text keep their meaning, see rules/registry) or 'value' (quoted or base64: no
edit is exact) — so that no fix writes a homeserver setting into the manifest itself.
"""

from __future__ import annotations

from collections.abc import Callable

from rtclint.document import Document, Span
from rtclint.model import FileFacts
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify
from rtclint.parsers.yaml_values import compose_nested, embedded, value_span


class _KeyText:
    """A key's text, as a document for the homeserver readers: they ask for its path (the
    manifest's: findings and fixes belong to that file), its text and the spans of
    offsets into the text, which `span_of` maps back into the manifest."""

    def __init__(self, path: str, name: str, text: str, span_of: Callable[[int, int], Span]) -> None:
        self.path = path
        self.name = name  # the key: 'homeserver.yaml', 'tuwunel.toml'
        self.text = text
        self._span_of = span_of

    def span(self, start: int, end: int) -> Span:
        return self._span_of(start, end)


def from_text(doc: Document, key: str, value: yaml.ScalarNode, facts: FileFacts) -> bool:
    """Read a key written as text; True when it is a homeserver config."""
    emb = embedded(doc, value)
    held = "block" if value.style in ("|", ">") else "value"
    return _read(_KeyText(doc.path, key, value.value, emb.span), held, value_span(doc, value), facts)


def from_base64(doc: Document, key: str, decoded: str, encoded: Span, facts: FileFacts) -> bool:
    """Read a Secret `data` key (already decoded); every span is the encoded value's."""
    return _read(_KeyText(doc.path, key, decoded, lambda _s, _e: encoded), "value", encoded, facts)


def _read(text: _KeyText, held: str, whole: Span, facts: FileFacts) -> bool:
    if text.name.endswith(".toml") or (not text.name.endswith((".yaml", ".yml")) and "[global" in text.text):
        return _toml(text, held, whole, facts)
    if not text.name.endswith((".yaml", ".yml")) and "\n" not in text.text:
        return False
    root, _error = compose_nested(text.text)
    if not isinstance(root, yaml.MappingNode) or classify(root, _Named(text.name)) != "synapse":
        return False  # unparsable YAML stays unknown, as Synapse's start-up error would say
    from rtclint.parsers import yaml_synapse

    before = len(facts.synapse)
    yaml_synapse.read(text, [root], None, facts)  # type: ignore[arg-type]
    for cfg in facts.synapse[before:]:
        _held(cfg, held, whole)
    return True


def _toml(text: _KeyText, held: str, whole: Span, facts: FileFacts) -> bool:
    import tomllib

    try:
        data = tomllib.loads(text.text)
    except tomllib.TOMLDecodeError:
        return False
    from rtclint.parsers import toml_homeserver

    if not toml_homeserver.is_homeserver(data):
        return False
    found = FileFacts(text.path)  # its own: the reader sets `subkind`, the manifest stays 'k8s'
    toml_homeserver.read(text, data, found)  # type: ignore[arg-type]
    for cfg in found.toml_homeservers:
        _held(cfg, held, whole)
    facts.toml_homeservers += found.toml_homeservers
    facts.well_knowns += found.well_knowns
    return True


def forget(facts: FileFacts, encoded: Span) -> None:
    """Drop what a Secret's `data` key gave when `stringData` writes the same key (the API
    server keeps the `stringData` one)."""
    facts.synapse[:] = [c for c in facts.synapse if c.span != encoded]
    facts.toml_homeservers[:] = [c for c in facts.toml_homeservers if c.span != encoded]
    facts.well_knowns[:] = [w for w in facts.well_knowns if w.span != encoded]


class _Named:
    """What `classify` asks of a document: its name (the key's, which breaks ties)."""

    def __init__(self, path: str) -> None:
        self.path = path


def _held(cfg, held: str, whole: Span) -> None:
    cfg.embedded = held
    cfg.span = whole
