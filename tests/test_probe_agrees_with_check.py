"""The probe's fixture configs, read by `rtclint check`: the static rules should name the same
code the live probe pins (tests/test_probe_live.py), and nothing of the kind on the correct ones.

The configs are filled as a real deployment would have them (port 443, the services'
default ports), so the static view and the live view describe the same deployment."""

from __future__ import annotations

import os

import pytest

from rtclint.config import Config
from rtclint.engine import check

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "probe")
VALUES = {"PORT": "443", "CERT": "/etc/ssl/site.pem", "KEY": "/etc/ssl/site.key", "PEM": "/etc/ssl/site-full.pem",
          "DATA": "/var/lib/caddy", "PREFIX": "/run/haproxy", "HS": "8008", "JWT": "8080", "SFU": "7880",
          "FOCUS": "https://rtc.example.test/livekit/jwt"}
# the codes the probe can pin on these fixtures
PROBED = {"RTC105", "RTC106", "RTC111", "RTC200", "RTC201", "RTC202", "RTC203", "RTC204", "RTC205"}
OUT_NAME = {".conf": "site.conf", ".Caddyfile": "Caddyfile", ".cfg": "haproxy.cfg"}

CASES = [
    ("nginx/good.conf", None),
    ("nginx/no-wellknown.conf", "RTC105"),
    ("nginx/no-cors.conf", "RTC106"),
    ("nginx/prefix-not-stripped.conf", "RTC201"),
    ("nginx/ws-not-upgraded.conf", "RTC205"),
    ("nginx/duplicate-cors.conf", "RTC203"),
    ("caddy/good.Caddyfile", None),
    ("caddy/prefix-not-stripped.Caddyfile", "RTC201"),
    ("caddy/redirected-well-known.Caddyfile", "RTC111"),  # the probe pins RTC106 (the hop has no CORS) and RTC111
    ("caddy/paths-incomplete.Caddyfile", "RTC202"),
    ("haproxy/good.cfg", None),  # unanchored replace-path: HAProxy strips, and so does the model
    ("haproxy/prefix-not-stripped.cfg", "RTC201"),
]


@pytest.mark.parametrize("fixture,code", CASES)
def test_static_check_names_what_the_probe_pins(fixture, code, tmp_path):
    text = open(os.path.join(FIXTURES, fixture)).read()
    for key, value in VALUES.items():
        text = text.replace(f"@@{key}@@", value)
    (tmp_path / OUT_NAME[os.path.splitext(fixture)[1]]).write_text(text)
    result = check([str(tmp_path)], Config())  # in-process: the CLI path is covered elsewhere
    found = {d.code for d in result.diagnostics} & PROBED
    assert found == ({code} if code else set()), [(d.code, d.message) for d in result.diagnostics]
