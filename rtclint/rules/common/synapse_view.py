"""Synapse as the rules see it: one `Homeserver` per server, built from its
homeserver.yaml plus the conf.d fragments Synapse merges into it, and the text edits
that change a Synapse YAML file without re-serialising it.

Synapse reads every config file with `yaml.safe_load` and merges them with
`dict.update` — a SHALLOW merge: a fragment's `experimental_features:` replaces the
whole section from homeserver.yaml (synapse/config/_base.py `read_config_files`). So
every setting has exactly one file that decides it, and that is where a fix must go.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from rtclint.diagnostics import Edit
from rtclint.document import Document, Span
from rtclint.model.wellknown import RTC_FOCI_KEY

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model import Deployment, Located, SynapseConfig
    from rtclint.rules.registry import RuleContext


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Homeserver:
    """One Synapse: `parts` in the order Synapse merges them (main config first)."""

    parts: list[SynapseConfig]
    main: SynapseConfig | None = None
    _owner: dict[str, SynapseConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for part in self.parts:  # later files win, per top-level key
            for key in part.keys:
                if "." not in key and "[" not in key:
                    self._owner[key] = part

    @property
    def first(self) -> SynapseConfig:
        return self.main or self.parts[0]

    def owner(self, top_key: str) -> SynapseConfig | None:
        """The file whose value of a top-level key Synapse ends up using."""
        return self._owner.get(top_key)

    def get(self, dotted: str) -> tuple[Located | None, SynapseConfig | None]:
        """The effective setting at a dotted path, and the file it is written in."""
        top = re.split(r"[.\[]", dotted, maxsplit=1)[0]
        part = self.owner(top)
        if part is None:
            return None, None
        return part.keys.get(dotted), part

    def value(self, dotted: str, default=None):
        located, _ = self.get(dotted)
        return default if located is None else located.value

    def flag(self, name: str) -> Located | None:
        located, _ = self.get(f"experimental_features.{name}")
        return located

    def flag_on(self, name: str) -> bool:
        located = self.flag(name)
        return located is not None and located.value is True

    @property
    def server_name(self) -> str | None:
        value = self.value("server_name")
        return str(value).lower().split(":")[0] if value else None

    def transports(self) -> list[Located]:
        part = self.owner("matrix_rtc")
        return list(part.transports) if part is not None else []

    def transport_urls(self) -> list[tuple[str, Span | None]]:
        urls = []
        part = self.owner("matrix_rtc")
        for index, entry in enumerate(self.transports()):
            if isinstance(entry.value, dict) and isinstance(entry.value.get("livekit_service_url"), str):
                located = part.keys.get(f"matrix_rtc.transports[{index}].livekit_service_url")
                urls.append((entry.value["livekit_service_url"], located.span if located else entry.span))
        return urls

    @property
    def mentions_calls(self) -> bool:
        return any(k in part.keys for part in self.parts for k in
                   ("matrix_rtc", "max_event_delay_duration", "rc_delayed_event_mgmt",
                    "experimental_features.msc4143_enabled", "experimental_features.msc4140_enabled"))


def homeservers(ctx: "RuleContext") -> list[Homeserver]:
    """The tree's homeservers, grouped once per run (see `group_homeservers`)."""
    return ctx.memo("homeservers", lambda: group_homeservers(ctx.deployment))


def group_homeservers(deployment: Deployment) -> list[Homeserver]:
    """Group the tree's Synapse configs: each main config (one with server_name) takes the
    fragments in its own directory or a direct subdirectory (conf.d), in file-name order;
    a fragment that belongs to no single main config stands alone."""
    mains = [c for c in deployment.synapse if not c.fragment]
    fragments = sorted((c for c in deployment.synapse if c.fragment), key=lambda c: c.path)
    by_main: dict[int, list[SynapseConfig]] = {id(m): [] for m in mains}
    alone: list[SynapseConfig] = []
    for frag in fragments:
        owners = [m for m in mains if _belongs(frag.path, m.path)]
        if len(owners) == 1:
            by_main[id(owners[0])].append(frag)
        else:
            alone.append(frag)
    found = [Homeserver([m, *by_main[id(m)]], main=m) for m in mains]
    found += [Homeserver([frag]) for frag in alone]
    return found


def _belongs(fragment: str, main: str) -> bool:
    frag_dir, main_dir = os.path.dirname(fragment), os.path.dirname(main)
    return frag_dir == main_dir or os.path.dirname(frag_dir) == main_dir


def calls_in_play(ctx: "RuleContext") -> bool:
    """Whether this tree sets up calls at all (else Synapse call settings are moot)."""
    deployment = ctx.deployment
    if deployment.livekit or deployment.ess or deployment.element_call:
        return True
    if any(s.role in ("jwt", "livekit") for s in deployment.services):
        return True
    if any(hs.mentions_calls for hs in homeservers(ctx)):
        return True
    return any(RTC_FOCI_KEY in wk.body for wk in deployment.well_knowns("client"))


# -- text edits on Synapse YAML ---------------------------------------------------------


def set_setting(doc: Document, cfg: SynapseConfig, section: str, key: str, value_text: str) -> list[Edit]:
    """Edits that make `section.key` (section '' = top level) equal `value_text` in the
    file `cfg`. A value already written is replaced where it stands; a new key or section
    is written by ruamel.yaml's round trip in the file's own style and applied as the
    minimal edits between the file and that dump (`rtclint.yaml_roundtrip`). [] when the
    round trip would touch lines the fix does not target: no fix is better than a
    reformatted file."""
    dotted = f"{section}.{key}" if section else key
    existing = cfg.keys.get(dotted)
    if existing is not None and existing.span is not None:
        return [Edit(_value_span(doc, existing), value_text)]
    from rtclint.yaml_roundtrip import set_value

    edits = set_value(doc.text, section, key, value_text)
    return [Edit(Span(doc.path, start, end), text) for start, end, text in edits or ()]


def append_at_end(doc: Document, block: str) -> Edit:
    """Append a top-level block, separated from the file's last line by a blank line."""
    nl = doc.newline
    text = doc.text
    lead = "" if not text else (nl if text.endswith("\n") else nl + nl)
    return Edit(Span(doc.path, len(text), len(text)), lead + block)


def merge_appends(edits: list[Edit]) -> list[Edit]:
    """Two insertions at the same offset become one (the fix engine drops overlaps)."""
    out: list[Edit] = []
    for edit in edits:
        if out and out[-1].span == edit.span and edit.span.start == edit.span.end:
            out[-1] = Edit(edit.span, out[-1].content + edit.content.lstrip("\r\n") if out[-1].content.endswith(
                "\n") else out[-1].content + edit.content)
        else:
            out.append(edit)
    return out


def _value_span(doc: Document, located: Located) -> Span:
    """The value's span without a trailing comment or line break (block scalars aside)."""
    span = located.span
    text = doc.text[span.start:span.end]
    stripped = text.rstrip()
    return Span(span.path, span.start, span.start + len(stripped))


def remove_key_lines(doc: Document, located: Located, mention: str | None = None) -> Edit:
    """Delete the lines of one `key: value` entry; also the comment lines just above it
    (same indentation) when they mention `mention` (e.g. 'MSC3266'), as they describe
    only this entry."""
    key_line = doc.line_col(located.key_span.start)[0]
    end = located.span.end if located.span is not None else located.key_span.end
    end_line, end_col = doc.line_col(end)
    if end_col == 1 and end_line > key_line:
        end_line -= 1
    indent = doc.line_text(key_line)[: len(doc.line_text(key_line)) - len(doc.line_text(key_line).lstrip())]
    first = key_line
    if mention:
        line = key_line - 1
        block: list[int] = []
        while line >= 1 and doc.line_text(line).startswith(indent + "#"):
            block.append(line)
            line -= 1
        if block and any(mention.lower() in doc.line_text(n).lower() for n in block):
            first = min(block)
    start = doc.offset(first, 1)
    stop = doc.offset(end_line + 1, 1) if end_line < doc.line_count else len(doc.text)
    if end_line >= doc.line_count:
        start = max(0, start - len(doc.newline)) if start > 0 else start
    return Edit(Span(doc.path, start, stop), "")
