"""The whole deployment: every file's facts merged, with indexes for cross-file rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rtclint.model.host_index import HostIndex

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # the facts' classes, named only in annotations: a run imports those it meets
    from rtclint.diagnostics import Diagnostic
    from rtclint.document import Document, Span
    from rtclint.model.firewall import Firewall
    from rtclint.model.proxy import Site
    from rtclint.model.configs import EssValues, LiveKitConfig, SynapseConfig
    from rtclint.model.services import KubeService, Located, Service
    from rtclint.model.wellknown import WellKnown


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(slots=True, eq=False, repr=False)
class FileFacts:
    """What one parser learned from one file. Picklable, so it can be cached and
    produced in a worker process; cross-file linking happens in `Deployment`."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    well_knowns: list[WellKnown] = field(default_factory=list)  # not served by a proxy route
    livekit: list[LiveKitConfig] = field(default_factory=list)
    synapse: list[SynapseConfig] = field(default_factory=list)
    toml_homeservers: list[SynapseConfig] = field(default_factory=list)  # Continuwuity, Tuwunel
    ess: list[EssValues] = field(default_factory=list)
    element_call: list[dict] = field(default_factory=list)  # Element Call config.json facts
    element_web: list[dict] = field(default_factory=list)  # Element Web config.json facts
    server_names: list[Located] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)  # files this one pulled in
    subkind: str = ""  # e.g. 'compose', 'k8s', 'synapse' for YAML; '' when unknown
    templated: bool = False  # Helm/Jinja template: structure-level findings are skipped
    kube_services: list[KubeService] = field(default_factory=list)  # Kubernetes Service objects
    firewalls: list[Firewall] = field(default_factory=list)  # host inbound filters (model/firewall.py)
    # a kustomization: {'namespace': NS or '', 'resources': [display paths of resource files
    # and of the kustomizations of resource folders]} (model/partition.applied_namespaces)
    kustomization: dict | None = None


@dataclass(eq=False, repr=False)
class Deployment:
    """One deployment: the facts of its files merged and linked, with the indexes cross-file rules ask."""

    documents: dict[str, Document] = field(default_factory=dict)
    files: dict[str, FileFacts] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    extra_well_knowns: list[WellKnown] = field(default_factory=list)
    livekit: list[LiveKitConfig] = field(default_factory=list)
    synapse: list[SynapseConfig] = field(default_factory=list)
    toml_homeservers: list[SynapseConfig] = field(default_factory=list)  # flavor continuwuity/tuwunel
    ess: list[EssValues] = field(default_factory=list)
    element_call: list[dict] = field(default_factory=list)
    element_web: list[dict] = field(default_factory=list)
    declared_server_names: list[Located] = field(default_factory=list)
    targets: dict[str, str] = field(default_factory=dict)  # component -> version target
    kube_services: list[KubeService] = field(default_factory=list)
    firewalls: list[Firewall] = field(default_factory=list)
    # which deployment of the tree this is (its directory, see model/partition.py), and
    # every deployment of the tree (this one included; one list shared by all), for the one
    # rule that compares them (RTC007)
    name: str = "."
    peers: list["Deployment"] = field(default_factory=list, repr=False, compare=False)
    # facts of the whole tree (all `documents`), computed once per run and shared by the
    # peers: a per-deployment scan of every document would be quadratic in deployments
    tree_facts: dict = field(default_factory=dict, repr=False, compare=False)

    def add(self, facts: FileFacts) -> None:
        self.files[facts.path] = facts
        self.sites += facts.sites
        self.services += facts.services
        self.extra_well_knowns += facts.well_knowns
        self.livekit += facts.livekit
        self.synapse += facts.synapse
        self.toml_homeservers += getattr(facts, "toml_homeservers", [])  # old cache entries lack it
        self.ess += facts.ess
        self.element_call += facts.element_call
        self.element_web += getattr(facts, "element_web", [])  # old cache entries lack it
        self.declared_server_names += facts.server_names
        self.kube_services += getattr(facts, "kube_services", [])  # old cache entries lack it
        self.firewalls += getattr(facts, "firewalls", [])

    def absorb(self, part: "Deployment") -> None:
        """Add a linked deployment's facts to this one (the whole tree's view, which the
        fixer, suppressions and secret masking read); its links stay as they are."""
        self.files.update(part.files)
        self.documents.update(part.documents)
        for component, version in part.targets.items():  # the first deployment's, per component
            self.targets.setdefault(component, version)
        for name in ("sites", "services", "extra_well_knowns", "livekit", "synapse", "toml_homeservers", "ess",
                     "element_call", "element_web", "declared_server_names", "kube_services", "firewalls"):
            getattr(self, name).extend(getattr(part, name))

    def edits_fit(self, edits) -> bool:
        """Whether these fix edits keep to what their file is. A homeserver config held in a
        manifest's ConfigMap/Secret key (parsers/kube_homeserver) is edited through the
        manifest: an edit inside a block scalar's text is exact, but one on a quoted or
        base64 value, or one a homeserver fix aims at "the file" (appended at its end,
        re-dumped at its top level), would write into the manifest itself. So an edit to a
        file holding such a config must lie inside one held as a block scalar."""
        held = self.__dict__.get("_held_configs")
        if held is None:
            held = self._held_configs = {}
            for cfg in (*self.synapse, *self.toml_homeservers):
                if cfg.embedded:
                    held.setdefault(cfg.span.path, []).append((cfg.span, cfg.embedded))
        for edit in edits:
            around = held.get(edit.span.path)
            if around and not any(how == "block" and span.start <= edit.span.start < span.end
                                  and edit.span.end <= span.end for span, how in around):
                return False
        return True

    # -- derived views -------------------------------------------------------------

    def well_knowns(self, which: str = "client") -> list[WellKnown]:
        """Every well-known body of that kind: proxy-served ones and the others (built
        once per kind and tree size: a dozen rules ask, each selecting every site's route)."""
        key = (which, len(self.sites), len(self.extra_well_knowns))
        memo = self.__dict__.setdefault("_well_knowns", {})
        if key not in memo:
            memo[key] = self._build_well_knowns(which)
        return list(memo[key])

    def _build_well_knowns(self, which: str) -> list[WellKnown]:
        """The extra well-knowns, and the ones the proxies serve as the answer model says
        they answer a client's GET (model/answer_wellknown.py)."""
        found = [wk for wk in self.extra_well_knowns if wk.which == which]
        if not self.sites:  # no proxy: the answer model is not even imported
            return found
        from rtclint.model.answer_wellknown import served_well_knowns

        return found + served_well_knowns(self.sites, which)

    def claims_by_host(self) -> dict[str, list["Deployment"]]:
        """Host -> the deployments of the tree that claim it, built once for the whole
        tree (held by the first deployment) so comparing deployments stays linear."""
        owner = self.peers[0] if self.peers else self
        index = owner.__dict__.get("_claims_by_host")
        if index is None:
            index = {}
            for dep in self.peers or [self]:
                for host in dep.claimed_hosts():
                    index.setdefault(host, []).append(dep)
            owner.__dict__["_claims_by_host"] = index
        return index

    def claimed_hosts(self) -> dict[str, Span]:
        """The public host names this deployment answers for or calls itself (its proxies'
        named hosts, its server_names), each with the first place that claims it; catch-alls,
        wildcards, placeholders, localhost and IP addresses claim nothing."""
        cached = self.__dict__.get("_claimed")
        if cached is not None:
            return cached
        found: dict[str, Span] = {}
        # server_names first: a fix that adds a site for one must not move the claim
        for located in self.server_names():
            name = located.value
            if isinstance(name, str) and located.span is not None:
                name = name.lower().split(":")[0].strip()
                if _public_name(name):
                    found.setdefault(name, located.span)
        for site in self.sites:
            for host in site.hosts:
                if _public_name(host):
                    found.setdefault(host.lower(), site.span)
        self.__dict__["_claimed"] = found
        return found

    def sites_for_host(self, host: str) -> list[Site]:
        return self._host_index().sites_for_host(host.lower())

    def services_by_role(self, role: str) -> list[Service]:
        return [s for s in self.services if s.role == role]

    def service_named(self, name: str, near: str | None = None) -> Service | None:
        """The service other containers reach as `name`. Two Compose projects in one tree
        may both call a service `livekit`: with `near` (the path of the file that names
        it), the one defined closest to that file in the directory tree wins."""
        found = self._alias_index().get(name.lower(), [])
        if len(found) <= 1 or near is None:
            return found[0] if found else None
        # = max(found, key=shared directories with `near`), first on ties, without a
        # scan of every same-named service per lookup (a tree of many Compose projects)
        by_prefix = self._nearest_index(name.lower(), found)
        dirs = tuple(near.split("/")[:-1])
        for k in range(len(dirs), -1, -1):
            if dirs[:k] in by_prefix:
                return by_prefix[dirs[:k]]
        return found[0]

    def server_names(self) -> list[Located]:
        names = list(self.declared_server_names)
        for cfg in self.synapse:
            if cfg.server_name is not None:
                names.append(cfg.server_name)
        for ess in self.ess:
            if ess.server_name is not None:
                names.append(ess.server_name)
        for cfg in self.toml_homeservers:
            if cfg.server_name is not None:
                names.append(cfg.server_name)
        return names

    # -- indexes (built once: rules stay linear in the size of the tree) -------------

    def _host_index(self) -> HostIndex:
        if getattr(self, "_hosts", None) is None:
            self._hosts = HostIndex(self.sites)
        return self._hosts

    def _alias_index(self) -> dict[str, list[Service]]:
        if getattr(self, "_aliases", None) is None:
            index: dict[str, list[Service]] = defaultdict(list)
            seen: set[tuple[str, int]] = set()  # (alias, id): not `in list`, which compares whole records
            for service in self.services:
                for alias in {service.name, *service.aliases}:
                    if (alias.lower(), id(service)) not in seen:
                        seen.add((alias.lower(), id(service)))
                        index[alias.lower()].append(service)
            self._aliases = index
            self._nearest: dict = {}  # built from this index: rebuilt with it
        return self._aliases

    def _nearest_index(self, alias: str, found: list[Service]) -> dict[tuple, Service]:
        """Directory prefix -> the first of `found` defined under it (for service_named)."""
        cache = self.__dict__.setdefault("_nearest", {})
        if alias not in cache:
            index: dict[tuple, Service] = {}
            for svc in found:
                parts = tuple(svc.span.path.split("/")[:-1])
                for k in range(len(parts) + 1):
                    index.setdefault(parts[:k], svc)
            cache[alias] = index
        return cache[alias]


def _public_name(host: str) -> bool:
    if not host or any(c in host for c in "*{}$_ ") or host.startswith(".") or "." not in host:
        return False  # catch-all, wildcard, placeholder, or a bare name such as localhost
    return not host.replace(".", "").isdigit()  # an IPv4 address


def _shared_dirs(a: str, b: str) -> int:
    """How many leading directories two display paths share."""
    n = 0
    for x, y in zip(a.split("/")[:-1], b.split("/")[:-1]):
        if x != y:
            break
        n += 1
    return n
