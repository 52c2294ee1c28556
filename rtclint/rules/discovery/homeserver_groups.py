"""Which well-knowns, ESS releases and public URLs belong to which homeserver
(server_name), so the cross-file rules compare each homeserver with its own backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtclint.document import Span
from rtclint.model import WellKnown
from rtclint.rules.common.synapse_view import Homeserver, homeservers


# eq=False, repr=False: nobody compares (==) or prints these records, and dataclasses compiles
# every generated method at import (an exec each on Python 3.11)
@dataclass(eq=False, repr=False)
class Group:
    """One homeserver's discovery facts."""

    server_name: str | None
    name_span: Span | None = None
    hs: Homeserver | None = None
    well_knowns: list[WellKnown] = field(default_factory=list)
    ess: list = field(default_factory=list)


def server_names(ctx, jwt_allow_list: bool = True) -> dict[str, Span | None]:
    """Every server_name the tree declares, with where it is written. With
    `jwt_allow_list`, also the homeservers LIVEKIT_FULL_ACCESS_HOMESERVERS names (which
    may include other organisations' homeservers). Built once per run (four rules ask);
    each caller gets its own copy."""
    return dict(ctx.memo(("discovery.server_names", jwt_allow_list), lambda: _server_names(ctx, jwt_allow_list)))


def _server_names(ctx, jwt_allow_list: bool) -> dict[str, Span | None]:
    dep = ctx.deployment
    names: dict[str, Span | None] = {}

    def add(name, span):
        if isinstance(name, str) and name and name != "*" and "{" not in name and "$" not in name:
            names.setdefault(name.lower().split(":")[0].strip(), span)

    for hs in all_homeservers(ctx):
        located, _ = hs.get("server_name")
        if located is not None:
            add(located.value, located.span)
    for values in dep.ess:
        if values.server_name is not None:
            add(values.server_name.value, values.server_name.span)
    for service in dep.services if jwt_allow_list else ():
        var = service.env.get("LIVEKIT_FULL_ACCESS_HOMESERVERS")
        if var is not None and var.value:
            for name in var.value.split(","):
                add(name.strip(), var.value_span or var.span)
    for located in dep.declared_server_names:
        add(located.value, located.span)
    for wk in dep.well_knowns("server"):
        for host in wk.hosts:
            if host not in ("*", "", "_"):
                add(host, wk.span)
    if ctx.config.server_name:
        add(ctx.config.server_name, None)
    return names


def all_homeservers(ctx) -> list[Homeserver]:
    """Synapse's homeservers and the TOML ones (Continuwuity, Tuwunel), read into the
    same facts: the discovery rules compare each with its own well-knowns."""
    toml = [Homeserver([cfg], main=cfg) for cfg in getattr(ctx.deployment, "toml_homeservers", ())]
    return homeservers(ctx) + toml


def _wk_belongs(wk: WellKnown, name: str, single: bool) -> bool:
    hosts = [h for h in wk.hosts if h not in ("*", "", "_")]
    if not hosts:
        return single
    return any(h == name or h.endswith("." + name) for h in hosts)


def groups(ctx) -> list[Group]:
    """Each homeserver's discovery facts, built once per run (RTC108 and RTC109 read them)."""
    return ctx.memo("discovery.groups", lambda: _groups(ctx))


def _groups(ctx) -> list[Group]:
    dep = ctx.deployment
    names = server_names(ctx)
    single = len(names) <= 1
    client = [wk for wk in dep.well_knowns("client")]
    found: dict[str | None, Group] = {n: Group(n, span) for n, span in names.items()}
    for hs in all_homeservers(ctx):
        name = hs.server_name
        if name is None:
            if len(names) == 1:
                name = next(iter(names))
            elif len(all_homeservers(ctx)) > 1:
                continue  # a fragment of an unknown homeserver
        group = found.setdefault(name, Group(name))
        group.hs = group.hs or hs
    for values in dep.ess:
        if values.server_name is not None:
            found.setdefault(str(values.server_name.value).lower(), Group(str(values.server_name.value).lower())
                             ).ess.append(values)
    by_suffix = suffix_index(client)
    hostless = [i for i, wk in enumerate(client) if not any(h not in ("*", "", "_") for h in wk.hosts)]
    for group in found.values():
        if group.server_name is None:
            group.well_knowns = list(client) if single else []
        else:  # = [wk for wk in client if _wk_belongs(wk, name, single)], without a scan per group
            picked = set(by_suffix.get(group.server_name, ())) | (set(hostless) if single else set())
            group.well_knowns = [client[i] for i in sorted(picked)]
    return list(found.values())


def suffix_index(client: list[WellKnown], strict: bool = False) -> dict[str, list[int]]:
    """name -> positions of the well-knowns with a host that is `name` (unless `strict`)
    or ends in `.name`, each position once, in order."""
    index: dict[str, list[int]] = {}
    for i, wk in enumerate(client):
        keys: set[str] = set()
        for h in wk.hosts:
            if h in ("*", "", "_"):
                continue
            keys |= {h[j + 1:] for j, ch in enumerate(h) if ch == "."} | (set() if strict else {h})
        for key in keys:
            index.setdefault(key, []).append(i)
    return index
