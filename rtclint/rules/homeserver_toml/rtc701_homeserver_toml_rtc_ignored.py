"""A TOML homeserver's call settings are never served.

## What it does
Reports, in a Continuwuity/conduwuit or Tuwunel config:
- Continuwuity's `[global.well_known] rtc_focus_server_urls`, ignored (with a warning
  in its log) since v26.6.0 — from the image tag in the tree or `[tool.rtclint]
  target`, the newest release by default;
- a config without `[global.well_known] client` while a proxy in the tree sends
  `/.well-known/matrix/client` for the server_name to that server: it then answers
  404, with no `rtc_foci`. (A `matrix.<domain>` site that proxies everything to it is
  fine: clients never ask there.)

## Why
Continuwuity reads the transports only from `[global.matrix_rtc] foci` since v26.6.0
[continuwuity v26.7.3 `src/core/config/mod.rs`]. Both servers build their client
well-known only when `well_known.client` is set [continuwuity
`src/api/client/well_known.rs`; tuwunel v1.9.0 `src/core/config/well_known.rs`].

## Example
```toml
[global.well_known]
client = "https://matrix.example.com"
rtc_focus_server_urls = [{ type = "livekit", livekit_service_url = "https://rtc.example.com" }]
```

## Fix
Safe for `rtc_focus_server_urls` when `[global.matrix_rtc] foci` is not written yet:
the entries move there. Otherwise manual: set `client` to the homeserver's public URL.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Fix, Related, Severity
from rtclint.rules.homeserver_toml.view import (
    delete_line,
    foci_text,
    is_at_least,
    set_in_table,
    well_known_proxied_to,
)

CODE = "RTC701"
NAME = "homeserver-toml-rtc-ignored"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("toml",)

IGNORED_SINCE = (26, 6)


def check(ctx):
    for cfg in ctx.deployment.toml_homeservers:
        old = cfg.keys.get("well_known.rtc_focus_server_urls")
        if cfg.flavor == "continuwuity" and old is not None and is_at_least(ctx, "continuwuity", IGNORED_SINCE):
            yield ctx.report(
                old.key_span or old.span or cfg.span,
                "Continuwuity ignores well_known.rtc_focus_server_urls since v26.6.0 (it logs a warning): clients "
                "get no transport from it; write the entries as [global.matrix_rtc] foci",
                fix=_move_fix(ctx, cfg, old),
            )
        if cfg.keys.get("well_known.client") is None:
            routes = well_known_proxied_to(ctx, cfg)
            if routes:
                site, route = routes[0]
                yield ctx.report(
                    route.span,
                    f"this route sends /.well-known/matrix/client to {cfg.flavor}, but {cfg.path} sets no "
                    "[global.well_known] client, so it answers 404 and clients find no rtc_foci; set client to the "
                    "homeserver's public URL",
                    related=[Related(_anchor(cfg), f"{cfg.flavor} config without well_known.client")],
                )


def _anchor(cfg):
    located = cfg.keys.get("server_name")
    return (located.key_span or located.span) if located is not None and located.span is not None else cfg.span


def _move_fix(ctx, cfg, old) -> Fix | None:
    doc = ctx.deployment.documents.get(cfg.path)
    foci = cfg.keys.get("matrix_rtc.foci")
    if doc is None or old.span is None or (foci is not None and foci.value):
        return None
    urls = []
    for entry in old.value if isinstance(old.value, list) else [old.value]:
        url = entry.get("livekit_service_url") if isinstance(entry, dict) else entry
        if not isinstance(url, str) or not url.startswith("https://"):
            return None
        urls.append(url)
    if not urls:
        return None
    edits = (delete_line(doc, old.key_span or old.span),
             set_in_table(doc, ("global", "matrix_rtc"), "foci", foci_text(urls), foci, cfg))
    return Fix(Applicability.SAFE, "move rtc_focus_server_urls into [global.matrix_rtc] foci",
               tuple(sorted(edits, key=lambda e: e.span.start)))
