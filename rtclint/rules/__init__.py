"""Rules, one module per rule, in a package per family: `rtclint/rules/<family>/rtcNNN_<name>.py`.

A rule module is its documentation (the module docstring, in the sections What it does /
Why / Example / Fix: `rtclint rule CODE`, rules/CODE.md, the SARIF help), then CODE,
NAME, SEVERITY, FIX and WHERE, then one `check(ctx)` generator that yields findings made
with `ctx.report`. Helpers used by several rules live in modules named for what they do,
in the family's package or in `common/`. Rules keep no state between runs: what is worth
computing once per run goes in `ctx.memo`.

Adding a rule: write its module, name it in RULE_MODULES below, add its fixture folder
under tests/fixtures/rules/<CODE>/ (a tree where it fires, a look-alike where it must
not, and the fixed tree when it has a fix), and run `make docs` to write its page.

RULE_MODULES is the registry: a rule module is loaded only if it is named here."""

from __future__ import annotations

import importlib

RULE_MODULES = (
    "rtclint.rules.files.rtc001_parse_error",
    "rtclint.rules.files.rtc002_unreadable_file",
    "rtclint.rules.files.rtc003_include_not_found",
    "rtclint.rules.files.rtc004_nothing_modelled",
    "rtclint.rules.files.rtc006_undecidable",
    "rtclint.rules.files.rtc005_deployment_incomplete",
    "rtclint.rules.files.rtc007_deployments_share_host",
    "rtclint.rules.files.rtc010_unused_suppression",
    "rtclint.rules.discovery.rtc100_well_known_invalid_json",
    "rtclint.rules.discovery.rtc101_missing_rtc_foci",
    "rtclint.rules.discovery.rtc102_rtc_foci_malformed",
    "rtclint.rules.discovery.rtc103_livekit_service_url_invalid",
    "rtclint.rules.discovery.rtc104_public_port_mismatch",
    "rtclint.rules.discovery.rtc105_missing_delegated_well_known",
    "rtclint.rules.discovery.rtc106_well_known_cors_missing",
    "rtclint.rules.discovery.rtc107_well_known_content_type",
    "rtclint.rules.discovery.rtc108_transports_not_advertised",
    "rtclint.rules.discovery.rtc109_transport_urls_disagree",
    "rtclint.rules.discovery.rtc110_first_focus_not_local",
    "rtclint.rules.discovery.rtc111_well_known_redirected",
    "rtclint.rules.discovery.rtc112_transport_url_only",
    "rtclint.rules.discovery.rtc113_delegation_probe_false_positive",
    "rtclint.rules.discovery.rtc114_foreign_jwt_service",
    "rtclint.rules.discovery.rtc115_server_name_not_fqdn",
    "rtclint.rules.routing.rtc200_jwt_route_missing",
    "rtclint.rules.routing.rtc201_jwt_prefix_not_stripped",
    "rtclint.rules.routing.rtc202_jwt_paths_incomplete",
    "rtclint.rules.routing.rtc203_jwt_duplicate_cors",
    "rtclint.rules.routing.rtc204_sfu_route_missing",
    "rtclint.rules.routing.rtc205_websocket_upgrade_missing",
    "rtclint.rules.routing.rtc206_websocket_timeout_short",
    "rtclint.rules.routing.rtc207_upstream_port_mismatch",
    "rtclint.rules.routing.rtc208_openid_route_missing",
    "rtclint.rules.routing.rtc209_sfu_rtc_v1_unrouted",
    "rtclint.rules.routing.rtc210_sfu_prefix_incomplete",
    "rtclint.rules.jwt.rtc300_jwt_env_missing",
    "rtclint.rules.jwt.rtc301_jwt_env_deprecated",
    "rtclint.rules.jwt.rtc302_livekit_url_invalid",
    "rtclint.rules.jwt.rtc303_livekit_key_mismatch",
    "rtclint.rules.jwt.rtc304_full_access_not_server_name",
    "rtclint.rules.jwt.rtc305_insecure_tls_skip",
    "rtclint.rules.jwt.rtc306_jwt_appservice_partial",
    "rtclint.rules.jwt.rtc307_transport_url_mismatch",
    "rtclint.rules.jwt.rtc308_jwt_env_invalid",
    "rtclint.rules.livekit.rtc400_livekit_no_keys",
    "rtclint.rules.livekit.rtc401_livekit_secret_short",
    "rtclint.rules.livekit.rtc402_livekit_keys_format",
    "rtclint.rules.livekit.rtc403_rtc_ports_not_published",
    "rtclint.rules.livekit.rtc404_external_ip_unset",
    "rtclint.rules.livekit.rtc405_webhook_key_unknown",
    "rtclint.rules.livekit.rtc406_turn_ports_not_published",
    "rtclint.rules.livekit.rtc407_image_unpinned",
    "rtclint.rules.livekit.rtc408_livekit_auto_create",
    "rtclint.rules.livekit.rtc409_webhook_not_wired",
    "rtclint.rules.livekit.rtc410_livekit_unknown_key",
    "rtclint.rules.livekit.rtc412_livekit_key_file_mode",
    "rtclint.rules.livekit.rtc413_turn_tls_443_shared",
    "rtclint.rules.livekit.rtc414_image_pair_incompatible",
    "rtclint.rules.livekit.rtc411_livekit_dev_mode",
    "rtclint.rules.livekit.rtc415_media_ports_firewalled",
    "rtclint.rules.synapse.rtc500_msc4143_disabled",
    "rtclint.rules.synapse.rtc501_transports_invalid",
    "rtclint.rules.synapse.rtc502_delayed_events_disabled",
    "rtclint.rules.synapse.rtc503_obsolete_experimental_flag",
    "rtclint.rules.synapse.rtc504_msc4222_disabled",
    "rtclint.rules.synapse.rtc505_call_rate_limits_low",
    "rtclint.rules.synapse.rtc506_sticky_events_disabled",
    "rtclint.rules.synapse.rtc507_unknown_call_setting",
    "rtclint.rules.synapse.rtc509_delay_cap_too_short",
    "rtclint.rules.synapse.rtc511_appservice_proxy_incomplete",
    "rtclint.rules.synapse.rtc512_transport_no_sfu_url",
    "rtclint.rules.ess.rtc600_ess_matrixrtc_disabled",
    "rtclint.rules.ess.rtc601_ess_nonstandard_port",
    "rtclint.rules.ess.rtc602_ess_nodeports_stale",
    "rtclint.rules.ess.rtc603_service_port_mismatch",
    "rtclint.rules.ess.rtc604_ess_removed_value",
    "rtclint.rules.homeserver_toml.rtc700_toml_no_transport",
    "rtclint.rules.homeserver_toml.rtc701_homeserver_toml_rtc_ignored",
    "rtclint.rules.secrets.rtc900_plaintext_secret",
    "rtclint.rules.secrets.rtc901_placeholder_secret",
)

_loaded = False


def load_all() -> None:
    """Register every rule in RULE_MODULES (once; modules are imported on first use so
    that commands which run no rule do not pay for them)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from rtclint.rules.registry import register, rule_from_module

    for name in RULE_MODULES:
        register(rule_from_module(importlib.import_module(name)))
