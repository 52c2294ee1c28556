"""Synapse's `matrix_rtc.transports` entries as the transport rules (RTC112, RTC307,
RTC512) read them: each livekit entry with its `url` and `livekit_service_url`
settings where they are written, and the line insertion that adds a setting to an entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtclint.diagnostics import Edit
from rtclint.document import Span
from rtclint.rules.common.synapse_view import Homeserver, homeservers

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.model import Located, SynapseConfig


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class Transport:
    """One `matrix_rtc.transports` entry of a homeserver config, with its URLs."""

    hs: Homeserver
    part: SynapseConfig  # the file that decides matrix_rtc
    index: int
    entry: Located
    url: Located | None  # `url` (the SFU's wss:// URL, Synapse >= 1.161)
    service_url: Located | None  # `livekit_service_url` (the JWT service)

    @property
    def anchor(self) -> Span:
        located = self.url or self.service_url
        return (located.key_span or located.span) if located is not None else self.entry.span


def livekit_transports(ctx):
    """Every `type: livekit` transport of every homeserver in the tree."""
    for hs in homeservers(ctx):
        part = hs.owner("matrix_rtc")
        for index, entry in enumerate(hs.transports()):
            if not isinstance(entry.value, dict) or entry.value.get("type") != "livekit":
                continue
            keys = part.keys
            yield Transport(hs, part, index, entry, keys.get(f"matrix_rtc.transports[{index}].url"),
                            keys.get(f"matrix_rtc.transports[{index}].livekit_service_url"))


def add_beside(ctx, located: Located, key: str, value_text: str) -> Edit | None:
    """An edit adding `key: value_text` on the line after `located`'s, at the same
    indentation, when that setting is written alone on its line in block style."""
    if located.key_span is None or located.span is None:
        return None
    doc = ctx.deployment.documents.get(located.key_span.path)
    if doc is None:
        return None
    line, column = doc.line_col(located.key_span.start)
    if doc.line_text(line)[: column - 1].strip() not in ("", "-"):
        return None  # flow style: `{type: livekit, url: …}`
    value_end = located.span.start + len(doc.text[located.span.start:located.span.end].rstrip())
    line_end = doc.line_end(line)
    rest = doc.text[value_end:line_end].strip() if value_end <= line_end else "?"
    if doc.line_col(value_end)[0] != line or (rest and not rest.startswith("#")):
        return None  # a value over several lines, or more on the line than a comment
    return Edit(Span(doc.path, line_end, line_end), f"{doc.newline}{' ' * (column - 1)}{key}: {value_text}")
