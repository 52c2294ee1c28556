"""Synapse is not set up to forward token requests to lk-jwt-service (MSC4512/MSC4502).

## What it does
When the tree expects token requests through the homeserver — a `matrix_rtc` transport
with `url`, or lk-jwt-service given appservice variables (`LIVEKIT_AS_TOKEN`,
`LIVEKIT_HS_TOKEN`, `LIVEKIT_AS_REGISTRATION_FILE`) — and Synapse is 1.161 or newer,
reports what Synapse lacks: `experimental_features.msc4512_enabled`,
`experimental_features.msc4502_enabled`, a registration in `app_service_config_files`,
and in that registration `io.element.msc4512.proxy_prefix: rtc/livekit`,
`io.element.msc4512.proxy_url` and `io.element.msc4502.scopes` with
`urn:matrix:client:io.element.msc4502:rooms:is_joined`. Independently of that, reports
what makes Synapse refuse to start in any registration it loads: a proxy prefix other
than `rtc/livekit` (or below it), a prefix without a URL or a URL without a prefix, an
unknown scope. A registration file that is not in the tree is not judged.

## Why
Clients that use a transport's `url` ask the homeserver for a token
(`POST /_matrix/client/unstable/io.element.msc4195/rtc/livekit/get_token`); Synapse
1.161+ forwards that path to the appservice that claims the prefix `rtc/livekit`, only
with `msc4512_enabled`, and lk-jwt-service checks room membership through MSC4502,
which needs `msc4502_enabled` and the `is_joined` scope (synapse 1.163.2
`rest/client/appservice_proxy.py`, `rest/client/room_membership.py`). The lk-jwt README
shows the keys bare (`proxy_prefix:`, `proxy_url:`, `scopes:`): Synapse reads only the
`io.element.…` names and ignores those. `ApplicationService` refuses any prefix but
`rtc/livekit` ("cannot claim reserved proxy prefix"), and a prefix and URL that are not
set together ("proxy_url and proxy_prefix must always be set together"), at start-up
(synapse 1.163.2 `config/appservice.py`, `appservice/__init__.py`).

## Example
```yaml
# lk-jwt-registration.yaml
id: lk-jwt-service
url: null
as_token: …
hs_token: …
sender_localpart: lk-jwt-service
namespaces: {users: []}
proxy_prefix: rtc/livekit          # ignored: not io.element.msc4512.proxy_prefix
proxy_url: http://lk-jwt-service:8080
```

## Fix
Manual: in homeserver.yaml
```yaml
app_service_config_files: [/data/lk-jwt-registration.yaml]
experimental_features:
  msc4512_enabled: true
  msc4502_enabled: true
```
and in the registration
```yaml
io.element.msc4512.proxy_prefix: rtc/livekit
io.element.msc4512.proxy_url: http://lk-jwt-service:8080
io.element.msc4502.scopes: ["urn:matrix:client:io.element.msc4502:rooms:is_joined"]
```
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import jwt_services
from rtclint.rules.common.synapse_view import homeservers
from rtclint.rules.common.transports import livekit_transports
from rtclint.rules.jwt.service_env import has_env
from rtclint.rules.synapse.appservice_registration import (
    BARE_KEYS, PREFIX_KEY, SCOPES_KEY, URL_KEY, find_registration)
from rtclint.rules.synapse.homeserver import anchor_of, synapse_version

CODE = "RTC511"
NAME = "appservice-proxy-incomplete"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("synapse", "compose", "k8s")
PROXY_SINCE = (1, 161)
ALLOWED_PREFIX = "rtc/livekit"
IS_JOINED = "urn:matrix:client:io.element.msc4502:rooms:is_joined"
AS_ENV = ("LIVEKIT_AS_TOKEN", "LIVEKIT_HS_TOKEN", "LIVEKIT_AS_REGISTRATION_FILE")
FATAL = "Synapse refuses to start"


def check(ctx):
    if synapse_version(ctx) < PROXY_SINCE:
        return  # older Synapse has no appservice proxy and ignores these keys
    expected = _why_expected(ctx)
    for hs in homeservers(ctx):
        if hs.main is None:
            continue
        listed = hs.value("app_service_config_files")
        files = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
        registrations = [(p, find_registration(ctx.deployment, hs.main.path, p)) for p in files]
        for _path, reg in registrations:
            if reg is not None:
                yield from _fatal(ctx, reg)
        if expected is None:
            continue
        why, why_span = expected
        related = [Related(why_span, why)] if why_span is not None else []
        for flag, what in (("msc4512_enabled", "forward /_matrix/client/…/rtc/livekit/* to lk-jwt-service"),
                           ("msc4502_enabled", "let lk-jwt-service check room membership")):
            if not hs.flag_on(flag):
                yield ctx.report(anchor_of(hs, f"experimental_features.{flag}", "experimental_features"),
                                 f"experimental_features.{flag} is not true, so Synapse does not {what}; {why} "
                                 "needs it", related=related)
        if not files:
            yield ctx.report(anchor_of(hs, "app_service_config_files"), "app_service_config_files lists no "
                             f"registration for lk-jwt-service, so no appservice claims the `{ALLOWED_PREFIX}` "
                             f"prefix; {why} needs one", related=related)
            continue
        if any(reg is None for _p, reg in registrations):
            continue  # a registration not in the tree may be the one
        rtc = [reg for _p, reg in registrations if reg.is_rtc]
        if not rtc:
            yield ctx.report(anchor_of(hs, "app_service_config_files"), "no registration in "
                             f"app_service_config_files sets {PREFIX_KEY}: {ALLOWED_PREFIX}; {why} needs one",
                             related=related)
        for reg in rtc:
            yield from _incomplete(ctx, reg, why)


def _why_expected(ctx):
    """Why the tree expects the appservice proxy: (reason, span), or None."""
    for transport in livekit_transports(ctx):
        if transport.url is not None:
            return "the transport's `url` (clients then get tokens through the homeserver)", transport.url.span
    for svc in jwt_services(ctx.deployment):
        for name in AS_ENV:
            if has_env(svc, name):
                var = svc.env[name]
                return f"lk-jwt-service's appservice mode ({name})", var.name_span or var.span
    return None


def _fatal(ctx, reg):
    prefix, url, scopes = reg.values.get(PREFIX_KEY), reg.values.get(URL_KEY), reg.values.get(SCOPES_KEY)
    if (prefix is None) != (url is None):
        given, missing = (PREFIX_KEY, URL_KEY) if url is None else (URL_KEY, PREFIX_KEY)
        yield ctx.report(reg.span(given), f"{given} without {missing}: {FATAL} (\"proxy_url and proxy_prefix must "
                         "always be set together\")")
    if isinstance(prefix, str) and prefix.rstrip("/") and not _allowed(prefix.rstrip("/")):
        yield ctx.report(reg.span(PREFIX_KEY), f"{PREFIX_KEY} `{prefix}`: {FATAL} (\"cannot claim reserved proxy "
                         f"prefix\"); the only prefix an appservice may claim is `{ALLOWED_PREFIX}`")
    elif prefix is not None and (not isinstance(prefix, str) or not prefix):
        yield ctx.report(reg.span(PREFIX_KEY), f"{PREFIX_KEY} must be a non-empty string: {FATAL}")
    if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)):
        yield ctx.report(reg.span(SCOPES_KEY), f"{SCOPES_KEY} must be a list of strings: {FATAL}")
    elif isinstance(scopes, list) and set(scopes) - {IS_JOINED}:
        unknown = ", ".join(sorted(set(scopes) - {IS_JOINED}))
        yield ctx.report(reg.span(SCOPES_KEY), f"{SCOPES_KEY} names an unknown scope ({unknown}): {FATAL} "
                         f"(\"Unknown application service scope(s)\"); the one scope is {IS_JOINED}")


def _incomplete(ctx, reg, why):
    for bare in BARE_KEYS:
        if bare in reg.values:
            proper = {"proxy_prefix": PREFIX_KEY, "proxy_url": URL_KEY, "scopes": SCOPES_KEY}[bare]
            yield ctx.report(reg.span(bare), f"`{bare}` is not read by Synapse (it reads `{proper}`): the setting "
                             f"is ignored, so {why} fails; rename it")
    if PREFIX_KEY not in reg.values and "proxy_prefix" not in reg.values:
        yield ctx.report(reg.whole, f"the registration sets no {PREFIX_KEY}: {ALLOWED_PREFIX} (with {URL_KEY} "
                         f"to lk-jwt-service), so Synapse forwards no token request; {why} needs it")
    elif isinstance(reg.values.get(PREFIX_KEY), str) and reg.values[PREFIX_KEY].rstrip("/") not in ("", ALLOWED_PREFIX) \
            and _allowed(reg.values[PREFIX_KEY].rstrip("/")):
        yield ctx.report(reg.span(PREFIX_KEY), f"{PREFIX_KEY} `{reg.values[PREFIX_KEY]}` is below "
                         f"`{ALLOWED_PREFIX}`: Synapse forwards only that part, not …/{ALLOWED_PREFIX}/get_token")
    scopes = reg.values.get(SCOPES_KEY)
    if "scopes" not in reg.values and not (isinstance(scopes, list) and IS_JOINED in scopes):
        yield ctx.report(reg.span(SCOPES_KEY), f"{SCOPES_KEY} does not grant {IS_JOINED}: lk-jwt-service cannot "
                         "check that the caller is in the room")


def _allowed(prefix: str) -> bool:
    return prefix == ALLOWED_PREFIX or prefix.startswith(ALLOWED_PREFIX + "/")
