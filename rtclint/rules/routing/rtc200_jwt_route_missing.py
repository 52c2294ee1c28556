"""No proxy route takes `livekit_service_url` to the JWT service.

## What it does
For each https `livekit_service_url` in the tree (client well-knowns, Synapse
`matrix_rtc.transports`) whose host is served by a proxy site in the tree, asks the
answer model what the proxy does with the client's `POST <url>/get_token` and
`POST <url>/sfu/get`, and reports when neither reaches
lk-jwt-service (recognised by its Compose/Kubernetes service name, or a `jwt` name,
or its port 8080 on a JWT-looking path). Upstreams rtclint cannot identify (an
ingress controller, Traefik) are given the benefit of the doubt.

## Why
The client POSTs to `<livekit_service_url>/get_token` to get a LiveKit token; if
the proxy answers it with a static page, a 404 or the SFU, every call fails with
`MISSING_MATRIX_RTC_TRANSPORT` (0.17–0.19) or a failed join.

## Example
```caddy
jwt.example.com {
    respond "not here" 404
}
```

## Fix
Manual: route the URL's host and path to lk-jwt-service (stripping any path prefix).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtclint.diagnostics import Related, Severity
from rtclint.rules.common.roles import is_jwt_route
from rtclint.rules.routing.answers import ask, describe, reaches
from rtclint.rules.routing.routes import ess_hosts, service_urls

CODE = "RTC200"
NAME = "jwt-route-missing"
SEVERITY = Severity.ERROR
FIX = "manual"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes")
KINDS = ("get-token", "sfu-get")  # what the client POSTs first, then the older endpoint


def check(ctx) -> Iterator:
    dep = ctx.deployment
    skip_hosts = ess_hosts(dep)
    seen = set()
    for url, span in service_urls(ctx):
        if (url.host, url.path) in seen or url.host in skip_hosts:
            continue
        seen.add((url.host, url.path))
        answers = [ask(ctx, url, kind) for kind in KINDS]
        if answers[0].site is None:
            continue  # no proxy in the tree serves the URL's host and port (RTC104 says so)
        results = [reaches(ctx, found, "jwt") for found in answers]
        if any(r is not False for r in results):
            continue  # one reaches it (RTC202 judges the other), or rtclint cannot tell
        if any(is_jwt_route(ctx, r, answers[0].site) for r in answers[0].site.routes):
            continue  # the site routes the service elsewhere: RTC201/RTC202/RTC109 say what is wrong
        found = answers[0]
        site = found.site
        request = url.path + "/get_token"
        yield ctx.report(span, f"livekit_service_url {url.text()}: on {site.name or site.kind} ({site.span.path}) "
                         f"{url.host}{request} does not reach the JWT service ({describe(ctx, found)}); "
                         f"route {url.path or '/'} on {url.host} to lk-jwt-service",
                         related=[Related(found.route.span if found.route else site.span, "the request ends here")])
