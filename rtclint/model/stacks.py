"""Cross-file links between services and their configuration, and the per-site pairing
of each lk-jwt-service with the LiveKit it mints tokens for: `link` lives in
model/linking.py, the pairing in model/pairing.py, the reading of ESS values' own YAML in
model/ess_yaml.py. This module keeps the version views and the secret masking, and
re-exports the others for the modules that import them from here.
"""

from __future__ import annotations

from rtclint.config import DEFAULT_TARGETS, version_tuple
from rtclint.model.ess_yaml import ess_exposed_ports, ess_livekit_auth, ess_matrix_rtc_nodes
from rtclint.model.linking import IMAGE_COMPONENTS, link
from rtclint.model.linking_kube import same_namespace
from rtclint.model.pairing import (
    PRIMARY_ORIGINS,
    LiveKitInstance,
    command_option,
    env,
    jwt_bind_port,
    jwt_key_secret,
    jwt_services,
    livekit_instances,
    paired_livekit,
)
from rtclint.model.services import Service

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.deployment import Deployment

__all__ = [
    "IMAGE_COMPONENTS", "PRIMARY_ORIGINS", "LiveKitInstance", "at_least", "command_option", "env",
    "ess_exposed_ports", "ess_livekit_auth", "ess_matrix_rtc_nodes", "jwt_bind_port", "jwt_key_secret",
    "jwt_services", "link", "livekit_instances", "mask_line", "mask_secrets", "paired_livekit", "same_namespace",
    "secret_spans", "service_target",
]


# -- views for the rules -------------------------------------------------------------


def service_target(dep: "Deployment", component: str, service: Service | None = None) -> tuple[int, ...]:
    """The version a rule checks `component` against: the service's own image tag when it
    names a version, else the deployment's target (config, or image tags in the tree);
    `()` means unknown (treated as newest by callers comparing with `>=`)."""
    if service is not None:  # asked for every service by several rules: the tag parsed once
        tag = service.image_tag
        if tag:
            version = version_tuple(tag)
            if version:
                return version
    return version_tuple(dep.targets.get(component) or DEFAULT_TARGETS.get(component, ""))


def at_least(version: tuple[int, ...], wanted: tuple[int, ...]) -> bool:
    """`version >= wanted`, an unknown version counting as the newest."""
    return not version or version >= wanted


SECRET_ENV = ("LIVEKIT_SECRET", "LIVEKIT_API_SECRET")


def secret_spans(dep: "Deployment") -> dict[str, list[tuple[int, int]]]:
    """path → (start, end) of every LiveKit secret written in the tree, so output that
    quotes source lines (the text report) can mask them."""
    cached = getattr(dep, "_secret_spans", None)
    if cached is not None:
        return cached
    found: dict[str, list[tuple[int, int]]] = {}

    def add(span) -> None:
        if span is not None and span.end > span.start:
            found.setdefault(span.path, []).append((span.start, span.end))

    for svc in dep.services:
        for name in SECRET_ENV:
            var = svc.env.get(name)
            if var is not None:
                add(var.value_span)
    for cfg in dep.livekit:
        for located in cfg.keys.values():
            add(located.span)
        if "keys_error" in cfg.facts and cfg.facts.get("env") is not None:
            add(cfg.facts["env"].value_span)  # unparsable LIVEKIT_KEYS: all of it
    for ess in dep.ess:
        for what, _value, span in ess_livekit_auth(dep, ess):
            if what == "secret":
                add(span)
    dep._secret_spans = found  # type: ignore[attr-defined]
    return found


def mask_line(dep: "Deployment", path: str, line_start: int, text: str) -> str:
    """`text` (the source line starting at offset `line_start`) with secrets as `*`."""
    spans = secret_spans(dep).get(path)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, line_start), min(end, line_start + len(text))):
            chars[i - line_start] = "*"
    return "".join(chars)


def mask_secrets(dep: "Deployment", text: str) -> str:
    """`text` (any output quoting source, e.g. a fix diff) with every LiveKit secret value
    found in the tree replaced by `*`: value-based, so it holds after edits moved them."""
    values = set()
    for path, spans in secret_spans(dep).items():
        doc = dep.documents.get(path)
        if doc is None:
            continue
        for start, end in spans:
            value = doc.text[start:end].strip().strip("'\"")
            if len(value) >= 6:
                values.add(value)
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, "*" * len(value))
    return text
