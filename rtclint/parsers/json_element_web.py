"""Element Web's `config.json`: its call settings and default homeserver, as facts.

Element Web reads its config through `SdkConfig` [element-web `src/SdkConfig.ts`,
`src/IConfigOptions.ts`]: a top-level key is looked up as written (snake_case) and then in
camelCase (`SnakedObject`), so `element_call` may also be spelled `elementCall`; the keys
inside a section are read as written. The call settings, all optional:

- `element_call.url`: the Element Call app the call widget loads (Element Web before the
  embedded Element Call package; DEFAULTS gave `https://call.element.io`, pathname forced
  to `/room`);
- `element_call.use_exclusively` (default false): Element Call for every call, no legacy
  1:1 calls (which need TURN);
- `element_call.participant_limit` (default 8; removed in Element Web 1.12.8);
- `element_call.brand` (default "Element Call"), `element_call.guest_spa_url`.

`default_server_config` is a copy of a client well-known (`m.homeserver.base_url`, and
`server_name` for display). An `org.matrix.msc4143.rtc_foci` written there is read by no
client: Element Call fetches the server_name's well-known itself (tests/js/older_foci.mjs).

An Element Web config is told from Element Call's (which also has `default_server_config`,
but `livekit`/`matrix_rtc_mode`/`matrix_rtc_session`; read by jsonfile.py first) and from
other apps' config.json by its `element_call` section, or by a default homeserver beside a
key only Element Web has.
"""

from __future__ import annotations

from rtclint.document import Document, Span
from rtclint.model import RTC_FOCI_KEY, Located

SECTION_NAMES = ("element_call", "elementCall")  # SnakedObject: snake_case first
CALL_SETTINGS = ("url", "use_exclusively", "participant_limit", "brand", "guest_spa_url")
DEFAULT_SERVER_KEYS = ("default_server_config", "default_server_name", "default_hs_url")
# Top-level keys of IConfigOptions that Element Call's ConfigOptions does not have (its
# `features`, `sentry`, `posthog` are shared, so they tell nothing), with their camelCase forms.
ELEMENT_WEB_ONLY = frozenset({
    "brand", "branding", "disable_custom_urls", "disableCustomUrls", "disable_guests", "disableGuests",
    "disable_login_language_selector", "disable_3pid_login", "show_labs_settings", "showLabsSettings",
    "setting_defaults", "settingDefaults", "integrations_ui_url", "integrations_rest_url",
    "integrations_widgets_urls", "room_directory", "roomDirectory", "jitsi", "jitsi_widget", "voip",
    "default_theme", "default_country_code", "defaultCountryCode", "default_federate", "permalink_prefix",
    "permalinkPrefix", "embedded_pages", "embeddedPages", "mobile_builds", "mobileBuilds", "desktop_builds",
    "desktopBuilds", "bug_report_endpoint_url", "map_style_url", "sso_redirect_options", "logout_redirect_url",
    "help_url", "default_is_url", "enable_presence_by_hs_url", "widget_build_url",
})


def section_key(value: dict) -> str | None:
    """The key Element Web reads its call settings from, when it is an object."""
    for name in SECTION_NAMES:
        if isinstance(value.get(name), dict):
            return name
    return None


def is_element_web_config(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    if section_key(value) is not None:
        return True
    return any(k in value for k in DEFAULT_SERVER_KEYS) and not ELEMENT_WEB_ONLY.isdisjoint(value)


def element_web_facts(doc: Document, value: dict, spans: dict[tuple, tuple[Span, Span]]) -> dict:
    """{"path", "section", one entry per CALL_SETTINGS name, "base_url", "server_name",
    "default_server_name", "rtc_foci"}: a Located (value, value span, key span) or None."""

    def located(*path) -> Located | None:
        return locate(value, spans, path)

    section = section_key(value)
    facts = {"path": doc.path, "section": located(section) if section else None}
    for name in CALL_SETTINGS:
        facts[name] = located(section, name) if section else None
    facts.update({
        "base_url": located("default_server_config", "m.homeserver", "base_url"),
        "server_name": located("default_server_config", "m.homeserver", "server_name"),
        "default_server_name": located("default_server_name"),
        "rtc_foci": located("default_server_config", RTC_FOCI_KEY),
    })
    return facts


def locate(value, spans: dict[tuple, tuple[Span, Span]], path: tuple) -> Located | None:
    """The value at `path` in a parsed JSON document with its value and key spans (None
    when the path is absent); shared with jsonfile's Element Call reader."""
    node = value
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    key_span, value_span = spans[path]
    return Located(node, value_span, key_span)
