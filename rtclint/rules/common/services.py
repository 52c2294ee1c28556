"""Helpers the service rules (RTC3xx, RTC4xx, RTC6xx Kubernetes, RTC9xx) share: secret
masking, placeholder detection, and minimal text edits on environment entries."""

from __future__ import annotations

import re

from rtclint.diagnostics import Edit
from rtclint.document import Span

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model import Deployment, EnvVar

# RULES.md RTC901: values guides and examples leave for the user to replace.
PLACEHOLDER_WORDS = {"changeme", "change_me", "change-me", "secret", "devkey"}
_PLACEHOLDER_SHAPES = (
    re.compile(r"^\(.*\)$"),  # (livekit_api_secret)
    re.compile(r"^<.*>$"),  # <your secret>
)
# `${VAR}` stays literal in livekit.yaml and Kubernetes manifests (Kubernetes expands
# only `$(VAR)`, from the container's other variables: not a placeholder).
_UNEXPANDED = re.compile(r"\$\{[^}]*\}")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def mask(value: str) -> str:
    """How a secret appears in messages: never its characters, only its length."""
    return f"**** ({len(value)} characters)"


def placeholder_kind(value: str, expands_variables: bool) -> str | None:
    """Why `value` is a placeholder, or None. `expands_variables`: the file's program
    replaces `${VAR}` itself (Compose, env files), so `${VAR}` is not left unexpanded."""
    text = value.strip()
    if not text:
        return None
    if text.lower() in PLACEHOLDER_WORDS:  # never echo the value: it may be a secret
        return "a well-known placeholder (LiveKit's public dev credentials or `changeme`)"
    for shape in _PLACEHOLDER_SHAPES:
        if shape.match(text):
            return "a placeholder in brackets"
    if not expands_variables and _UNEXPANDED.search(text):
        return "an unexpanded variable"
    return None


def interpolated(value: str | None) -> bool:
    """True when Compose replaces part of the value from the environment/.env."""
    return bool(value) and bool(_INTERPOLATION.search(value or ""))


def doc_text(dep: "Deployment", span: Span, default: str = "") -> str:
    doc = dep.documents.get(span.path)
    return doc.text[span.start : span.end] if doc is not None else default


def env_style(dep: "Deployment", var: "EnvVar") -> str:
    """'assign' for `NAME=value` (Compose list items, env files), 'yaml' when the value
    is a YAML scalar of its own (Compose map, Kubernetes `value:`)."""
    doc = dep.documents.get(var.span.path)
    if doc is None or var.name_span is None:
        return "assign"
    after = doc.text[var.name_span.end : var.name_span.end + 1]
    return "assign" if after == "=" else "yaml"


def yaml_scalar_text(dep: "Deployment", var: "EnvVar", value: str) -> str:
    """`value` as the replacement for the variable's value text: quoted when it is a
    YAML scalar written without quotes and the new text needs them (`:8080`)."""
    if env_style(dep, var) == "assign" or var.value_span is None:
        return value
    doc = dep.documents[var.value_span.path]
    before = doc.text[var.value_span.start - 1 : var.value_span.start] if var.value_span.start else ""
    if before in ("'", '"'):
        return value
    if re.match(r"^[A-Za-z0-9_./-][^:#]*$", value) and not value.isdecimal():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rename_edits(dep: "Deployment", var: "EnvVar", new_name: str, new_value: str | None = None) -> tuple[Edit, ...] | None:
    """Edits that rename an environment entry (and optionally change its value), in place.
    None when the entry's text is not what the model says (no blind edits)."""
    if var.name_span is None or doc_text(dep, var.name_span) != var.name:
        return None
    edits = [Edit(var.name_span, new_name)]
    if new_value is not None:
        if var.value_span is None or var.interpolated_from or var.value_span.path != var.name_span.path:
            return None  # the value comes from the project .env, which others may share
        edits.append(Edit(var.value_span, yaml_scalar_text(dep, var, new_value)))
    return tuple(edits)
