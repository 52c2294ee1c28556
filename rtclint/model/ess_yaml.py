"""Settings of ESS (matrix-stack) values files that the values reader does not keep,
read from the file's own YAML: the `matrixRTC` mappings, and the LiveKit key and secret.

The model reads these itself with PyYAML (never through rtclint's parsers, which import
the model): the nodes keep exact marks, so every value keeps its span. PyYAML is
imported on first use; by then the YAML reader has loaded it."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.document import Document
    from rtclint.model.deployment import Deployment


def ess_matrix_rtc_nodes(dep: "Deployment", ess) -> tuple[object, list]:
    """(document, `matrixRTC` mapping nodes) of an ESS values file, read from the file's
    own YAML, for the rules that need settings the values reader does not keep."""
    doc = dep.documents.get(ess.path)
    if doc is None:
        return None, []
    found = [_mapping_get(root, "matrixRTC")[1] for root in _root_nodes(doc)]
    return doc, [n for n in found if n is not None]


def ess_livekit_auth(dep: "Deployment", ess) -> list[tuple[str, str, object]]:
    """('key' | 'secret', value, span) for `matrixRTC.livekitAuth.key` and
    `.secret.value` in ESS values."""
    import yaml

    doc, rtc_nodes = ess_matrix_rtc_nodes(dep, ess)
    out = []
    for rtc in rtc_nodes:
        _, auth = _mapping_get(rtc, "livekitAuth")
        _, key = _mapping_get(auth, "key")
        if isinstance(key, yaml.ScalarNode) and key.value:
            out.append(("key", key.value, _node_span(doc, key)))
        _, secret = _mapping_get(auth, "secret")
        _, value = _mapping_get(secret, "value")
        if isinstance(value, yaml.ScalarNode) and value.value:
            out.append(("secret", value.value, _node_span(doc, value)))
    return out


def ess_exposed_ports(dep: "Deployment", ess) -> list:
    """`matrixRTC.sfu.exposedServices.<name>.port` of every document of an ESS values
    file, where it is an integer as YAML 1.1 resolves it."""
    _doc, rtc_nodes = ess_matrix_rtc_nodes(dep, ess)
    out = []
    for rtc in rtc_nodes:
        _, sfu = _mapping_get(rtc, "sfu")
        _, exposed = _mapping_get(sfu, "exposedServices")
        for conf in _mapping_values(exposed):
            port = _int_scalar(_mapping_get(conf, "port")[1])
            if port is not None:
                out.append(port)
    return out


def _mapping_values(node) -> list:
    """The values of a mapping node's scalar keys, in order."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return []
    return [v for k, v in node.value if isinstance(k, yaml.ScalarNode)]


def _int_scalar(node) -> int | None:
    """A scalar node's value when YAML 1.1 resolves it to an int, else None (`yes` is a
    bool, not a port)."""
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.tag.endswith(":int"):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


def _root_nodes(doc: "Document") -> list:
    """Every document's root node; none when the YAML is broken (the reader reports it).
    Tags build nothing: `!!python/object` stays an inert node."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [n for n in yaml.compose_all(doc.text, Loader=loader) if n is not None]
    except (yaml.YAMLError, RecursionError):
        return []


def _node_span(doc: "Document", node):
    """The span of a node's text (marks are character offsets into doc.text)."""
    return doc.span(node.start_mark.index, node.end_mark.index)


def _mapping_get(node, key: str) -> tuple:
    """(key node, value node) for `key` in a mapping node; (None, None) when absent."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None, None
