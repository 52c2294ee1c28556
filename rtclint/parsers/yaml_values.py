"""Positions inside YAML scalars, for the service readers (Compose, Kubernetes, LiveKit).

A ConfigMap's block scalar holding JSON, or a `LIVEKIT_CONFIG` value holding YAML, is a
document inside a document: its characters are the scalar's value after YAML removed
indentation, quotes and escapes. `Embedded` keeps that value together with the source
offset of each of its characters, so a finding inside it points at the real line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rtclint.document import Document, Span
from rtclint.embedded import Embedded, align  # noqa: F401  (the readers' names for them)
from rtclint.model.services import Located
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import node_span, scalar

def embedded(doc: Document, node: yaml.ScalarNode) -> Embedded:
    """The value of a scalar node with the source offset of every character."""
    pos = node.start_mark.index
    end = node.end_mark.index
    if node.style in ("|", ">"):
        newline = doc.text.find("\n", pos, end)  # skip the `|-2  # comment` header line
        pos = end if newline == -1 else newline + 1
    elif node.style in ("'", '"'):
        pos += 1
    return align(doc, node.value, pos, end)


def located(doc: Document, node: yaml.Node | None, key: yaml.Node | None = None) -> Located | None:
    """A Located for a scalar value node (its resolved value, its span, its key's span)."""
    if node is None:
        return None
    value = scalar(node) if isinstance(node, yaml.ScalarNode) else node
    return Located(value, node_span(doc, node), node_span(doc, key) if key is not None else None)


def value_span(doc: Document, node: yaml.Node) -> Span:
    """The span of a scalar's characters without its quotes (the text a fix replaces)."""
    span = node_span(doc, node)
    if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"') and span.end - span.start >= 2:
        return doc.span(span.start + 1, span.end - 1)
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        newline = doc.text.find("\n", span.start, span.end)  # past the `|-` header line
        return doc.span(span.end if newline == -1 else newline + 1, span.end)
    return span


def compose_nested(text: str) -> tuple[yaml.Node | None, str | None]:
    """Parse YAML held inside a value; (root node, None) or (None, what is wrong)."""
    from rtclint.parsers.yaml import _Loader

    try:
        return yaml.compose(text, Loader=_Loader), None
    except yaml.MarkedYAMLError as exc:
        return None, " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
    except (yaml.YAMLError, RecursionError) as exc:
        return None, str(exc)


SpanOf = Callable[[yaml.Node], Span]
