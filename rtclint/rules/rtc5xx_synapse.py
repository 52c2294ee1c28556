"""RTC5xx — Synapse homeserver.yaml.

Facts (read from matrix-synapse 1.157.1 and 1.160–1.163.2, `synapse/config/`):
- `experimental.py`: `msc4143_enabled` serves the transports endpoint; `msc4222_enabled`,
  `msc4354_enabled` (sticky events, since 1.148); `msc3266_enabled` is no longer read
  (MSC3266 stable since 1.153); `msc4140_enabled` was never read — delayed events are on
  when `max_event_delay_duration` is set (server.py: `msc4140_enabled = bool(
  max_delayed_events_per_user and max_event_delay_duration)`), which must be positive.
- `matrixrtc.py`: up to 1.160 `matrix_rtc.transports` is a bare list (never validated);
  from 1.161 each entry needs a string `type`, and a `livekit` entry `url` or
  `livekit_service_url`, or Synapse refuses to start.
- `ratelimiting.py`: `rc_message` defaults to 0.2/s burst 10, `rc_delayed_event_mgmt` to
  1/s burst 5; Element's call docs need 0.5/30 and 1/20.
"""

from __future__ import annotations

import json
import os
import re

from rtclint.config import DEFAULT_TARGETS, version_tuple
from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.registry import rule
from rtclint.rules.synapse_view import (
    Homeserver,
    append_at_end,
    calls_in_play,
    homeservers,
    merge_appends,
    remove_key_lines,
    set_setting,
)

RATE_LIMIT_MINIMUMS = {
    # name: (per_second, burst_count, Synapse's default when absent)
    "rc_message": (0.5, 30, (0.2, 10)),
    "rc_delayed_event_mgmt": (1.0, 20, (1.0, 5)),
}
TRANSPORTS_ENDPOINT_SINCE = (1, 140)
TRANSPORTS_VALIDATED_SINCE = (1, 161)
MSC3266_STABLE_SINCE = (1, 153)
STICKY_EVENTS_SINCE = (1, 148)


# -- shared helpers -------------------------------------------------------------------------


def synapse_version(ctx) -> tuple[int, ...]:
    """The Synapse version targeted: a pinned image tag in the tree wins, then the
    configured target, then the newest release."""
    for service in ctx.deployment.services:
        if service.role == "synapse" and service.image_tag:
            found = version_tuple(service.image_tag)
            if len(found) >= 2:
                return found
    configured = (ctx.config.targets or {}).get("synapse") or DEFAULT_TARGETS["synapse"]
    return version_tuple(configured) or version_tuple(DEFAULT_TARGETS["synapse"])


def _doc(ctx, cfg):
    return ctx.deployment.documents.get(cfg.path)


def _fix(message: str, edits: list[Edit]) -> Fix | None:
    edits = merge_appends(edits)
    return Fix(Applicability.SAFE, message, tuple(edits)) if edits else None


def _anchor(hs: Homeserver, *dotted: str) -> Span:
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
    doc = _doc(ctx, cfg)
    if doc is None:
        return None
    return _fix(message, set_setting(doc, cfg, "experimental_features", flag, "true"))


def relevant(ctx, hs: Homeserver) -> bool:
    """Absent settings are findings only for a whole homeserver.yaml (one with the
    mandatory server_name) in a tree that sets calls up: a conf.d fragment or a doc
    snippet alone may well be merged into a config that has them."""
    return hs.main is not None and calls_in_play(ctx)


# -- rules ----------------------------------------------------------------------------------


@rule("RTC500", "msc4143-disabled", Severity.ERROR, "safe", ("synapse",))
def msc4143_disabled(ctx):
    """`matrix_rtc.transports` is set but `experimental_features.msc4143_enabled` is not true.

    ## What it does
    Finds Synapse configurations that list MatrixRTC transports without turning on the
    MSC4143 endpoint that publishes them. Fragments merged from `conf.d/` are taken into
    account: a fragment's `experimental_features:` replaces the whole section.

    ## Why
    Synapse registers `GET /_matrix/client/unstable/org.matrix.msc4143/rtc/transports`
    only when `msc4143_enabled` is true (`synapse/rest/client/matrixrtc.py`). Element Call
    0.24 and newer read the call backend only from that endpoint, so without the flag
    calls fail with `MISSING_MATRIX_RTC_TRANSPORT`.

    ## Example
    ```yaml
    experimental_features:
      msc4222_enabled: true
    matrix_rtc:
      transports:
        - type: livekit
          livekit_service_url: https://rtc.example.com
    ```

    Synapse older than 1.140 has no such endpoint at all; for that target the finding
    says to upgrade instead.

    ## Fix
    Safe: adds (or sets) `msc4143_enabled: true` under `experimental_features`, in the
    file Synapse reads that section from.
    """
    endpoint_exists = synapse_version(ctx) >= TRANSPORTS_ENDPOINT_SINCE
    for hs in homeservers(ctx):
        if not endpoint_exists and hs.transports():
            yield ctx.report(_anchor(hs, "matrix_rtc"), "the targeted Synapse is older than 1.140 and has no "
                             "MatrixRTC transports endpoint: matrix_rtc.transports does nothing; upgrade Synapse")
            continue
        if not hs.transports() or hs.flag_on("msc4143_enabled"):
            continue
        flag = hs.flag("msc4143_enabled")
        span = flag.span if flag is not None else _anchor(hs, "experimental_features", "matrix_rtc")
        yield ctx.report(
            span,
            "matrix_rtc.transports is set but experimental_features.msc4143_enabled is not true: Synapse does "
            "not serve /_matrix/client/unstable/org.matrix.msc4143/rtc/transports, so Element Call >= 0.24 "
            "finds no call backend",
            fix=flag_fix(ctx, hs, "msc4143_enabled", "set experimental_features.msc4143_enabled: true"),
        )


@rule("RTC501", "transports-invalid", Severity.ERROR, "manual", ("synapse",))
def transports_invalid(ctx):
    """MSC4143 is on but the transports Synapse serves are missing or unusable.

    ## What it does
    Reports `msc4143_enabled: true` with no `matrix_rtc.transports` (the endpoint answers
    `{}`), a transport without a string `type`, a `livekit` transport without
    `livekit_service_url` (or `url`), and a `livekit_service_url` that is not `https://`.

    ## Why
    Up to Synapse 1.160 the entries are served exactly as written, unchecked, and a
    client that gets a broken entry has no call backend. From 1.161 Synapse validates
    `type` and the URL itself and refuses to start (`Could not validate matrix_rtc
    config`). The JWT service behind `livekit_service_url` is an HTTPS API (the client
    POSTs to `<url>/get_token`); `ws(s)://` is the SFU's URL, not this one.

    ## Example
    ```yaml
    matrix_rtc:
      transports:
        - type: livekit
          livekit_service_url: wss://livekit.example.com
    ```

    ## Fix
    Manual: list the JWT service's public `https://` base URL.
    """
    fatal = synapse_version(ctx) >= TRANSPORTS_VALIDATED_SINCE
    for hs in homeservers(ctx):
        flag = hs.flag("msc4143_enabled")
        transports = hs.transports()
        if flag is not None and flag.value is True and not transports:
            yield ctx.report(flag.span, "msc4143_enabled is true but matrix_rtc.transports is empty or missing: "
                             "the transports endpoint answers {} and clients find no call backend")
        part = hs.owner("matrix_rtc")
        shape = _matrix_rtc_shape_problem(hs)
        if shape is not None:
            located, problem = shape
            yield ctx.report(located.span or located.key_span, problem + (" — Synapse >= 1.161 refuses to start with "
                             "it" if fatal else " — Synapse serves nothing usable"))
        for index, entry in enumerate(transports):
            problem, span = _transport_problem(part, index, entry)
            if problem is None:
                continue
            consequence = (" — Synapse >= 1.161 refuses to start with it" if fatal and problem.startswith("!")
                           else "")
            yield ctx.report(span, problem.lstrip("!") + consequence)


def _matrix_rtc_shape_problem(hs: Homeserver):
    """`matrix_rtc` that is not a mapping, or `transports` that is not a list."""
    rtc, _ = hs.get("matrix_rtc")
    if rtc is None or rtc.value is None:
        return None
    if not isinstance(rtc.value, dict):
        return rtc, "matrix_rtc must be a mapping with a `transports:` list"
    transports, _ = hs.get("matrix_rtc.transports")
    if transports is not None and transports.value is not None and not isinstance(transports.value, list):
        return transports, "matrix_rtc.transports must be a list of transports (`- type: livekit`)"
    return None


def _transport_problem(part, index: int, entry) -> tuple[str | None, Span]:
    value = entry.value
    span = entry.span
    if not isinstance(value, dict):
        return "!matrix_rtc.transports entries must be mappings with a `type`", span
    kind = value.get("type")
    if not isinstance(kind, str):
        return "!this transport has no string `type` (clients skip it; use `type: livekit`)", span
    if kind != "livekit":
        return None, span
    url = value.get("livekit_service_url")
    located = part.keys.get(f"matrix_rtc.transports[{index}].livekit_service_url")
    if url is None and value.get("url") is None:
        return "!this livekit transport has no `livekit_service_url` (the JWT service's https URL)", span
    if url is not None and (not isinstance(url, str) or not url.lower().startswith("https://")):
        where = located.span if located is not None else span
        return (f"livekit_service_url must be the JWT service's absolute https:// URL, not {url!r} "
                "(clients POST to <url>/get_token)"), where
    return None, span


@rule("RTC502", "delayed-events-disabled", Severity.ERROR, "safe", ("synapse",))
def delayed_events_disabled(ctx):
    """Delayed events (MSC4140) are off: `max_event_delay_duration` is unset or invalid.

    ## What it does
    Reports a homeserver without a positive `max_event_delay_duration` in a tree that
    sets up calls, and `experimental_features.msc4140_max_delayed_events_per_user: 0`.
    A missing setting is judged only for a whole homeserver.yaml (with `server_name`),
    together with the conf.d fragments merged into it — never for a fragment alone.

    ## Why
    Element Call schedules a delayed "leave" event so that a participant who vanishes
    (crash, network loss) is removed from the call. Synapse accepts delayed events only
    when `max_event_delay_duration` is set; without them calls show ghosts and get
    stuck. `experimental_features.msc4140_enabled`, which many guides add, is **not** a
    Synapse option and does nothing. A value that is zero, negative or not a duration
    makes Synapse refuse to start.

    ## Example
    ```yaml
    experimental_features:
      msc4140_enabled: true   # not a Synapse option
    ```

    ## Fix
    Safe: sets `max_event_delay_duration: 24h` (the value Element's docs and the ESS chart use).
    """
    for hs in homeservers(ctx):
        located, cfg = hs.get("max_event_delay_duration")
        if located is not None and located.value is not None:
            from rtclint.parsers.yaml_synapse import parse_duration_ms  # loads PyYAML: not at import

            ms = parse_duration_ms(located.value)
            if ms is None or ms <= 0:
                doc = _doc(ctx, cfg)
                yield ctx.report(
                    located.span,
                    f"max_event_delay_duration {located.value!r} is not a positive duration: Synapse refuses to start "
                    "('max_event_delay_duration' must be a positive value if set)",
                    fix=_fix("set max_event_delay_duration: 24h",
                             set_setting(doc, cfg, "", "max_event_delay_duration", "24h") if doc else []),
                )
            else:
                per_user = hs.flag("msc4140_max_delayed_events_per_user")
                if per_user is not None and per_user.value == 0:
                    yield ctx.report(per_user.span, "msc4140_max_delayed_events_per_user: 0 turns delayed events off "
                                     "(Element Call needs them to leave calls cleanly)")
            continue
        if not relevant(ctx, hs):
            continue
        cfg = hs.owner("max_event_delay_duration") or hs.first
        doc = _doc(ctx, cfg)
        bogus = hs.flag("msc4140_enabled")
        hint = (" (experimental_features.msc4140_enabled is not a Synapse option)" if bogus is not None else "")
        yield ctx.report(
            _anchor(hs, "experimental_features.msc4140_enabled", "max_event_delay_duration", "experimental_features",
                    "matrix_rtc"),
            "delayed events are off: max_event_delay_duration is not set" + hint
            + "; calls keep members that left and get stuck",
            fix=_fix("add max_event_delay_duration: 24h",
                     set_setting(doc, cfg, "", "max_event_delay_duration", "24h") if doc else []),
        )


@rule("RTC503", "obsolete-experimental-flag", Severity.INFO, "safe", ("synapse",))
def obsolete_experimental_flag(ctx):
    """An `experimental_features` flag the targeted Synapse does not read.

    ## What it does
    Reports `msc3266_enabled` when the targeted Synapse is 1.153 or newer (MSC3266, the
    room summary API, is stable there and the flag is gone), and `msc4140_enabled` for
    every version (it was never a Synapse option: delayed events are switched on by
    `max_event_delay_duration`). The target comes from a pinned Synapse image tag in the
    tree, else `[tool.rtclint.target] synapse`, else the newest release.

    ## Why
    A flag that does nothing misleads the next reader into thinking a feature depends on
    it, and copies of it spread through guides.

    ## Example
    ```yaml
    experimental_features:
      msc3266_enabled: true
    ```

    ## Fix
    Safe: removes the line (and the comment lines right above it that name the MSC).
    """
    obsolete = {"msc4140_enabled": "not a Synapse option: delayed events (MSC4140) are enabled by "
                                   "max_event_delay_duration"}
    if synapse_version(ctx) >= MSC3266_STABLE_SINCE:
        obsolete["msc3266_enabled"] = "MSC3266 (room summary) is stable since Synapse 1.153; the flag does nothing"
    for hs in homeservers(ctx):
        for part in hs.parts:
            doc = _doc(ctx, part)
            for flag, why in obsolete.items():
                located = part.keys.get(f"experimental_features.{flag}")
                if located is None or located.key_span is None:
                    continue
                edit = remove_key_lines(doc, located, "MSC" + flag[3:7]) if doc else None
                yield ctx.report(located.key_span, f"experimental_features.{flag}: {why}",
                                 fix=_fix(f"remove {flag}", [edit] if edit else []))


@rule("RTC504", "msc4222-disabled", Severity.WARNING, "safe", ("synapse",))
def msc4222_disabled(ctx):
    """`experimental_features.msc4222_enabled` is not true.

    ## What it does
    Reports a homeserver in a call-enabled tree without `msc4222_enabled: true`.

    ## Why
    MSC4222 adds `state_after` to `/sync`; without it clients can miss call membership
    state changes and show people in calls who left (or miss who joined). Element's call
    docs and the ESS chart turn it on.

    ## Example
    ```yaml
    experimental_features:
      msc4143_enabled: true
    ```

    ## Fix
    Safe: adds (or sets) `msc4222_enabled: true` under `experimental_features`.
    """
    for hs in homeservers(ctx):
        if hs.flag_on("msc4222_enabled") or not relevant(ctx, hs):
            continue
        flag = hs.flag("msc4222_enabled")
        span = flag.span if flag is not None else _anchor(hs, "experimental_features", "matrix_rtc")
        yield ctx.report(span, "experimental_features.msc4222_enabled is not true: clients can miss call "
                         "membership changes in /sync (state_after)",
                         fix=flag_fix(ctx, hs, "msc4222_enabled", "set experimental_features.msc4222_enabled: true"))


@rule("RTC505", "call-rate-limits-low", Severity.WARNING, "safe", ("synapse",))
def call_rate_limits_low(ctx):
    """`rc_message` or `rc_delayed_event_mgmt` is below what calls need.

    ## What it does
    Compares the effective rate limits (Synapse's defaults when absent) with what
    Element's call documentation asks for: `rc_message` at least 0.5/s with burst 30,
    `rc_delayed_event_mgmt` at least 1/s with burst 20. Values equal to these are fine.

    ## Why
    Calls send bursts of encryption-key events and refresh their delayed leave event
    every few seconds. Synapse's defaults (0.2/s burst 10 and 1/s burst 5) throttle them:
    keys arrive late (black video, no audio) and members drop out of calls.

    ## Example
    ```yaml
    rc_message:
      per_second: 0.2
      burst_count: 10
    ```

    ## Fix
    Safe: raises the values below the minimum (or adds the section).
    """
    for hs in homeservers(ctx):
        if not relevant(ctx, hs):
            continue
        for name, (per_second, burst, defaults) in RATE_LIMIT_MINIMUMS.items():
            finding = _rate_limit_finding(ctx, hs, name, per_second, burst, defaults)
            if finding is not None:
                yield finding


def _rate_limit_finding(ctx, hs: Homeserver, name: str, per_second: float, burst: int, defaults):
    section, cfg = hs.get(name)
    values = section.value if section is not None and isinstance(section.value, dict) else {}
    have_rate = _number(values.get("per_second"), defaults[0])
    have_burst = _number(values.get("burst_count"), defaults[1])
    if have_rate >= per_second and have_burst >= burst:
        return None
    cfg = cfg or hs.first
    doc = _doc(ctx, cfg)
    edits: list[Edit] = []
    if doc is not None and (section is None or isinstance(section.value, dict) or section.value is None):
        if section is None:
            nl = doc.newline
            edits = [append_at_end(doc, f"{name}:{nl}  per_second: {_fmt(per_second)}{nl}  burst_count: {burst}{nl}")]
        else:
            if have_rate < per_second:
                edits += set_setting(doc, cfg, name, "per_second", _fmt(per_second))
            if have_burst < burst:
                edits += set_setting(doc, cfg, name, "burst_count", str(burst))
    written = "" if section is not None else " (not set: Synapse's default)"
    span = section.key_span if section is not None else _anchor(hs, "max_event_delay_duration", "matrix_rtc",
                                                                 "experimental_features")
    return ctx.report(
        span,
        f"{name} is {_fmt(have_rate)}/s burst {_fmt(have_burst)}{written}; calls need at least "
        f"{_fmt(per_second)}/s burst {burst}",
        fix=_fix(f"raise {name} to {_fmt(per_second)}/s burst {burst}", edits),
    )


def _number(value, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value) if value is not None else float(default)
        except (TypeError, ValueError):
            return float(default)
    return float(value)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@rule("RTC506", "sticky-events-disabled", Severity.ERROR, "safe", ("synapse", "element-call"))
def sticky_events_disabled(ctx):
    """Element Call is pinned to `matrix_2_0` mode but Synapse has no sticky events.

    ## What it does
    Reads `matrix_rtc_mode` from Element Call's `config.json`; when it is `matrix_2_0`,
    reports the homeserver without `experimental_features.msc4354_enabled: true` (or a
    Synapse older than 1.148, which has no sticky events at all). When the config.json
    names its homeserver (`default_server_config` `server_name`) and that homeserver's
    config is in the tree, only that one is judged; otherwise every homeserver is.

    ## Why
    In `matrix_2_0` mode call memberships are sticky events (MSC4354). Pinning that mode
    on a homeserver without them makes joining fail with a "sticky events required"
    error (element-call `docs/matrix_rtc_modes.md`).

    ## Example
    ```json
    {"matrix_rtc_mode": "matrix_2_0"}
    ```

    ## Fix
    Safe: sets `msc4354_enabled: true` under `experimental_features`.
    """
    pinned = [ec for ec in ctx.deployment.element_call
              if ec.get("matrix_rtc_mode") is not None and ec["matrix_rtc_mode"].value == "matrix_2_0"]
    if not pinned:
        return
    too_old = synapse_version(ctx) < STICKY_EVENTS_SINCE
    related = [Related(ec["matrix_rtc_mode"].span, "Element Call pins matrix_rtc_mode: matrix_2_0 here")
               for ec in pinned if ec["matrix_rtc_mode"].span is not None]
    named = {str(ec["server_name"].value).lower() for ec in pinned
             if ec.get("server_name") is not None and isinstance(ec["server_name"].value, str)}
    targets = [hs for hs in homeservers(ctx) if hs.server_name in named] or homeservers(ctx)
    for hs in targets:
        if hs.flag_on("msc4354_enabled") and not too_old:
            continue
        flag = hs.flag("msc4354_enabled")
        span = flag.span if flag is not None else _anchor(hs, "experimental_features", "matrix_rtc")
        message = (f"Element Call's config.json ({pinned[0]['path']}) pins matrix_rtc_mode: matrix_2_0, which needs "
                   "sticky events (MSC4354), but experimental_features.msc4354_enabled is not true: joining calls "
                   "fails")
        fix = flag_fix(ctx, hs, "msc4354_enabled", "set experimental_features.msc4354_enabled: true")
        if too_old:
            message = "Element Call pins matrix_rtc_mode: matrix_2_0, but the targeted Synapse is older than 1.148 " \
                      "and has no sticky events (MSC4354): upgrade Synapse or pin `compatibility`"
            fix = None
        yield ctx.report(span, message, fix=fix, related=related)


# -- RTC507 -----------------------------------------------------------------------------------

CALL_LIKE = re.compile(r"rtc|call|livekit|foc(us|i)|sfu|jwt|sticky|delayed|msc(3401|4143|4140|4195|4354|4222|4075"
                 r"|4310|3779|4158|3266)", re.IGNORECASE)
HANDLED_BY_RTC503 = {"msc3266_enabled", "msc4140_enabled"}


def known_keys() -> dict[str, frozenset[str]]:
    """Settings Synapse reads, generated by tools/gen_synapse_keys.py from Synapse itself."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "synapse_keys.json")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: frozenset(v) for k, v in data.items() if isinstance(v, list)}


def _suggestion(dotted: str) -> str:
    leaf = dotted.rsplit(".", 1)[-1].lower()
    if dotted.startswith("experimental_features."):
        return "; the call flags are msc4143_enabled, msc4222_enabled and msc4354_enabled"
    if "transports[" in dotted:
        return "; a transport has `type` and `livekit_service_url`"
    if "foc" in leaf or "livekit" in leaf or "rtc" in leaf or "call" in leaf or "sfu" in leaf or "jwt" in leaf:
        return "; the call backend goes in matrix_rtc.transports (type: livekit, livekit_service_url: https://…)"
    return ""


@rule("RTC507", "unknown-call-setting", Severity.WARNING, "manual", ("synapse",))
def unknown_call_setting(ctx):
    """A call-looking setting that Synapse does not know, so it silently does nothing.

    ## What it does
    Compares every key that looks like a call setting (it mentions rtc, call, livekit,
    focus/foci, sfu, jwt, sticky or delayed events, or a call MSC number) at the top
    level, under `matrix_rtc`, inside a transport and under `experimental_features`
    with the settings Synapse reads. That list is generated from Synapse's own config
    schema and config readers (`rtclint/data/synapse_keys.json`, made by
    `tools/gen_synapse_keys.py`), not written by hand.

    ## Why
    Synapse ignores keys it does not know, without a warning. Guides and generated
    configs invent them — `rtc_focus:`, `element_call:`, `livekit:` at the top level,
    `matrix_rtc.foci`, `experimental_features.msc3401_group_voice_calls` — and the admin
    believes calls are configured.

    ## Example
    ```yaml
    matrix_rtc:
      foci:
        - type: livekit
          livekit_service_url: https://rtc.example.com
    ```

    ## Fix
    Manual: delete the key, or write the setting Synapse knows (for the call backend:
    `matrix_rtc.transports`).
    """
    known = ctx.memo("synapse_keys", known_keys)
    for hs in homeservers(ctx):
        for part in hs.parts:
            for dotted, located in part.keys.items():
                unknown = _unknown(dotted, known)
                if unknown and located.key_span is not None:
                    yield ctx.report(located.key_span, f"Synapse does not know the setting `{dotted}` and ignores it"
                                     + _suggestion(dotted))


def _unknown(dotted: str, known: dict[str, frozenset[str]]) -> bool:
    leaf = dotted.rsplit(".", 1)[-1]
    if "." not in dotted:
        return bool(CALL_LIKE.search(dotted)) and dotted not in known["top_level"]
    section = dotted.split(".", 1)[0]
    if section == "experimental_features":
        return leaf not in known["experimental_features"] and leaf not in HANDLED_BY_RTC503 and bool(
            CALL_LIKE.search(leaf))
    if section == "matrix_rtc":
        if "[" in dotted:
            return leaf not in known["transport"]
        return leaf not in known["matrix_rtc"]
    return False
