"""The playbook's Traefik routes to its MatrixRTC services, as Traefik's Docker provider
reads the labels the roles write (parsers/traefik_labels.py, parsers/traefik.py).

Playbook-managed Traefik (ansible-role-traefik 17813a2, defaults/main.yml) listens on
the entry points `web` (80) and `web-secure` (443, TLS; `traefik_entrypoint_primary`
while it is on); with `other-traefik-container` the admin runs Traefik, so its entry
points are not in the tree and the sites keep no ports. The playbook puts more routers
on the same hosts (Synapse, the static files, clients) that this reader does not build:
on each host named here, a lowest-priority router stands for them, and its answers are
unknown (never a 404 rtclint made up)."""

from __future__ import annotations

from rtclint.model import FileFacts, Service
from rtclint.parsers.playbook_vars_base import Vars, known
from rtclint.parsers.traefik import Dynamic, Router, Value, build_sites
from rtclint.parsers.traefik_labels import dynamic_from_labels

_OTHERS = ("the playbook's other routers on this host (Synapse, its static files, web clients) are not read "
           "from vars.yml")


def traefik_facts(v: Vars, labels: list[tuple[str, list]], facts: FileFacts) -> None:
    merged = Dynamic()
    for name, container_labels in labels:
        if not container_labels:
            continue
        span = container_labels[0][2]
        dyn = dynamic_from_labels(container_labels, name, span, [])
        if dyn is None:
            continue
        merged.routers.update(dyn.routers)
        merged.services.update(dyn.services)
        merged.middlewares.update(dyn.middlewares)
    if not merged.routers:
        return
    _stand_ins(merged)
    sites, problems = build_sites(v.doc, merged)
    facts.sites.extend(sites)
    facts.diagnostics.extend(problems)


def _stand_ins(dyn: Dynamic) -> None:
    """A lowest-priority router per host, undecidable, for the routers not read here."""
    from rtclint.model import traefik_rule

    hosts: list[str] = []
    first = next(iter(dyn.routers.values()))
    for router in list(dyn.routers.values()):
        if router.rule is None:
            continue
        try:
            named = traefik_rule.hosts_named(traefik_rule.parse(str(router.rule.value)))
        except traefik_rule.RuleError:
            continue
        hosts += [h for h in named if h not in hosts]
    for host in hosts:
        name = f"matrix-playbook-others-{host}"
        dyn.routers[name] = Router(name=name, span=first.span, rule=Value(f"Host(`{host}`)", first.span),
                                   priority=Value(1, first.span), entrypoints=list(first.entrypoints),
                                   tls=first.tls, facts_unknown=_OTHERS)


def managed_traefik(v: Vars) -> Service:
    """Playbook-managed Traefik's HTTP entry points (name → public port, TLS, span)."""
    pre = "traefik_config_entrypoint_"
    eps = {}
    if known(v.flag(pre + "web_enabled", True)):
        eps["web"] = (known(v.number(pre + "web_port", 80)), False, v.where(pre + "web_port", pre + "web_enabled",
                                                                            "matrix_playbook_reverse_proxy_type"))
    if known(v.flag(pre + "web_secure_enabled", True)):
        eps["web-secure"] = (known(v.number(pre + "web_secure_port", 443)), True,
                             v.where(pre + "web_secure_port", pre + "web_secure_enabled",
                                     "matrix_playbook_reverse_proxy_type"))
    return Service(name="matrix-traefik", role="traefik", source="playbook", group=v.doc.path,
                   span=v.where("matrix_playbook_reverse_proxy_type"), facts={"traefik_entrypoints": eps,
                                                                               "playbook": True})
