"""livekit.yaml (and the same YAML held in `LIVEKIT_CONFIG` or a ConfigMap) → LiveKitConfig.

Only the settings the rules need are kept, each with the span it is written at: `port`,
`rtc.*` (ports, `use_external_ip`, `node_ip`), `keys` (span on each secret, the key name
on `key_span`), `key_file`, `webhook.api_key`/`urls`, `turn.*`, `room.auto_create` and `development`.
Defaults are LiveKit's own (pkg/config DefaultConfig; rtcconfig.Validate), applied by
the rules, never written into the facts.
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model import FileFacts, Located
from rtclint.parsers.base import Tree
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import mapping_get, mapping_items, node_span, scalar
from rtclint.parsers.yaml_values import SpanOf

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.model.configs import LiveKitConfig

RTC_KEYS = ("tcp_port", "udp_port", "port_range_start", "port_range_end", "use_external_ip", "node_ip")
TURN_KEYS = ("enabled", "udp_port", "tls_port", "relay_range_start", "relay_range_end", "external_tls", "domain")


def read(doc: Document, nodes: list[yaml.Node], tree: Tree, facts: FileFacts) -> None:
    for node in nodes:
        facts.livekit.append(build(doc.path, node, lambda n: node_span(doc, n), node_span(doc, node), origin="file"))


def build(path: str, root: yaml.Node, span_of: SpanOf, whole: Span, origin: str) -> "LiveKitConfig":
    """A LiveKitConfig from a YAML mapping; `span_of` turns a node into its source span
    (plain for a file, mapped through the outer scalar for embedded YAML)."""

    def loc(node: yaml.Node | None, key: yaml.Node | None = None) -> Located | None:
        if node is None:
            return None
        value = scalar(node) if isinstance(node, yaml.ScalarNode) else None
        return Located(value, span_of(node), span_of(key) if key is not None else None)

    from rtclint.model.configs import LiveKitConfig  # a tree with a LiveKit config

    cfg = LiveKitConfig(path=path, span=whole, raw=None, facts={"origin": origin})
    # every key written, two levels deep, for the strict-parsing rule (RTC410)
    cfg.facts["written_keys"] = [((name,), span_of(key)) for name, key, _ in mapping_items(root)] + [
        ((name, sub), span_of(subkey)) for name, _, node in mapping_items(root)
        if isinstance(node, yaml.MappingNode) for sub, subkey, _ in mapping_items(node)]
    key, node = mapping_get(root, "port")
    cfg.port = loc(node, key)
    rtc_key, rtc = mapping_get(root, "rtc")
    if rtc_key is not None:
        cfg.facts["rtc_span"] = span_of(rtc_key)
    for name, key, node in mapping_items(rtc):
        if name in RTC_KEYS:
            cfg.rtc[name] = loc(node, key)
    keys_key, keys = mapping_get(root, "keys")
    if keys_key is not None:
        cfg.facts["keys_span"] = span_of(keys_key)
    for name, key, node in mapping_items(keys):
        cfg.keys[name] = loc(node, key) if isinstance(node, yaml.ScalarNode) else Located(None, span_of(node), span_of(key))
        # A YAML-typed secret (`k: 12345`, `k: true`) reaches LiveKit as its text.
        if isinstance(node, yaml.ScalarNode):
            cfg.keys[name].value = node.value
    key, node = mapping_get(root, "key_file")
    cfg.key_file = loc(node, key)
    hook_key, hook = mapping_get(root, "webhook")
    key, node = mapping_get(hook, "api_key")
    cfg.webhook_api_key = loc(node, key)
    _, urls = mapping_get(hook, "urls")
    if isinstance(urls, yaml.SequenceNode):
        cfg.facts["webhook_urls"] = [scalar(u) for u in urls.value if isinstance(u, yaml.ScalarNode)]
    if hook_key is not None:
        cfg.facts["webhook_span"] = span_of(hook_key)
    turn_key, turn = mapping_get(root, "turn")
    if turn_key is not None:
        cfg.facts["turn_span"] = span_of(turn_key)
    for name, key, node in mapping_items(turn):
        if name in TURN_KEYS:
            cfg.turn[name] = loc(node, key)
    key, node = mapping_get(root, "development")
    if node is not None:
        cfg.facts["development"] = scalar(node) is True
    room_key, room = mapping_get(root, "room")
    if room_key is not None:
        cfg.facts["room_span"] = span_of(room_key)
    key, node = mapping_get(room, "auto_create")
    if key is not None:
        cfg.facts["room_auto_create"] = loc(node, key)
    return cfg
