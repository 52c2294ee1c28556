"""LiveKit's `key_file`: a YAML map of API key → secret, which livekit-server decodes into
its `keys` map at start-up (`createKeyProvider`, over the config's own `keys`). The file
is found where the container mounts it — a ConfigMap/Secret key (parsers/kube_data) or a
Compose bind mount, `configs:` or `secrets:` entry (parsers/compose_links) — and
`model.linking` gives its entries to the LiveKit config that names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rtclint.document import Span
from rtclint.model import Located
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml_values import compose_nested

# Every line blank, a comment or `key: value` on one line (a flow map `{k: v}` is rare enough
# to stay unknown).
_LINES = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n|[ \t]*[^\s:#][^\n:]*:[ \t]+\S[^\n]*(?:\n|$))*")


def entries(text: str, span_of: Callable[[yaml.Node], Span]) -> dict[str, Located] | None:
    """key → secret (value span on the secret, key span on the key) when `text` is a flat
    map of scalars; None for anything else (it is not a key file, or LiveKit would not
    start with it: either way the keys stay unknown)."""
    if not _LINES.fullmatch(text):  # a cheap look first: ConfigMaps hold big nginx confs too
        return None
    root, _error = compose_nested(text)
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return None
    found = {}
    for name, value in root.value:
        if not isinstance(name, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            return None
        # a YAML-typed secret (`k: 12345`) reaches LiveKit as its text, as in `keys:`
        found[str(name.value)] = Located(value.value, span_of(value), span_of(name))
    return found
