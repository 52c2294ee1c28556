"""LiveKit advertises TURN/TLS on port 443 of a host whose 443 the proxy serves as HTTPS.

## What it does
For a LiveKit config with the embedded TURN server on (`turn.enabled: true`) and TLS
(`turn.tls_port` > 0), looks for a proxy site in the tree that serves `turn.domain` on
443 as an HTTPS site (by name, not as a default server). Reports it, unless the tree
routes TLS by SNI somewhere (nginx `stream` with `ssl_preread`, HAProxy `req.ssl_sni`,
Caddy `layer4`), which rtclint does not evaluate: then it stays quiet.
LiveKit newer than v1.13.5 (image tag or the `livekit` target) is not judged.
An error when `tls_port` is 443 and LiveKit and the proxy bind port 443 on the same
machine (host networking or a published 443 in the same Compose project): one of them
cannot start. A warning otherwise.

## Why
LiveKit up to v1.13.5 hands clients `turns:<turn.domain>:443?transport=tcp`, whatever
`tls_port` says (`pkg/service/roommanager.go` `iceServersForParticipant`, livekit#4542).
A browser behind a firewall that allows only 443 then speaks TURN over TLS to the proxy,
which expects HTTP: no relay, and calls from such networks have no media.

## Example
```yaml
turn:
  enabled: true
  domain: rtc.example.com
  tls_port: 5349
```
with an nginx `server { listen 443 ssl; server_name rtc.example.com; … }`.

## Fix
Manual: give TURN a host name of its own that points at LiveKit (not at the proxy), or
route `turn.domain` by SNI to `tls_port` before HTTP (nginx `stream { map
$ssl_preread_server_name … }`, HAProxy `mode tcp` with `req.ssl_sni`), or turn TURN/TLS
off (`tls_port: 0`).
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Related, Severity
from rtclint.model.stacks import livekit_instances, service_target

CODE = "RTC413"
NAME = "turn-tls-443-shared"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("livekit", "nginx", "haproxy", "caddy", "traefik", "compose")
# SNI routing of raw TLS, which the answer model does not evaluate
KNOWN_UP_TO = (1, 13, 5)  # the newest LiveKit read; later releases may advertise tls_port
# (re.search compiles it once, for a tree with TURN/TLS and an HTTPS site on its host)
SNI_ROUTING = r"\bssl_preread\s+on\b|\breq[._]ssl_sni\b|\blayer4\b|\bHostSNI\("


def check(ctx):
    dep = ctx.deployment
    for inst in livekit_instances(dep):
        cfg = inst.config
        version = service_target(dep, "livekit", inst.service)
        if cfg is None or (version and version[:3] > KNOWN_UP_TO):
            continue
        enabled, tls_port, domain = (cfg.turn.get(k) for k in ("enabled", "tls_port", "domain"))
        if enabled is None or enabled.value is not True or tls_port is None or domain is None:
            continue
        if not isinstance(tls_port.value, int) or tls_port.value <= 0 or not isinstance(domain.value, str):
            continue
        host = domain.value.strip().lower()
        site = next((s for s in dep.sites_for_host(host) if host in s.hosts and _https_443(s)), None)
        if site is None:
            continue
        # asked only now, of a tree that has such a site: it reads every document's text
        if ctx.tree_memo("rtc413.sni_routing",
                         lambda: any(re.search(SNI_ROUTING, doc.text) for doc in dep.documents.values())):
            return
        clash = tls_port.value == 443 and _both_bind_443(dep, inst.service, site)
        message = (f"LiveKit advertises TURN/TLS as turns:{host}:443 (whatever tls_port says), but "
                   f"{site.name or site.kind} in {site.span.path} serves {host}:443 as HTTPS: clients behind "
                   "443-only firewalls get no relay")
        if clash:
            message += "; and with tls_port: 443 LiveKit and the proxy both bind 443 on this machine, so one of them " \
                       "cannot start"
        message += "; give TURN its own host name, route it by SNI to tls_port, or set tls_port: 0"
        yield ctx.report(tls_port.key_span or tls_port.span, message,
                         severity=Severity.ERROR if clash else Severity.WARNING,
                         related=[Related(site.span, f"the proxy's site for {host}")])


def _https_443(site) -> bool:
    return any(lst.port == 443 and lst.tls for lst in site.listens)


def _both_bind_443(dep, livekit, site) -> bool:
    """LiveKit and the proxy on one machine, each taking port 443 of it."""
    if livekit is None:
        return False
    proxies = [s for s in dep.services if s.role == "proxy" and s.group == livekit.group
               and (site.span.path in {m.resolved for m in s.mounts} or len(dep.services_by_role("proxy")) == 1)]
    return bool(proxies) and _binds_443(livekit) and any(_binds_443(p) for p in proxies)


def _binds_443(service) -> bool:
    if service.network_mode is not None and service.network_mode.value == "host":
        return True
    return any(p.host_port == 443 and p.protocol == "tcp" for p in service.ports)
