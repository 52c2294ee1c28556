"""Give Traefik's sites the ports of its entry points.

A router listens on the entry points it names, else on every entry point; the static
configuration (a `traefik` service's `traefik_entrypoints` fact: name → (port, TLS,
span)) says which ports those are. Without a static configuration in the deployment the
sites keep no ports, and port rules stay quiet about them."""

from __future__ import annotations

TLS_PORTS = (443, 8443)


def link_entrypoints(deployment) -> None:
    entrypoints: dict = {}
    for svc in deployment.services:
        entrypoints.update(svc.facts.get("traefik_entrypoints") or {})
    if not entrypoints:
        return
    from rtclint.model.proxy import Listen  # a deployment with Traefik's static configuration

    for site in deployment.sites:
        if site.kind != "traefik" or site.listens:
            continue
        named = {ep for route in site.routes for ep in route.facts.get("entrypoints") or ()}
        if any(not route.facts.get("entrypoints") for route in site.routes):
            named = set(entrypoints)
        # which router answers depends on the entry point and TLS (model/answer_traefik.py); a
        # TLS port counts as TLS even when the static file read sets no `http.tls` there (the
        # certificate may be configured where rtclint does not look: say nothing wrong)
        site.facts["entrypoints"] = {name: (port, tls or port in TLS_PORTS)
                                     for name, (port, tls, _) in entrypoints.items()}
        site.listens = [Listen(port, tls or port in TLS_PORTS or any(r.facts.get("tls") for r in site.routes), span)
                        for name, (port, tls, span) in sorted(entrypoints.items()) if name in named]
