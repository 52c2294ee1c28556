"""Synapse's appservice registrations (`app_service_config_files`) as RTC511 needs them.

The registration files are not call configs of their own, so no reader models them: this
module finds each listed file in the tree (the Synapse container's mount of that path,
else the one tree file of that name) and reads its top-level keys with their spans.
A file that is not in the tree, or does not parse, is None: unknown, not wrong.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from rtclint.document import Document, Span

PREFIX_KEY = "io.element.msc4512.proxy_prefix"
URL_KEY = "io.element.msc4512.proxy_url"
SCOPES_KEY = "io.element.msc4502.scopes"
BARE_KEYS = ("proxy_prefix", "proxy_url", "scopes")  # the lk-jwt README's example: ignored by Synapse


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Registration:
    """An appservice registration file's values and where each is set."""

    path: str
    values: dict
    spans: dict[str, Span] = field(default_factory=dict)  # top-level key -> its key span
    whole: Span | None = None

    def span(self, key: str) -> Span:
        return self.spans.get(key) or self.whole

    @property
    def is_rtc(self) -> bool:
        """Written for lk-jwt-service: it claims a proxy prefix, spelled right or not."""
        return any(k in self.values for k in (PREFIX_KEY, URL_KEY, "proxy_prefix", "proxy_url"))


def find_registration(deployment, synapse_path: str, listed: str) -> Registration | None:
    """The registration file Synapse reads for `listed` (a path as written in its config)."""
    doc = _document(deployment, synapse_path, listed)
    return read(doc) if doc is not None else None


def _document(deployment, synapse_path: str, listed: str) -> Document | None:
    documents = deployment.documents
    target = posixpath.normpath(listed)
    for svc in deployment.services:
        if svc.role != "synapse":
            continue
        for mount in svc.mounts:
            if mount.resolved and posixpath.normpath(mount.target) == target and mount.resolved in documents:
                return documents[mount.resolved]
    if not listed.startswith("/"):  # relative to where Synapse runs: commonly the config's folder
        beside = posixpath.normpath(posixpath.join(posixpath.dirname(synapse_path), listed))
        if beside in documents:
            return documents[beside]
    same_name = [p for p in documents if posixpath.basename(p) == posixpath.basename(target) and p != synapse_path]
    return documents[same_name[0]] if len(same_name) == 1 else None


def read(doc: Document) -> Registration | None:
    import yaml  # PyYAML, only when a tree has an appservice registration to read

    try:
        root = yaml.compose(doc.text)
        values = yaml.safe_load(doc.text)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(root, yaml.MappingNode) or not isinstance(values, dict):
        return None
    reg = Registration(doc.path, values, whole=Span(doc.path, 0, 0))
    for key, _ in root.value:
        if isinstance(key, yaml.ScalarNode):
            start = doc.offset(key.start_mark.line + 1, key.start_mark.column + 1)
            reg.spans[key.value] = Span(doc.path, start, start + len(key.value))
    return reg
