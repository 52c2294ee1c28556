"""The client well-known's JSON as the discovery rules read it: its value and positioned
tree (parsed once per run), the `rtc_foci` member (or its misspelling) and its
LiveKit entries, and the span of a JSON node in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rtclint.document import Span
from rtclint.model import RTC_FOCI_KEY
from rtclint.rules.common.wkedit import body_span

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from rtclint.rules.common.jsonedit import JNode


def client_well_knowns(ctx):
    return ctx.deployment.well_knowns("client")


def parsed(ctx, wk) -> tuple[Any, JNode | None]:
    """The well-known's value and, for text bodies, its positioned tree (once per run:
    several rules read the same body, and `well_knowns()` builds new objects on every call)."""
    if wk.value is not None:
        return wk.value, None
    trees = ctx.memo("well_known_trees", dict)
    # by body alone: the value and the tree's offsets depend only on the text (positions in
    # the file come from the well-known's own span), and a tree of many sites serving one
    # body would otherwise hold one tree per site
    hit = trees.get(wk.body)
    if hit is None:
        from rtclint.rules.common.jsonedit import parse_positions  # only for a tree with a JSON body

        value, err = wk.parse()
        hit = trees[wk.body] = (None, None) if err is not None else (value, parse_positions(wk.body))
    return hit


def is_misspelled_foci(key: str) -> bool:
    if key == RTC_FOCI_KEY:
        return False
    norm = re.sub(r"[^a-z0-9]", "", key.lower())
    return norm.endswith(("rtcfoci", "rtcfocus")) or ("msc4143" in norm and "foc" in norm)


def foci_member(value: dict, root: JNode | None) -> tuple[str | None, JNode | None, JNode | None]:
    """(key as written, key node, value node) of rtc_foci or its misspelling."""
    key = RTC_FOCI_KEY if RTC_FOCI_KEY in value else next((k for k in value if is_misspelled_foci(k)), None)
    if key is None or root is None:
        return key, None, None
    hit = root.member(key)
    return (key, hit[0], hit[1]) if hit else (key, None, None)


def node_span(wk, node: JNode | None) -> Span:
    return body_span(wk, node.start, node.end) if node is not None else wk.span


def livekit_entries(value, root) -> Iterator[tuple[int, dict, JNode | None]]:
    """(index, entry, the entry's livekit_service_url node) of each livekit foci entry."""
    key, _, node = foci_member(value, root)
    foci = value.get(key) if key else None
    if not isinstance(foci, list):
        return
    for i, entry in enumerate(foci):
        if not isinstance(entry, dict) or entry.get("type") != "livekit":
            continue
        url_node = None
        if node is not None and i < len(node.items) and node.items[i].kind == "object":
            hit = node.items[i].member("livekit_service_url")
            url_node = hit[1] if hit else None
        yield i, entry, url_node
