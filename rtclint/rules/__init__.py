"""Rules, one module per rule, in a package per family: `rtclint/rules/<family>/rtcNNN_<name>.py`.

A rule module is its documentation (the module docstring, in the sections What it does /
Why / Example / Fix: `rtclint rule CODE`, rules/CODE.md, the SARIF help), then CODE,
NAME, SEVERITY, FIX and WHERE, then one `check(ctx)` generator that yields findings made
with `ctx.report`. Helpers used by several rules live in modules named for what they do,
in the family's package or in `common/`. Rules keep no state between runs: what is worth
computing once per run goes in `ctx.memo`.

Adding a rule: write its module, name it with its WHERE in READS below, add its fixture folder
under tests/fixtures/rules/<CODE>/ (a tree where it fires, a look-alike where it must
not, and the fixed tree when it has a fix), and run `make docs` to write its page.

READS is the registry: a rule module is loaded only if it is named there, and only for
a run whose deployments hold a kind it reads (rules/scope.py)."""

from __future__ import annotations

import importlib

# Each rule module, and the kinds of facts it reads (its WHERE): a run imports only the rules
# whose kinds its deployments hold (rules/scope.py). tests/test_rule_meta.py keeps this
# table equal to each module's WHERE, and tests/test_rule_scope.py proves the skipping
# changes no finding.
READS: dict[str, str] = {
    "files.rtc001_parse_error": "all",
    "files.rtc002_unreadable_file": "all",
    "files.rtc003_include_not_found": "nginx caddy haproxy",
    "files.rtc004_nothing_modelled": "all",
    "files.rtc006_undecidable": "nginx caddy haproxy traefik kubernetes",
    "files.rtc005_deployment_incomplete": "all",
    "files.rtc007_deployments_share_host": "all",
    "files.rtc010_unused_suppression": "all",
    "discovery.rtc100_well_known_invalid_json": "caddy nginx haproxy json kubernetes synapse ess",
    "discovery.rtc101_missing_rtc_foci": "caddy nginx haproxy json kubernetes synapse ess",
    "discovery.rtc102_rtc_foci_malformed": "caddy nginx haproxy json kubernetes synapse ess",
    "discovery.rtc103_livekit_service_url_invalid": "caddy nginx haproxy json kubernetes synapse ess",
    "discovery.rtc104_public_port_mismatch": "all",
    "discovery.rtc105_missing_delegated_well_known": "caddy nginx haproxy traefik kubernetes json synapse ess toml",
    "discovery.rtc106_well_known_cors_missing": "caddy nginx haproxy",
    "discovery.rtc107_well_known_content_type": "nginx haproxy",
    "discovery.rtc108_transports_not_advertised": "caddy nginx haproxy traefik kubernetes json synapse ess toml",
    "discovery.rtc109_transport_urls_disagree": "caddy nginx haproxy traefik kubernetes json synapse ess toml",
    "discovery.rtc110_first_focus_not_local": "caddy nginx haproxy json kubernetes synapse ess",
    "discovery.rtc111_well_known_redirected": "caddy nginx haproxy",
    "discovery.rtc112_transport_url_only": "synapse",
    "discovery.rtc113_delegation_probe_false_positive": "caddy nginx haproxy traefik",
    "discovery.rtc114_foreign_jwt_service": "caddy nginx haproxy json kubernetes synapse ess element-call",
    "discovery.rtc115_server_name_not_fqdn": "synapse ess",
    "routing.rtc200_jwt_route_missing": "caddy nginx haproxy traefik kubernetes",
    "routing.rtc201_jwt_prefix_not_stripped": "caddy nginx haproxy traefik",
    "routing.rtc202_jwt_paths_incomplete": "caddy nginx haproxy traefik",
    "routing.rtc203_jwt_duplicate_cors": "caddy nginx haproxy traefik",
    "routing.rtc204_sfu_route_missing": "caddy nginx haproxy traefik kubernetes",
    "routing.rtc205_websocket_upgrade_missing": "nginx",
    "routing.rtc206_websocket_timeout_short": "nginx haproxy",
    "routing.rtc207_upstream_port_mismatch": "caddy nginx haproxy traefik compose",
    "routing.rtc208_openid_route_missing": "caddy nginx haproxy traefik kubernetes synapse ess",
    "routing.rtc209_sfu_rtc_v1_unrouted": "caddy nginx haproxy traefik",
    "routing.rtc210_sfu_prefix_incomplete": "caddy nginx haproxy traefik compose k8s",
    "jwt.rtc300_jwt_env_missing": "compose env k8s",
    "jwt.rtc301_jwt_env_deprecated": "compose env k8s",
    "jwt.rtc302_livekit_url_invalid": "compose env k8s",
    "jwt.rtc303_livekit_key_mismatch": "compose env k8s livekit",
    "jwt.rtc304_full_access_not_server_name": "compose env k8s",
    "jwt.rtc305_insecure_tls_skip": "compose env k8s",
    "jwt.rtc306_jwt_appservice_partial": "compose env k8s",
    "jwt.rtc307_transport_url_mismatch": "synapse compose env k8s",
    "jwt.rtc308_jwt_env_invalid": "compose env k8s",
    "livekit.rtc400_livekit_no_keys": "livekit compose k8s",
    "livekit.rtc401_livekit_secret_short": "livekit compose k8s env",
    "livekit.rtc402_livekit_keys_format": "compose env k8s",
    "livekit.rtc403_rtc_ports_not_published": "compose livekit",
    "livekit.rtc404_external_ip_unset": "livekit compose",
    "livekit.rtc405_webhook_key_unknown": "livekit",
    "livekit.rtc406_turn_ports_not_published": "livekit compose",
    "livekit.rtc407_image_unpinned": "compose k8s",
    "livekit.rtc408_livekit_auto_create": "livekit compose k8s",
    "livekit.rtc409_webhook_not_wired": "livekit compose k8s",
    "livekit.rtc410_livekit_unknown_key": "livekit compose k8s",
    "livekit.rtc412_livekit_key_file_mode": "livekit k8s",
    "livekit.rtc413_turn_tls_443_shared": "livekit nginx haproxy caddy traefik compose",
    "livekit.rtc414_image_pair_incompatible": "compose k8s",
    "livekit.rtc411_livekit_dev_mode": "compose k8s",
    "livekit.rtc415_media_ports_firewalled": "nftables ufw iptables firewalld livekit",
    "synapse.rtc500_msc4143_disabled": "synapse",
    "synapse.rtc501_transports_invalid": "synapse",
    "synapse.rtc502_delayed_events_disabled": "synapse",
    "synapse.rtc503_obsolete_experimental_flag": "synapse",
    "synapse.rtc504_msc4222_disabled": "synapse",
    "synapse.rtc505_call_rate_limits_low": "synapse",
    "synapse.rtc506_sticky_events_disabled": "synapse element-call",
    "synapse.rtc507_unknown_call_setting": "synapse",
    "synapse.rtc509_delay_cap_too_short": "synapse element-call",
    "synapse.rtc511_appservice_proxy_incomplete": "synapse compose k8s",
    "synapse.rtc512_transport_no_sfu_url": "synapse",
    "ess.rtc600_ess_matrixrtc_disabled": "ess",
    "ess.rtc601_ess_nonstandard_port": "ess nginx caddy haproxy",
    "ess.rtc602_ess_nodeports_stale": "k8s ess",
    "ess.rtc603_service_port_mismatch": "k8s",
    "ess.rtc604_ess_removed_value": "ess",
    "homeserver_toml.rtc700_toml_no_transport": "toml",
    "homeserver_toml.rtc701_homeserver_toml_rtc_ignored": "toml",
    "secrets.rtc900_plaintext_secret": "compose k8s ess",
    "secrets.rtc901_placeholder_secret": "compose env k8s livekit ess",
}

RULE_MODULES = tuple(f"rtclint.rules.{name}" for name in READS)

def code_of(module: str) -> str:
    """A rule module's code, from its name (rtcNNN_<name>): known without importing it."""
    return "RTC" + module.rsplit(".", 1)[-1][3:6]


def known_codes() -> set[str]:
    """Every registered code, without importing a rule (settings and suppressions check
    the codes they name against it)."""
    from rtclint.rules.registry import registered_codes

    return {code_of(name) for name in RULE_MODULES} | registered_codes()


def load(modules) -> None:
    """Import and register the rule modules named (each once: a code already registered
    is not loaded again)."""
    from rtclint.rules.registry import register, registered_codes, rule_from_module

    registered = registered_codes()
    for name in modules:
        if code_of(name) not in registered:
            register(rule_from_module(importlib.import_module(name)))


def load_all() -> None:
    """Register every rule in RULE_MODULES (modules are imported on first use so that
    commands which run no rule do not pay for them)."""
    load(RULE_MODULES)
