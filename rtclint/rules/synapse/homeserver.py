"""What the Synapse rules ask of a homeserver: the Synapse version the run targets,
whether call settings concern it at all, where a finding about a setting is anchored,
and the fix that switches an experimental flag on.
"""

from __future__ import annotations

from rtclint.config import DEFAULT_TARGETS, version_tuple
from rtclint.diagnostics import Applicability, Edit, Fix
from rtclint.document import Span
from rtclint.rules.common.synapse_view import Homeserver, calls_in_play, merge_appends, set_setting


def synapse_version(ctx) -> tuple[int, ...]:
    """The Synapse version targeted: a pinned image tag in the tree wins, then the
    configured target, then the newest release."""
    for service in ctx.deployment.services:
        if service.role == "synapse" and service.image_tag and not service.facts.get("role_from_config"):
            found = version_tuple(service.image_tag)
            if len(found) >= 2:
                return found
    configured = (ctx.config.targets or {}).get("synapse") or DEFAULT_TARGETS["synapse"]
    return version_tuple(configured) or version_tuple(DEFAULT_TARGETS["synapse"])


def duration_ms(value) -> int | None:
    """Synapse's `Config.parse_duration`: an int is milliseconds; a string is digits with
    an optional s/m/h/d/w/y suffix (none = milliseconds). None where Synapse would raise."""
    if type(value) is int:  # not bool
        return value
    if not isinstance(value, str) or not value:
        return None
    sizes = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000, "y": 31_536_000_000}
    suffix = value[-1]
    if suffix not in sizes and not suffix.isdigit():
        return None
    try:
        return int(value[:-1] if suffix in sizes else value) * sizes.get(suffix, 1)
    except ValueError:
        return None


def config_doc(ctx, cfg):
    return ctx.deployment.documents.get(cfg.path)


def fix_of(message: str, edits: list[Edit]) -> Fix | None:
    edits = merge_appends(edits)
    return Fix(Applicability.SAFE, message, tuple(edits)) if edits else None


def anchor_of(hs: Homeserver, *dotted: str) -> Span:
    """The first of these settings that is written, else the start of the main file."""
    for path in dotted:
        located, _ = hs.get(path)
        if located is not None:
            return located.key_span or located.span
    first = hs.first
    return Span(first.path, first.span.start, first.span.start)


def flag_fix(ctx, hs: Homeserver, flag: str, message: str) -> Fix | None:
    """Set `experimental_features.<flag>: true` in the file Synapse reads it from."""
    cfg = hs.owner("experimental_features") or hs.first
    doc = config_doc(ctx, cfg)
    if doc is None:
        return None
    return fix_of(message, set_setting(doc, cfg, "experimental_features", flag, "true"))


def relevant(ctx, hs: Homeserver) -> bool:
    """Absent settings are findings only for a whole homeserver.yaml (one with the
    mandatory server_name) in a tree that sets calls up: a conf.d fragment or a doc
    snippet alone may well be merged into a config that has them."""
    return hs.main is not None and calls_in_play(ctx)
