"""One Kubernetes manifest file holding objects of several namespaces, seen one namespace at
a time (model/partition.py splits deployments by namespace; without this, such a file
stayed whole in its folder's deployment and its namespaces were checked as one).

A *view* is a copy of the file's facts keeping only what one namespace's objects gave. An
item's namespace is its own (`metadata.namespace`, as the readers record it); a fact that
records none (a homeserver config read from a ConfigMap key, a parse finding) belongs to
the object whose text holds it. What belongs to no namespace (objects written without
one, which go wherever they are applied) stays in the view named '' — the folder's own
deployment — so every fact of the file is in exactly one view.
"""

from __future__ import annotations

from dataclasses import replace

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.deployment import FileFacts

# FileFacts lists whose items are split; the others (includes, server names) stay whole in
# every view: they describe the file, not one object.
SPLIT = ("diagnostics", "sites", "services", "well_knowns", "livekit", "synapse", "toml_homeservers", "ess",
         "element_call", "kube_services", "firewalls")


def own_namespace(item) -> str | None:
    """The namespace an item records itself ('' for none written), None when it records
    nothing of the kind."""
    if hasattr(item, "namespace") and isinstance(getattr(item, "namespace"), str):  # KubeService
        return item.namespace
    facts = getattr(item, "facts", None)
    if isinstance(facts, dict) and "namespace" in facts:
        return facts["namespace"] if isinstance(facts["namespace"], str) else ""
    return None


def views(facts: "FileFacts") -> dict[str, "FileFacts"]:
    """namespace → the view of the file holding what that namespace's objects gave."""
    ranges = [(span.start, span.end, ns) for item in _items(facts)
              if (ns := own_namespace(item)) is not None and (span := _span(item)) is not None]
    out: dict[str, dict[str, list]] = {}
    for name in SPLIT:
        for item in getattr(facts, name, None) or ():
            ns = own_namespace(item)
            if ns is None:
                ns = _holding(ranges, _span(item), facts.path)
            out.setdefault(ns, {n: [] for n in SPLIT})[name].append(item)
    return {ns: replace(facts, **lists) for ns, lists in out.items()}


def _items(facts: "FileFacts"):
    for name in SPLIT:
        yield from getattr(facts, name, None) or ()


def _span(item):
    span = getattr(item, "span", None)
    return span if span is not None and hasattr(span, "start") else None


def _holding(ranges: list, span, path: str) -> str:
    """The namespace of the innermost object whose text holds `span`; '' when none does."""
    if span is None or getattr(span, "path", path) != path:
        return ""
    best = None
    for start, end, ns in ranges:
        if start <= span.start and span.end <= end and (best is None or end - start < best[1] - best[0]):
            best = (start, end, ns)
    return best[2] if best is not None else ""

