"""A Continuwuity or Tuwunel config publishes no MatrixRTC transport.

## What it does
Reports a TOML homeserver config (a `[global]` table with `server_name`) that
publishes no transport — Continuwuity/conduwuit without entries in
`[global.matrix_rtc] foci`, Tuwunel without `[global.well_known] livekit_url` and
`[[global.well_known.rtc_transports]]` — when nothing else in the tree (a client
well-known with `rtc_foci`, Synapse, ESS) advertises one either.

## Why
Clients find the call backend on the homeserver's transports endpoint
(`/_matrix/client/v1/rtc/transports` and the unstable path) or in its client
well-known. Continuwuity serves both from `matrix_rtc.foci`; Tuwunel from
`livekit_url` and `rtc_transports` (since v1.6.0). With none, Element Call shows
`MISSING_MATRIX_RTC_TRANSPORT`.

## Example
```toml
[global]
server_name = "example.com"

[global.matrix_rtc]
foci = []
```

## Fix
Safe when the tree names exactly one public URL of the JWT service: Continuwuity gets
`foci = [{ type = "livekit", livekit_service_url = "<url>" }]` in `[global.matrix_rtc]`,
Tuwunel `livekit_url = "<url>"` in `[global.well_known]`. Otherwise manual: add one
with the JWT service's public URL.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Fix, Severity
from rtclint.document import Span
from rtclint.rules.discovery.advertised import has_foci
from rtclint.rules.discovery.rtc101_missing_rtc_foci import named_jwt_urls, transports_elsewhere
from rtclint.rules.homeserver_toml.view import foci_text, set_in_table

CODE = "RTC700"
NAME = "toml-no-transport"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("toml",)


def check(ctx):
    dep = ctx.deployment
    toml = [cfg for cfg in dep.toml_homeservers if not cfg.fragment]
    if not toml or transports_elsewhere(dep):
        return
    if any(has_foci(wk) for wk in dep.well_knowns("client")):
        return
    urls = sorted(named_jwt_urls(ctx))
    for cfg in toml:
        if "well_known.rtc_focus_server_urls" in cfg.keys:
            continue  # honoured before Continuwuity 26.6.0, else RTC701 moves it
        where = "[global.well_known] livekit_url" if cfg.flavor == "tuwunel" else "[global.matrix_rtc] foci"
        hint = f"set {where} to {urls[0]}" if len(urls) == 1 else \
            f"set {where} to the JWT service's public URL (https://<jwt-service-host>)"
        yield ctx.report(
            _anchor(cfg),
            f"this {cfg.flavor} config publishes no MatrixRTC transport and nothing else in the tree advertises "
            f"one, so Element Call finds no call backend (MISSING_MATRIX_RTC_TRANSPORT); {hint}",
            fix=_fix(ctx, cfg, urls[0]) if len(urls) == 1 else None,
        )


def _anchor(cfg) -> Span:
    for key in ("matrix_rtc.foci", "matrix_rtc", "server_name", "well_known.client"):
        located = cfg.keys.get(key)
        if located is not None and (located.key_span or located.span) is not None:
            return located.key_span or located.span
    return Span(cfg.path, 0, 0)


def _fix(ctx, cfg, url: str) -> Fix | None:
    doc = ctx.deployment.documents.get(cfg.path)
    if doc is None:
        return None
    if cfg.flavor == "tuwunel":
        edit = set_in_table(doc, ("global", "well_known"), "livekit_url", f'"{url}"',
                            cfg.keys.get("well_known.livekit_url"), cfg)
    else:
        edit = set_in_table(doc, ("global", "matrix_rtc"), "foci", foci_text([url]), cfg.keys.get("matrix_rtc.foci"),
                            cfg)
    return Fix(Applicability.SAFE, f"publish the JWT service at {url} as the transport", (edit,))
