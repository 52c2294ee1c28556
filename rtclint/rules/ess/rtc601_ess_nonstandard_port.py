"""The ESS hosts are exposed on an HTTPS port other than 443, which the chart cannot express.

## What it does
Finds the proxy sites in the tree that serve the ESS release's hosts (`serverName` and
each enabled component's `ingress.host`) and reports when none of them listens with
TLS on 443 — for example nginx on 8443 in front of the ESS ingress.

## Why
The chart renders every public URL as `https://<host>` without a port: the client
well-known's `m.homeserver.base_url` and `rtc_foci` `livekit_service_url`, Synapse's
`public_baseurl` and `matrix_rtc.transports`, the MAS issuer. Clients then connect to
port 443, where nothing answers, and calls fail with `MISSING_MATRIX_RTC_FOCUS`
(`MISSING_MATRIX_RTC_TRANSPORT`). `wellKnownDelegation.additional.client` cannot
fix it: the chart merges its own `m.homeserver` and `rtc_foci` over the additional
JSON. Patching the generated ConfigMap by hand is undone by the next `helm upgrade`.

## Example
```nginx
server {
    listen 8443 ssl;
    server_name example.org matrix.example.org rtc.example.org;
    location / { proxy_pass http://127.0.0.1:8080; }
}
```

## Fix
Manual: serve the ESS hosts on 443 (port-forward 443 to the proxy). If that is
impossible, set `wellKnownDelegation.enabled: false` and serve your own
`/.well-known/matrix/client` on the serverName with `:8443` in every URL, and
override Synapse's `public_baseurl` and `matrix_rtc.transports` through
`synapse.additional` the same way.
"""

from __future__ import annotations

from rtclint.diagnostics import Related, Severity
from rtclint.document import Span
from rtclint.model import EssValues, Located

CODE = "RTC601"
NAME = "ess-nonstandard-port"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("ess", "nginx", "caddy", "haproxy")


def check(ctx):
    for file_values in ctx.deployment.ess:
        values = file_values.chart_view
        if values.server_name is not None and values.server_name.span is not None \
                and values.server_name.span.path != file_values.path:
            continue  # judged once per release, from the file that sets serverName
        hosts = _ess_hosts(values)
        if not hosts:
            continue
        sites = [s for s in ctx.deployment.sites if s.listens and _names_any(s, hosts)]
        if not sites or any(443 in s.tls_ports for s in sites):
            continue
        ports = sorted({p for s in sites for p in s.tls_ports})
        if not ports:
            continue
        anchor = values.hosts.get("matrixRTC") or values.server_name or next(iter(hosts.values()))
        served = sorted(h for h in hosts if sites[0].serves_host(h))
        port = ports[0]
        related = [Related(listen.span, f"listens on {listen.port}") for s in sites for listen in s.listens
                   if listen.span is not None][:5]
        yield ctx.report(
            anchor.span or Span(file_values.path, 0, 0),
            f"the ESS hosts ({', '.join(served[:6])}{' …' if len(served) > 6 else ''}) are served only on port "
            f"{', '.join(map(str, ports))} "
            f"({sites[0].span.path}), but the chart renders every URL without a port: the well-known's base_url "
            f"and rtc_foci (https://{values.hosts['matrixRTC'].value if 'matrixRTC' in values.hosts else '…'}), "
            f"Synapse's public_baseurl and matrix_rtc.transports point at 443. "
            f"wellKnownDelegation.additional.client cannot override rtc_foci (the chart's keys win). Serve ESS on "
            f"443, or set wellKnownDelegation.enabled: false and serve your own client well-known with :{port} in "
            f"every URL (and set Synapse's public_baseurl/matrix_rtc via synapse.additional)",
            related=related,
        )


def _ess_hosts(values: EssValues) -> dict[str, Located]:
    """The public hosts the release serves: serverName (well-known) and enabled components."""
    hosts: dict[str, Located] = {}
    if values.server_name is not None and values.component_enabled("wellKnownDelegation"):
        hosts[str(values.server_name.value).lower()] = values.server_name
    for component, host in values.hosts.items():
        if values.component_enabled(component):
            hosts.setdefault(str(host.value).lower(), host)
    return hosts


def _names_any(site, hosts) -> bool:
    """The site names one of the hosts, exactly or by a wildcard (not a catch-all)."""
    if not any(h not in ("*", "", "_") for h in site.hosts):
        return False
    return any(site.serves_host(h) for h in hosts)
