"""YAML files: load once with PyYAML's C composer (nodes with exact marks), decide what
each document is, and hand it to the reader for that kind.

Kinds: compose, k8s (any manifest with apiVersion/kind), ess (matrix-stack values),
livekit (livekit.yaml), synapse (homeserver.yaml or a conf.d fragment). YAML that is
none of these is skipped quietly; Helm/Jinja templates are recognised and never
reported as broken.
"""

from __future__ import annotations

import importlib
import re

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree, parse_error
from rtclint.parsers.pyyaml import yaml

# libyaml's C loader; the pure-Python one only where PyYAML was built without it
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CParser = yaml.cyaml.CParser if _BaseLoader is not yaml.SafeLoader else None
_MappingNode = yaml.MappingNode  # module names: the loader and the helpers run for every node
_ScalarNode = yaml.ScalarNode
_STR_TAG = _BaseLoader.DEFAULT_SCALAR_TAG  # "tag:yaml.org,2002:str"
_MAP_TAG = _BaseLoader.DEFAULT_MAPPING_TAG
_SEQ_TAG = _BaseLoader.DEFAULT_SEQUENCE_TAG
_PLAIN_TAGS: dict[str, str] = {}  # plain scalar text -> its implicit tag, shared by every load
_PLAIN_TAGS_MAX = 100_000


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with its tag resolution memoised.

    Even with libyaml, PyYAML resolves every scalar's tag in Python: a list concatenation
    and up to six regular expressions per plain scalar, a quarter of reading a YAML tree.
    Plain scalars repeat (keys, images, ports), so their tag is looked up by text first.
    The safe loader has no path resolvers, so the descend/ascend hooks do nothing."""

    def resolve(self, kind, value, implicit):
        # Called for every node: scalars first, a subscript (no method call) for the
        # memo, module constants for the default tags (no attribute lookups).
        if kind is _ScalarNode:
            if not implicit[0]:  # quoted or tagged: never an implicit int/bool/…
                return _STR_TAG
            try:
                return _PLAIN_TAGS[value]
            except KeyError:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
                return tag
        # no path resolvers: collections get the default tag
        return _MAP_TAG if kind is _MappingNode else _SEQ_TAG

    if _CParser is not None:
        def __init__(self, stream):
            # The parser alone: the constructor's and the resolver's per-instance state
            # (object tables, path-resolver stacks) serve building Python objects, which
            # composing never does (their __init__s were a twentieth of composing).
            _CParser.__init__(self, stream)

    # No path resolvers, so the hooks composing calls around every node do nothing: C
    # callables that take their arguments, not Python methods (a frame per call, twice
    # a node). Types, so they are not bound to the loader.
    descend_resolver = slice  # (node, index) -> an unused slice
    ascend_resolver = tuple  # () -> the empty tuple

# kind -> reader module; each exposes read(doc, nodes, tree, facts) for its documents.
READERS = {
    "compose": "rtclint.parsers.yaml_compose",
    "k8s": "rtclint.parsers.yaml_kube",
    "ess": "rtclint.parsers.yaml_ess",
    "livekit": "rtclint.parsers.yaml_livekit",
    "synapse": "rtclint.parsers.yaml_synapse",
    "traefik": "rtclint.parsers.yaml_traefik",
    "traefik-static": "rtclint.parsers.traefik_static",
}

_TEMPLATE = re.compile(r"\{\{-?\s*[\w.$(\"'|/ ]|\{%-?\s*\w")

COMPOSE_KEYS = {"services"}
LIVEKIT_KEYS = {"keys", "key_file", "rtc", "turn", "port", "bind_addresses", "redis", "webhook", "room"}
SYNAPSE_KEYS = {"server_name", "listeners", "database", "experimental_features", "matrix_rtc",
                "max_event_delay_duration", "rc_message", "rc_delayed_event_mgmt", "public_baseurl",
                "report_stats", "signing_key_path", "app_service_config_files", "enable_registration",
                "extra_well_known_client_content", "serve_server_wellknown", "media_store_path"}
ESS_KEYS = {"serverName", "matrixRTC", "wellKnownDelegation", "synapse", "elementWeb", "matrixAuthenticationService",
            "ingress", "certManager", "global", "elementAdmin", "haproxy", "postgres", "hookshot"}


def is_templated(text: str) -> bool:
    return bool(_TEMPLATE.search(text))


# Loads for another file's reader, by document: a Compose file's read loads the
# livekit.yaml and homeserver.yaml it mounts (to see whether they are read on their own),
# and the files' own reads follow soon after and take them out. Keyed by the document and
# its text (an edited buffer in the language server is a new text); the entries hold
# them, so no id is reused.
_RECENT: dict[int, tuple[Document, str, tuple]] = {}
_RECENT_MAX = 16


def load_nodes(doc: Document) -> tuple[list[yaml.Node], FileFacts | None]:
    """All documents' root nodes, or an RTC001 FileFacts for broken YAML. Never builds
    Python objects from tags (`!!python/object` stays an inert node). The nodes are
    shared by the readers of the same document: never change them."""
    hit = _RECENT.get(id(doc))
    if hit is not None and hit[0] is doc and hit[1] is doc.text:
        return hit[2]
    result = _compose(doc)
    if len(_RECENT) >= _RECENT_MAX:
        del _RECENT[next(iter(_RECENT))]  # the oldest
    _RECENT[id(doc)] = (doc, doc.text, result)
    return result


def _own_nodes(doc: Document) -> tuple[list[yaml.Node], FileFacts | None]:
    """`load_nodes` for the file's own read, which is the last to ask: its nodes leave
    the cache (or never enter it) and are freed as soon as the file is read. Fewer trees
    alive means the next file's nodes reuse memory still in the CPU's cache: composing
    the bench's 120 Kubernetes files with the last 16 trees alive cost a quarter more."""
    hit = _RECENT.pop(id(doc), None)
    if hit is not None and hit[0] is doc and hit[1] is doc.text:
        return hit[2]
    return _compose(doc)


def _compose(doc: Document) -> tuple[list[yaml.Node], FileFacts | None]:
    try:
        loader = _Loader(doc.text)  # yaml.compose_all without its generator
        nodes = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                nodes.append(node)
        return nodes, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = doc.offset(mark.line + 1, mark.column + 1) if mark else 0
        what = " ".join(x for x in (exc.context, exc.problem) if x) or "invalid YAML"
        return [], FileFacts(doc.path, diagnostics=[parse_error(doc, offset, f"YAML: {what}")])
    except (yaml.YAMLError, RecursionError) as exc:
        return [], FileFacts(doc.path, diagnostics=[parse_error(doc, 0, f"YAML: {exc}")])


# The first key of a manifest -> the second, for classify's fast path (a collection key's
# value is a list, which never equals these strings).
_MANIFEST_HEAD = {"apiVersion": "kind", "kind": "apiVersion"}


def classify(node: yaml.Node, doc: Document) -> str | None:
    """What one YAML document is, from its top-level keys (the file name only breaks ties)."""
    if not isinstance(node, yaml.MappingNode):
        return None
    items = node.value
    if (len(items) >= 2 and isinstance(items[0][0], _ScalarNode)
            and _MANIFEST_HEAD.get(items[0][0].value) == items[1][0].value):
        return "k8s"  # most manifests begin `apiVersion:`, `kind:`: no set of every key built
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    name = doc.path.rsplit("/", 1)[-1].lower()
    if ("apiVersion" in keys and "kind" in keys) or name in ("kustomization.yaml", "kustomization.yml", "kustomization"):
        return "k8s"
    if "services" in keys and _services_look_like_compose(node):
        return "compose"
    if "http" in keys and _http_looks_like_traefik(node):
        return "traefik"
    if _traefik_static(keys):
        return "traefik-static"
    if keys & ESS_KEYS and ("serverName" in keys or "matrixRTC" in keys or "wellKnownDelegation" in keys):
        return "ess"
    synapse_hits = len(keys & SYNAPSE_KEYS)
    livekit_hits = len(keys & LIVEKIT_KEYS)
    if "homeserver" in name and synapse_hits:
        return "synapse"
    if "livekit" in name and livekit_hits:
        return "livekit"
    if "server_name" in keys or synapse_hits >= 2 or ({"experimental_features", "matrix_rtc"} & keys):
        return "synapse"
    if livekit_hits >= 2 and ("keys" in keys or "rtc" in keys or "key_file" in keys):
        return "livekit"
    return None


def _http_looks_like_traefik(node: yaml.MappingNode) -> bool:
    """Traefik's dynamic configuration: an `http` mapping with routers, services or
    middlewares (Traefik reads its keys case-insensitively)."""
    http = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value.lower() == "http"), None)
    return isinstance(http, yaml.MappingNode) and any(
        isinstance(k, yaml.ScalarNode) and k.value.lower() in ("routers", "services", "middlewares")
        for k, _ in http.value)


def _traefik_static(keys: set[str]) -> bool:
    """Traefik's static configuration: entry points beside providers, api, log…"""
    lower = {k.lower() for k in keys}
    return "entrypoints" in lower and bool(lower & {"providers", "api", "certificatesresolvers", "log", "ping"})


def _services_look_like_compose(node: yaml.MappingNode) -> bool:
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "services":
            return isinstance(v, yaml.MappingNode)
    return False


def read(doc: Document, tree: Tree) -> FileFacts:
    templated = is_templated(doc.text)
    nodes, broken = _own_nodes(doc)
    if broken is not None:
        if templated:  # a Helm template is not YAML until rendered: not our error
            return FileFacts(doc.path, templated=True)
        return broken
    facts = FileFacts(doc.path, templated=templated)
    by_kind: dict[str, list[yaml.Node]] = {}
    for node in nodes:
        kind = classify(node, doc)
        if kind is not None:
            by_kind.setdefault(kind, []).append(node)
    for kind, kind_nodes in by_kind.items():
        facts.subkind = facts.subkind or kind
        importlib.import_module(READERS[kind]).read(doc, kind_nodes, tree, facts)
    return facts


# -- helpers the readers share ---------------------------------------------------------


def node_span(doc: Document, node: yaml.Node):
    """The span of a node's text (marks are character offsets into doc.text)."""
    return doc.span(node.start_mark.index, node.end_mark.index)  # doc: a Document, or a text mapped into one


def mapping_get(node: yaml.Node, key: str) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) for `key` in a mapping node; (None, None) when absent."""
    if isinstance(node, _MappingNode):
        for k, v in node.value:
            # the text first: a collection key's value is a list, never equal to a string
            if k.value == key and isinstance(k, _ScalarNode):
                return k, v
    return None, None


def mapping_items(node: yaml.Node):
    """(key string, key node, value node) for each scalar key of a mapping node."""
    if isinstance(node, _MappingNode):
        for k, v in node.value:
            if isinstance(k, _ScalarNode):
                yield k.value, k, v


def scalar(node: yaml.Node | None):
    """A scalar node's value, resolved like YAML 1.1 would (int, float, bool, null, str)."""
    if not isinstance(node, _ScalarNode):
        return None
    if node.tag == _STR_TAG:  # most scalars: the text as it is
        return node.value
    if node.tag.endswith(":int"):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return node.value
    if node.tag.endswith(":float"):
        try:
            return float(node.value)
        except ValueError:
            return node.value
    if node.tag.endswith(":bool"):
        return node.value.lower() in ("true", "yes", "on", "y")
    if node.tag.endswith(":null"):
        return None
    return node.value
