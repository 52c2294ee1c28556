"""Replay one config: parse it, start the real server beside stand-in upstreams, send
every client request to both the server and the model, and compare."""

from __future__ import annotations

import ipaddress
import itertools
import os
import re
from dataclasses import dataclass, field

from rtclint.model.answer import answer
from rtclint.model.answer_requests import client_requests
from rtclint.model.proxy import Site
from tools.replay import client, compare, servers, traefik
from tools.replay.standin import Recorder, StandIns

MAX_HOSTS = 3
MAX_BASES = 4
_ids = itertools.count(1)


@dataclass
class Outcome:
    kind: str
    path: str
    skipped: str = ""
    requests: int = 0
    disagreements: list[str] = field(default_factory=list)
    not_replayed: int = 0  # the model's upstream listens on the proxy's own port: no stand-in fits
    unknown: dict[str, int] = field(default_factory=dict)
    error: str = ""  # the harness failed on this config (a bug to fix, never a pass)


def sites_of(kind: str, path: str) -> list[Site]:
    from rtclint.engine import Loader
    from rtclint.parsers import parser_for
    from rtclint.parsers.base import Tree

    loader = Loader()
    doc = loader.load(os.path.abspath(path), kind)
    if doc is None:
        return []
    tree = Tree([os.path.dirname(os.path.abspath(path))], loader.load, {os.path.abspath(path): kind})
    facts = parser_for(kind).read(doc, tree)
    return facts.sites


def linked_sites(path: str) -> list[Site]:
    """The file's sites as `rtclint check` models its deployment (linked: an Ingress route's
    upstream is `<service>:<targetPort>`, where ingress-nginx sends), not the parser's alone."""
    from rtclint.engine import check

    path = os.path.abspath(path)
    out: dict[int, Site] = {}
    for dep in check([path]).deployments:  # a file of several namespaces is several deployments
        for site in dep.sites:
            if site.span is not None and os.path.abspath(site.span.path) == path:
                out.setdefault(id(site), site)
    return list(out.values())


def upstreams_of(sites: list[Site]) -> set[tuple[str, int, bool]]:
    out = set()
    for site in sites:
        for route in site.routes:
            ups = list(route.facts.get("servers") or route.facts.get("upstreams") or [])
            if route.proxy is not None:
                ups.append(route.proxy.upstream)
            for up in ups:
                if up.host and "$" not in up.host and "{" not in up.host and "/" not in up.host:
                    out.add((up.host, up.effective_port, up.scheme in ("https", "wss")))
    return out


def addresses(names: set[str], site_hosts: set[str]) -> dict[str, str]:
    """Upstream name → loopback address (IP literals stay themselves)."""
    out: dict[str, str] = {}
    n = 10
    for name in sorted(names):
        try:
            ipaddress.ip_address(name)
            out[name] = name
            continue
        except ValueError:
            pass
        if name == "localhost":
            out[name] = "127.0.0.1"
            continue
        out[name] = f"127.0.{n // 250}.{n % 250 + 2}"
        n += 1
    for host in site_hosts:
        out.setdefault(host, "127.0.0.1")
    return out


def hosts_file(mapping: dict[str, str]) -> str:
    lines = ["127.0.0.1 localhost", "::1 localhost ip6-localhost"]
    lines += [f"{addr} {name}" for name, addr in mapping.items() if addr != name]
    return "\n".join(lines) + "\n"


def targets(sites: list[Site]) -> list[tuple[str, str, int, list[str]]]:
    """(scheme, host, port, bases) to send the client requests to."""
    out = []
    seen = set()
    for site in sites:
        hosts = [_concrete(h) for h in site.hosts if not h.startswith("~")][:MAX_HOSTS] or ["replay.example"]
        bases = [""] + _bases(site)
        listens = site.listens or []
        for lst in listens:
            for host in hosts:
                key = (lst.tls, host, lst.port)
                if key not in seen:
                    seen.add(key)
                    out.append(("https" if lst.tls else "http", host, lst.port, bases[:MAX_BASES]))
    return out


def _concrete(host: str) -> str:
    if host in ("*", "", "_"):
        return "replay.example"
    return host.replace("*", "replay").lstrip(".")


def _bases(site: Site) -> list[str]:
    out = []
    for route in site.routes:
        m = route.matcher
        # an HTTPRoute's PathPrefix is element-wise ('segment'): its prefix is a base too
        if m.kind not in ("prefix", "prefix_noregex") and not (m.kind == "segment" and site.kind == "gateway") \
                or m.negated:
            continue
        for p in m.paths:
            p = p.rstrip("*").rstrip("/")
            if p and not p.startswith(("/.well-known", "/_matrix", "/_synapse")) and "$" not in p and p not in out:
                out.append(p)
    return out


def replay(kind: str, path: str, scratch: str) -> Outcome:
    outcome = Outcome(kind, path)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        outcome.skipped = f"unreadable: {exc}"
        return outcome
    eps = None
    source = traefik.source(path) if kind == "traefik" else kind
    if source in ("kubernetesingress", "kubernetescrd"):  # Traefik reaches the pods (kube_endpoints): linked
        sites = linked_sites(path)
        eps = traefik.entrypoints(sites)
        traefik.link(sites, eps)
    elif source == "kubernetesgateway":  # the pods too; each listener binds the entry point of its port
        from tools.replay.kube_gateway import entrypoints_of

        sites = linked_sites(path)
        eps = entrypoints_of(path)
        traefik.link(sites, eps)
    elif kind == "traefik":
        sites = sites_of("toml" if source == "toml" else "yaml", path)
        eps = traefik.entrypoints(sites)
        traefik.link(sites, eps)
    else:
        sites = sites_of(kind, path)
    work = targets(sites)
    if not work:
        outcome.skipped = "no site with a listening port"
        return outcome
    ups = upstreams_of(sites)
    if kind == "haproxy":  # backends no rule uses still need their names resolved to start
        named = re.findall(r"(?m)^\s*server\s+\S+\s+([A-Za-z][\w.-]*):(\d+)", text)
        ups |= {(host, int(port), False) for host, port in named}
    site_hosts = {h for _, h, _, _ in work}
    pem = servers.make_cert(scratch, sorted(site_hosts | {h for h, _, _ in ups}))
    plan = servers.plan(kind, path, text, any(s.fragment for s in sites), scratch, pem, eps)
    if plan.skip:
        outcome.skipped = plan.skip
        return outcome
    mapping = addresses({h for h, _, _ in ups}, site_hosts)
    plan.files["/etc/hosts"] = hosts_file(mapping)
    servers.write_files(plan)
    # no separate `nginx -t`/`haproxy -c`/`caddy validate`: starting loads the same config
    # and refuses it the same way, in half the time
    listen_ports = sorted({port for _, _, port, _ in work})
    # Traefik's entry points listen on 127.0.0.1 only (traefik.plan_files): a stand-in may
    # take the same port on its own address, so none is left out
    taken = [] if kind == "traefik" else listen_ports
    recorder = Recorder()
    standins = StandIns(recorder)
    names = {}
    tls = _server_context(pem, scratch)
    for host, port, secure in sorted(ups):
        addr = mapping.get(host, host)
        names.setdefault(addr, host)
        if port not in taken:
            standins.ensure(addr, port, tls if secure else None)
    if kind == "traefik":
        standins.ensure(*traefik.READY_ADDRESS)
    provider = None
    try:
        provider, why = traefik.start_provider(path, source, mapping, names, standins, taken)
        if why:
            outcome.skipped = why
            return outcome
        running = servers.start(plan, listen_ports, os.path.join(scratch, "server.log"))
        if isinstance(running, str):
            outcome.skipped = f"{kind} refuses it or did not start: {running}"
            return outcome
        try:
            servers.wait_tls({port: host for scheme, host, port, _ in reversed(work) if scheme == "https"})
            if kind == "traefik" and not traefik.wait_ready(client.send, recorder, eps):
                outcome.skipped = "traefik did not load the config: " + servers._tail(os.path.join(scratch, "server.log"))
                return outcome
            _requests(outcome, sites, work, recorder, names, mapping, os.path.join(scratch, "server.log"),
                      set(taken), spec_only=source == "kubernetesingress")
        finally:
            servers.stop(running)
    finally:
        standins.close()
        if provider is not None:
            provider.close()
    return outcome


def _server_context(pem: str, scratch: str):
    import ssl

    path = os.path.join(scratch, "standin.pem")
    with open(path, "w") as fh:
        fh.write(pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)
    return ctx


def _requests(outcome: Outcome, sites, work, recorder: Recorder, names: dict[str, str], mapping: dict[str, str],
              log, ports: set[int], spec_only: bool = False) -> None:
    for scheme, host, port, bases in work:
        for kind, request in client_requests(scheme, host, port, bases):
            model = answer(sites, request)
            outcome.requests += 1
            if model.kind == "unknown":
                outcome.unknown[model.reason] = outcome.unknown.get(model.reason, 0) + 1
                continue
            if model.kind == "proxy" and model.upstream.port in ports:
                outcome.not_replayed += 1
                continue
            rid = str(next(_ids))
            try:
                real = client.send(request, rid)
            except OSError as exc:
                real = {"status": 0, "body": f"connection failed: {exc}", "headers": {}}
            seen = recorder.seen.pop(rid, None)
            diffs = compare.differences(request, real, seen, model, names, mapping, spec_only)
            if diffs and os.environ.get("REPLAY_DEBUG") and log:
                diffs.append(servers._tail(log))
            if diffs:
                outcome.disagreements.append(
                    f"DISAGREE {outcome.kind} {outcome.path}\n  request: {kind}: {request.method} "
                    f"{scheme}://{host}:{port}{request.path} {request.headers}\n"
                    f"  server: {compare.describe_real(real, seen, names)}\n  model:  {compare.describe(model)}\n"
                    + "".join(f"  - {d}\n" for d in diffs))
