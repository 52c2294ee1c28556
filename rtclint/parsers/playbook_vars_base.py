"""The variables of a matrix-docker-ansible-deploy `vars.yml` as Ansible would use them.

Shared by the readers of what the playbook writes from them (parsers/playbook_vars.py:
Synapse and the client well-known; playbook_vars_rtc.py: LiveKit, lk-jwt-service and
the Traefik routes to them). A value is `UNKNOWN` when it is a Jinja expression or not
of the type the playbook needs: the readers then leave what depends on it unread."""

from __future__ import annotations

import json

from rtclint.document import Document, Span
from rtclint.parsers.yaml import mapping_items, scalar

UNKNOWN = object()


class Unreadable(Exception):
    """A value what the playbook writes depends on cannot be read exactly."""


def known(value):
    """`value`, or Unreadable when it is UNKNOWN."""
    if value is UNKNOWN:
        raise Unreadable
    return value


class Vars:
    """The top-level variables of vars.yml, their values and where each is written."""

    def __init__(self, doc: Document, root) -> None:
        from rtclint.parsers.pyyaml import yaml

        self.doc = doc
        self.nodes = {}
        for name, key, value in mapping_items(root):
            self.nodes[name] = (key, value)
        self._yaml = yaml

    def span(self, name: str) -> Span | None:
        if name not in self.nodes:
            return None
        key, value = self.nodes[name]
        return self.doc.span(key.start_mark.index, value.end_mark.index)

    def value(self, name: str, default):
        """The variable's value as Ansible would use it, `default` when unset, UNKNOWN
        when it is a template expression or anything but a plain scalar/literal."""
        if name not in self.nodes:
            return default
        node = self.nodes[name][1]
        if isinstance(node, self._yaml.ScalarNode):
            value = scalar(node)
            return UNKNOWN if isinstance(value, str) and ("{{" in value or "{%" in value) else value
        from rtclint.parsers.yaml_synapse import to_python

        data = to_python(node)
        return UNKNOWN if "{{" in json.dumps(data, default=str) else data

    def flag(self, name: str, default):
        value = self.value(name, default)
        return value if isinstance(value, bool) or value is UNKNOWN or value is None else UNKNOWN

    def text(self, name: str, default):
        value = self.value(name, default)
        return value if isinstance(value, str) or value is UNKNOWN else UNKNOWN

    def number(self, name: str, default):
        """An integer, or a string of digits (`"7882"`: Ansible's `| int` reads it)."""
        value = self.value(name, default)
        if isinstance(value, str) and value.strip().isdecimal():
            return int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else UNKNOWN

    def where(self, *names: str) -> Span:
        """The span of the first written variable among `names`, else of `matrix_domain`."""
        for name in (*names, "matrix_domain"):
            span = self.span(name)
            if span is not None:
                return span
        return self.doc.span(0, 0)
