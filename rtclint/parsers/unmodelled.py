"""Configs rtclint recognises but cannot model: Apache httpd, lighttpd, Lua scripts run by
HAProxy or OpenResty, Caddy's JSON config, Envoy, Dendrite (`discover.foreign_config` says
which). Nothing of them enters the model; the file is kept, marked, so that RTC004 can
name it and a tree made of them never reads as an all-clear."""

from __future__ import annotations

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree

SUBKIND = "unmodelled"


def read(doc: Document, tree: Tree) -> FileFacts:
    return FileFacts(doc.path, subkind=SUBKIND)
