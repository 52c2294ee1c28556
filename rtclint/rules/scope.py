"""Which rules a deployment needs: a rule reads certain kinds of facts (its WHERE, kept
in `rtclint.rules.READS`), and a deployment that holds none of them cannot give it
anything to find. Skipping such a rule spares importing it, which is most of what a
one-file pre-commit run costs beyond Python and its parsers.

The kinds a deployment holds are read from its facts, in wide groups, so that a rule is
skipped only when the whole family of facts it reads is absent: a deployment with any
proxy site holds every proxy kind, one with any service holds Compose, env and
Kubernetes, one with any homeserver setting every homeserver kind; LiveKit's and
Element Call's kinds come with a LiveKit or Element Call config or container. A WHERE kind outside these groups
(or "all") always runs. tests/test_rule_scope.py runs every fixture tree, example and
upstream config both ways and requires the same findings."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model import Deployment

PROXY_KINDS = frozenset({"caddy", "nginx", "haproxy", "traefik", "kubernetes"})
SERVICE_KINDS = frozenset({"compose", "env", "k8s"})
HOMESERVER_KINDS = frozenset({"synapse", "ess", "toml"})
CLIENT_FILE_KINDS = frozenset({"json", "element-call"})
FIREWALL_KINDS = frozenset({"nftables", "ufw", "iptables", "firewalld"})
# not a WHERE kind: what the TOML homeserver family reads (Continuwuity/Tuwunel settings, from a
# TOML file, a NixOS module or the playbook's vars), which a Synapse tree holds none of
TOML_SETTINGS = "toml-homeserver-settings"
# not a WHERE kind either: ESS values of the matrix-stack chart, which the ESS family's value
# rules read and a Synapse or TOML homeserver tree holds none of
ESS_VALUES = "ess-values"
GROUPED = PROXY_KINDS | SERVICE_KINDS | HOMESERVER_KINDS | CLIENT_FILE_KINDS | FIREWALL_KINDS | {"livekit"}


def kinds_held(dep: "Deployment") -> set[str]:
    """The WHERE kinds whose facts `dep` holds (each group whole, see above), and the
    format of each of its files."""
    documents = dep.documents  # the whole tree's: asked by path, never walked per deployment
    kinds = {documents[path].kind for path in dep.files if path in documents}
    kinds.update(facts.subkind for facts in dep.files.values() if facts.subkind)
    if dep.sites:
        kinds |= PROXY_KINDS
    if dep.services or dep.kube_services:
        kinds |= SERVICE_KINDS
    if dep.livekit or any(svc.role == "livekit" for svc in dep.services):
        kinds.add("livekit")
    if any(svc.role == "element-call" for svc in dep.services):
        kinds.add("element-call")
    if dep.synapse or dep.toml_homeservers or dep.ess or dep.declared_server_names:
        kinds |= HOMESERVER_KINDS
    if dep.toml_homeservers:
        kinds.add(TOML_SETTINGS)
    if dep.ess:
        kinds.add(ESS_VALUES)
    if dep.extra_well_knowns or dep.element_call or dep.element_web:
        kinds |= CLIENT_FILE_KINDS
    if dep.firewalls:
        kinds |= FIREWALL_KINDS
    return kinds


# Families whose every rule is about one part of the setup: without it, none of them can find
# anything, whatever other kinds their WHERE names (a LiveKit rule reads Compose files for
# the LiveKit container's ports; a routing rule reads Compose files for a route's upstream; the
# TOML homeserver rules read only Continuwuity's and Tuwunel's settings; the ESS value rules
# only the chart's values, though their WHERE's "ess" comes with any homeserver).
FAMILY_NEEDS = {
    "livekit": frozenset({"livekit"}),  # a LiveKit config, or a LiveKit container
    "routing": PROXY_KINDS,  # a proxy site (Kubernetes Ingress and Traefik labels included)
    "homeserver_toml": frozenset({TOML_SETTINGS}),
    "ess": frozenset({ESS_VALUES}),  # the chart's values (dep.ess)
}
# ...but for these members, which read other parts
FAMILY_EXCEPTIONS = frozenset({
    "livekit.rtc414_image_pair_incompatible",  # Element Call's and lk-jwt-service's images
    "ess.rtc602_ess_nodeports_stale",  # Kubernetes Services' nodePorts, with or without the chart's values
    "ess.rtc603_service_port_mismatch",  # Kubernetes Services against the pods they select
})


def family_may_fire(module: str, kinds: set[str]) -> bool:
    """Whether the family of a rule module (`livekit.rtc400_…`) has its part of the setup
    in a deployment holding `kinds`."""
    needs = FAMILY_NEEDS.get(module.split(".", 1)[0])
    return needs is None or module in FAMILY_EXCEPTIONS or not needs.isdisjoint(kinds)


def may_fire(where: str, kinds: set[str]) -> bool:
    """Whether a rule reading `where` (space-separated kinds) can find anything in a
    deployment holding `kinds`."""
    wanted = where.split()
    return any(kind == "all" or kind not in GROUPED or kind in kinds for kind in wanted)
