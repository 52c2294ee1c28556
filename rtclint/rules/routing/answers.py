"""The routing rules ask the answer model (`model/answer.py`) what the proxy does with a
client's request, instead of reading routes themselves: which route answers is the
proxy's decision (`location` order, `handle` groups, `use_backend` order, host ACLs,
redirects, rewrites), and the model makes it as the proxy does (checked against the real
servers by `make replay`). An `unknown` answer keeps a rule quiet; RTC006 names it.

Kubernetes Ingress is not in the answer model: for its sites the route the Ingress
controller picks (first match) stands in for the answer."""

from __future__ import annotations

import re

from rtclint.model.answer import answer_site
from rtclint.model.answer_hosts import SiteIndex
from rtclint.model.answer_requests import request_for
from rtclint.model.answer_types import no_site, unknown
from rtclint.rules.common.roles import upstream_role
from rtclint.rules.discovery.answered import site_urls
from rtclint.rules.routing.routes import opaque

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.model.answer_types import Answer
    from rtclint.rules.common.roles import PublicUrl


def ask(ctx, url: "PublicUrl", kind: str) -> "Answer":
    """The proxy's answer to the client request `kind` at `url` (its path is the base for
    the JWT/SFU kinds), once per run."""
    # one small dict of answers per URL (a PublicUrl is its own key): a key tuple per
    # (URL, kind) held a tenth of a big tree's memory
    by_url = ctx.memo("routing.answers", dict)
    kinds = by_url.get(url)
    if kinds is None:
        kinds = by_url[url] = {}
    found = kinds.get(kind)
    if found is None:
        found = kinds[kind] = _ask(ctx, url, kind)
    return found


def _ask(ctx, url: "PublicUrl", kind: str) -> "Answer":
    scheme = "https" if url.scheme in ("https", "wss") else "http"
    request = request_for(kind, scheme, url.host, url.port, url.path)
    plan = _host_plan(ctx, url.host)
    if plan is None:
        return unknown(f"no site serves {url.host}")
    index, fragment = plan
    site = index.pick(request)
    found = no_site(request.host, request.port) if site is None else _site_answer(ctx, site, request, kind, scheme)
    if found.site is not None:
        return found
    if fragment is not None:  # a fragment without an address (a Caddy snippet, a site body)
        return answer_site(fragment, request)
    return found if found.kind == "unknown" else unknown(found.reason or "no site", None)


def _site_answer(ctx, site, request, kind: str, scheme: str) -> "Answer":
    """`answer_site`, asked once for all the host names of a server that reads no request's
    host (a third of a big tree's requests are the same request to another name of the
    same server)."""
    shared = _host_blind_answers(ctx, site)
    if shared is None:
        return answer_site(site, request)
    key = (kind, request.path, scheme, request.port)
    found = shared.get(key)
    if found is None:
        found = shared[key] = answer_site(site, request)
    return found


def _host_blind_answers(ctx, site) -> dict | None:
    """The answers of an nginx server that reads no request's host
    (answer_nginx.reads_host), by request but host; None for any other site. Decided
    once per server and run (imported here: a tree without nginx never loads the nginx
    answers)."""
    by_site = ctx.memo("routing.host_blind_answers", dict)
    try:
        return by_site[site]
    except KeyError:
        from rtclint.model.answer_nginx import reads_host

        shared = by_site[site] = {} if site.kind == "nginx" and not reads_host(site) else None
        return shared


def _host_plan(ctx, host: str):
    """(the site index of the sites the host index gives for the host, the first of them
    without an address), or None when no site serves it: once per host and run, as each
    host is asked a dozen requests. The deployment's host index answers a host the same
    for the whole run (it is built once), so the plan needs no check at each request."""
    plans = ctx.memo("routing.host_plans", dict)
    try:
        return plans[host]
    except KeyError:
        near = ctx.deployment.sites_for_host(host)
        fragment = next((site for site in near if not site.listens), None)
        plan = plans[host] = (SiteIndex(near), fragment) if near else None
        return plan


def reaches(ctx, found: "Answer", role: str) -> bool | None:
    """Whether the answer proxies to the service `role` ('jwt', 'livekit', 'synapse');
    None when that cannot be told: an unknown answer, an upstream rtclint cannot identify
    (another proxy, an ingress controller) that may forward anywhere."""
    if found.kind == "unknown":
        return None
    if found.kind != "proxy" or found.route is None:
        return False
    got = upstream_role(ctx, found.route, found.site)
    if got == role and role in ("jwt", "livekit"):
        return True  # identified as the rules always have (service name, `jwt` names, port on a path)
    if opaque(got):
        return None
    return got == role


def describe(ctx, found: "Answer") -> str:
    """The answer in a message's words."""
    from rtclint.rules.routing.routes import ROLE_NAMES

    route = found.route
    name = f"`{route.name}`" if route is not None and route.name else "the proxy"
    if found.kind == "respond":
        return f"{name} answers it itself (status {found.status})"
    if found.kind == "redirect":
        return f"{name} redirects it to {found.location}"
    if found.kind == "proxy" and found.upstream is not None:
        role = upstream_role(ctx, route, found.site) if route is not None else None
        what = f" ({ROLE_NAMES.get(role, role)})" if role else ""
        return f"{name} sends it to {found.upstream.host}:{found.upstream.port}{what}"
    return f"rtclint cannot tell ({found.reason})"


def jwt_urls(ctx) -> list[tuple["PublicUrl", object]]:
    """Where clients reach the JWT service: every https `livekit_service_url` of the tree,
    and the URLs the proxies publish a JWT route at (its site's hosts, its mount prefix)
    when no well-known or transport names them; with the route, or None."""
    return ctx.memo("routing.jwt_urls", lambda: _jwt_urls(ctx))


def _jwt_urls(ctx) -> list[tuple["PublicUrl", object]]:
    from rtclint.model.answer_wellknown import site_hosts
    from rtclint.rules.common.roles import concrete_hosts, is_jwt_route, mount_prefix
    from rtclint.rules.routing.routes import service_urls

    found: dict = {}
    for url, _span in service_urls(ctx):
        found.setdefault((url.host, url.port, url.path), (url, None))
    for site in ctx.deployment.sites:
        for route in site.routes:
            if not is_jwt_route(ctx, route, site):
                continue
            prefix = mount_prefix(route.matcher)
            if prefix is None:
                prefix = _regex_mount(route.matcher)
            if prefix is None:
                continue
            for url in site_urls(site, concrete_hosts(site) or site_hosts(site) or ["localhost"], prefix):
                found.setdefault((url.host, url.port, url.path), (url, route))
    return list(found.values())


_REGEX_META = re.compile(r"[\\()\[\]{}.*+?|^$]")


def _regex_mount(matcher) -> str | None:
    """A regex JWT location's mount prefix: its literal start (`/livekit/jwt(/|$)(.*)` →
    '/livekit/jwt'), kept only when the pattern itself takes that prefix's /sfu/get and
    /get_token; the answers then decide the rest."""
    if matcher.kind != "regex" or matcher.negated or len(matcher.paths) != 1:
        return None
    pattern = matcher.paths[0]
    literal = pattern.lstrip("^")
    cut = _REGEX_META.search(literal)
    prefix = (literal[:cut.start()] if cut else literal).rstrip("/")
    if prefix and not prefix.startswith("/"):
        return None
    try:
        takes = all(re.search(pattern, prefix + p) for p in ("/sfu/get", "/get_token"))
    except re.error:
        return None
    return prefix if takes else None


SFU_KINDS = ("rtc-v1-ws", "rtc-ws")  # livekit-client opens /rtc/v1, then falls back to /rtc


def sfu_urls(ctx) -> list["PublicUrl"]:
    """Where livekit-client opens the SFU websocket: each JWT service's `LIVEKIT_URL`, and
    the URLs the proxies publish a LiveKit route at (its site's hosts and its path prefix;
    the root for a regex location)."""
    return ctx.memo("routing.sfu_urls", lambda: _sfu_urls(ctx))


def _sfu_urls(ctx) -> list["PublicUrl"]:
    from rtclint.model.answer_wellknown import site_hosts
    from rtclint.rules.common.roles import PublicUrl, concrete_hosts, matcher_paths
    from rtclint.rules.routing.routes import livekit_routes

    found: dict = {}
    for svc in ctx.deployment.services_by_role("jwt"):
        var = svc.env.get("LIVEKIT_URL")
        url = PublicUrl.parse(var.value) if var is not None and var.value else None
        if url is not None:
            found.setdefault((url.host, url.port, url.path), url)
    for site, route in livekit_routes(ctx, ("caddy", "nginx", "haproxy", "traefik")):
        paths = matcher_paths(route.matcher) if route.matcher.kind != "any" else [""]
        bases = {p.rstrip("*").rstrip("/").removesuffix("/rtc").removesuffix("/rtc/v1") for p in paths} or {""}
        hosts = concrete_hosts(site) or site_hosts(site) or ["localhost"]
        for urls in zip(*(site_urls(site, hosts, base) for base in bases)):  # host by host, every base
            for url in urls:
                found.setdefault((url.host, url.port, url.path), url)
    return list(found.values())


def sfu_answers(ctx) -> list["Answer"]:
    """The answers that take livekit-client's websocket to LiveKit, one per route. Where
    the model cannot decide whether a route takes it (an ACL it cannot evaluate) and that
    route proxies to LiveKit, its `unknown` answer is included too, with the route: what
    the route does with the websocket (upgrade, timeouts, port) is its own config, which
    RTC205-RTC207 judge; they read `route.proxy` when `upstream` is None."""
    return ctx.memo("routing.sfu_answers", lambda: _sfu_answers(ctx))


def _sfu_answers(ctx) -> list["Answer"]:
    from rtclint.rules.common.roles import is_livekit_route

    out: dict = {}
    for url in sfu_urls(ctx):
        for kind in SFU_KINDS:
            found = ask(ctx, url, kind)
            if found.route is None:
                continue
            if reaches(ctx, found, "livekit") or (found.kind == "unknown" and found.route.proxy is not None
                                                  and is_livekit_route(ctx, found.route, found.site)):
                out.setdefault(id(found.route), found)
    return list(out.values())

