"""Configs rtclint recognises but cannot model: Apache httpd, lighttpd, Lua scripts run by
HAProxy or OpenResty, Caddy's JSON config, Envoy, Dendrite (`sniff.foreign_config` says
which). Nothing of them enters the model; the file is kept, marked, so that RTC004 can
name it and a tree made of them never reads as an all-clear.

A matrix-docker-ansible-deploy `vars.yml` is read as the configs the playbook writes from
it (parsers/playbook_vars.py) when rtclint can tell what those are; else it stays here."""

from __future__ import annotations

import os

from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers.base import Tree

SUBKIND = "unmodelled"


def read(doc: Document, tree: Tree) -> FileFacts:
    if os.path.basename(doc.path).lower() in ("vars.yml", "vars.yaml"):
        from rtclint.parsers import playbook_vars

        facts = playbook_vars.read(doc)
        if facts is not None:
            return facts
    return FileFacts(doc.path, subkind=SUBKIND)
