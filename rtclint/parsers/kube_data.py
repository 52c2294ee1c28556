"""ConfigMap and Secret objects: their keys as the kubelet hands them to a pod.

A key is what a pod gets as an environment variable (`envFrom`, `valueFrom.*KeyRef`) or as
a file (a `configMap`/`secret` volume). Both reduce to a holder `Service` (source
'k8s-configmap' / 'k8s-secret', role 'other') whose env holds every key with its value and
span: `model.linking` copies them into the containers that reference them. A key whose
text is a client/server well-known (ConfigMap) or a LiveKit config becomes that fact, with
spans inside the manifest, so a finding points at its line.

A Secret's `data` is base64 (the API server decodes it; an undecodable value is rejected
there, so it stays unknown here): its decoded value is kept, but spans cover the base64
text, which is what output masks. `stringData` is plain text and wins over `data` for the
same key, as the API server merges them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from rtclint.document import Document
from rtclint.model import EnvVar, FileFacts, Service
from rtclint.model.wellknown import RTC_FOCI_KEY
from rtclint.parsers import kube_homeserver, livekit_key_file, yaml_livekit
from rtclint.parsers.pyyaml import yaml
from rtclint.parsers.yaml import classify, mapping_get, mapping_items, node_span
from rtclint.parsers.yaml_values import compose_nested, embedded, value_span

# What a key may be called to be an environment variable through envFrom (kubelet skips
# others with an event); kept strict as before, the names the services read are all upper.
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def configmap(doc: Document, node: yaml.Node, name: str, namespace: str, facts: FileFacts) -> None:
    holder = _holder(doc, node, "configmap", name, namespace)
    for key, key_node, value in mapping_items(mapping_get(node, "data")[1]):
        if not isinstance(value, yaml.ScalarNode) or not isinstance(value.value, str):
            continue
        holder.facts["keys"].append(key)
        _plain_key(doc, holder, key, key_node, value)
        before = _homeserver_count(facts)
        _key_content(doc, key, value, {"configmap": name, "namespace": namespace, "key": key},
                     "configmap", facts, well_knowns=True)
        _note_homeserver(holder, key, before, facts)
        _remember_key_map(holder, key, value.value, embedded(doc, value).node_span)
    if holder.facts["keys"]:
        facts.services.append(holder)


def secret(doc: Document, node: yaml.Node, name: str, namespace: str, facts: FileFacts) -> None:
    holder = _holder(doc, node, "secret", name, namespace)
    encoded = {}  # key -> span of its base64 value
    for key, key_node, value in mapping_items(mapping_get(node, "data")[1]):
        decoded = _b64(value)
        if decoded is None:
            continue
        span = value_span(doc, value)
        holder.facts["keys"].append(key)
        holder.env[key] = EnvVar(key, decoded, doc.span(key_node.start_mark.index, value.end_mark.index),
                                 value_span=span, name_span=node_span(doc, key_node), from_secret=True)
        encoded[key] = span
        _remember_key_map(holder, key, decoded, lambda _n, s=span: s)
        if kube_homeserver.from_base64(doc, key, decoded, span, facts):
            holder.facts.setdefault("homeserver_keys", {})[key] = span
            continue
        if "\n" in decoded or key.endswith((".yaml", ".yml")):
            root, _error = compose_nested(decoded)
            if isinstance(root, yaml.MappingNode) and classify(root, _NamedDoc(key)) == "livekit":
                cfg = yaml_livekit.build(doc.path, root, lambda _n, s=span: s, span, origin="secret")
                cfg.facts.update({"secret": name, "namespace": namespace, "key": key, "base64": True})
                facts.livekit.append(cfg)
    for key, key_node, value in mapping_items(mapping_get(node, "stringData")[1]):
        if not isinstance(value, yaml.ScalarNode) or not isinstance(value.value, str):
            continue
        if key not in holder.facts["keys"]:
            holder.facts["keys"].append(key)
        _plain_key(doc, holder, key, key_node, value)
        holder.env[key].from_secret = True
        facts.livekit[:] = [c for c in facts.livekit if not (c.facts.get("secret") == name and c.facts.get("key") == key
                                                             and c.facts.get("namespace") == namespace)]
        if key in encoded:
            kube_homeserver.forget(facts, encoded[key])
            holder.facts.get("homeserver_keys", {}).pop(key, None)
        before = _homeserver_count(facts)
        _key_content(doc, key, value, {"secret": name, "namespace": namespace, "key": key}, "secret", facts)
        _note_homeserver(holder, key, before, facts)
        _remember_key_map(holder, key, value.value, embedded(doc, value).node_span)
    if holder.facts["keys"]:
        facts.services.append(holder)


def _holder(doc: Document, node: yaml.Node, kind: str, name: str, namespace: str) -> Service:
    return Service(name=f"{kind}/{name}", role="other", source=f"k8s-{kind}", span=node_span(doc, node),
                   group=namespace or doc.path, facts={kind: name, "namespace": namespace, "keys": []})


def _homeserver_count(facts: FileFacts) -> tuple[int, int]:
    return len(facts.synapse), len(facts.toml_homeservers)


def _note_homeserver(holder: Service, key: str, before: tuple[int, int], facts: FileFacts) -> None:
    """A key read as a homeserver config: remember the span its config records (the key's
    value), so `model.linking_homeserver` finds the config of the key a pod mounts."""
    added = facts.synapse[before[0]:] + facts.toml_homeservers[before[1]:]
    if added:
        holder.facts.setdefault("homeserver_keys", {})[key] = added[0].span


def _plain_key(doc: Document, holder: Service, key: str, key_node: yaml.Node, value: yaml.ScalarNode) -> None:
    holder.env[key] = EnvVar(key, value.value, doc.span(key_node.start_mark.index, value.end_mark.index),
                             value_span=value_span(doc, value), name_span=node_span(doc, key_node))


def env_keys(holder: Service) -> dict[str, EnvVar]:
    """The keys `envFrom` turns into variables (the others are skipped by the kubelet)."""
    return {k: v for k, v in holder.env.items() if _ENV_NAME.match(k)}


def _b64(value: yaml.Node | None) -> str | None:
    if not isinstance(value, yaml.ScalarNode) or not isinstance(value.value, str):
        return None
    try:
        return base64.b64decode("".join(value.value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _key_content(doc: Document, key: str, value: yaml.ScalarNode, where: dict, origin: str, facts: FileFacts,
                 well_knowns: bool = False) -> None:
    """A key holding a well-known JSON or a LiveKit config: that fact, spans inside the scalar."""
    text = value.value
    emb = embedded(doc, value)
    which = _well_known_kind(key, text) if well_knowns else None
    if which is not None:
        from rtclint.model.proxy import Respond  # a ConfigMap serving a well-known: few trees
        from rtclint.model.wellknown import WellKnown

        span = emb.span(0, len(text))
        respond = Respond(200, text, body_span=span, body_map=list(emb.offsets))
        facts.well_knowns.append(WellKnown(which=which, body=text, span=span, source="configmap",
                                           respond=respond, facts=where))
        return
    if kube_homeserver.from_text(doc, key, value, facts):
        return
    if not key.endswith((".yaml", ".yml")) and "\n" not in text:
        return
    root, _error = compose_nested(text)
    if isinstance(root, yaml.MappingNode) and classify(root, _NamedDoc(key)) == "livekit":
        cfg = yaml_livekit.build(doc.path, root, emb.node_span, node_span(doc, value), origin=origin)
        cfg.facts.update(where)
        facts.livekit.append(cfg)


def _remember_key_map(holder: Service, key: str, text: str, span_of) -> None:
    """A key whose text is a LiveKit key file: its entries, for `model.linking` to give
    the LiveKit pod that mounts the key as its `key_file`."""
    maps = holder.facts.setdefault("key_maps", {})
    maps.pop(key, None)  # `stringData` replaces `data`'s key
    found = livekit_key_file.entries(text, span_of)
    if found is not None:
        maps[key] = found


class _NamedDoc:
    """What `classify` needs of a document: its name (the ConfigMap key)."""

    def __init__(self, name: str) -> None:
        self.path = name


def _well_known_kind(key: str, text: str) -> str | None:
    if key in ("client", "server"):
        return key
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return "client" if ("m.homeserver" in stripped or RTC_FOCI_KEY in stripped) else None
    if isinstance(value, dict) and ("m.homeserver" in value or RTC_FOCI_KEY in value):
        return "client"
    if isinstance(value, dict) and "m.server" in value:
        return "server"
    return None
