"""Caddy sites: the hosts and listeners of a site's addresses, and one Site per host a
`host` matcher inside it names."""

from __future__ import annotations

from rtclint.document import Span
from rtclint.model.proxy import Listen, Site
from rtclint.parsers.caddy_actions import env_default, split_address
from rtclint.parsers.caddy_lexer import CToken
from rtclint.parsers.caddy_matchers import model_copy
from rtclint.parsers.caddy_syntax import Directive


def addresses(keys: list[CToken], lines: list[Directive], options: dict, default_path: str) -> tuple[list[str], list[Listen]]:
    """Caddy's address rules: `[scheme://]host[:port][/path]`; a host name gets HTTPS on
    https_port (443) unless the scheme is http or the port is http_port; no host →
    catch-all ('*'), with TLS only on the HTTPS port (or with a `tls` directive)."""
    forced_tls = any(d.name == "tls" for d in lines)
    auto_off = options["auto_https"] == "off"
    hosts: list[str] = []
    listens: list[Listen] = []
    for key in keys:
        value = key.text.rstrip(",")
        if not value:
            continue
        scheme, host, port = split_address(env_default(value))
        if port is None:
            port = options["http_port"] if scheme == "http" else options["https_port"]
        if scheme == "https":
            tls = True
        elif scheme == "http" or port == options["http_port"]:
            tls = False
        else:
            # autohttps.go: a host name gets a certificate; a server listening only on the
            # HTTPS port gets a TLS connection policy even without one
            tls = forced_tls or (not auto_off and (bool(host) or port == options["https_port"]))
        host = (host if "{$" in host else host.lower()) or "*"
        if host not in hosts:
            hosts.append(host)
        span = Span(key.path or default_path, key.start, key.end)
        if not any(listen.port == port and listen.tls == tls for listen in listens):
            listens.append(Listen(port, tls, span))
    return hosts or ["*"], listens


def split_by_host(site: Site) -> list[Site]:
    """A site whose routes use `host` matchers (one wildcard-certificate site serving many
    names) answers each of those hosts with its own routes: model one Site per such host,
    holding the routes that apply to it, in order. The original keeps the routes without a
    host condition, for the addresses no host matcher names."""
    named: list[str] = []
    for route in site.routes:
        for host in route.facts.get("hosts", ()):
            if host not in named:
                named.append(host)
    if not named:
        return [site]
    derived = []
    for host in named:
        routes = [r for r in site.routes if "hosts" not in r.facts or host in r.facts["hosts"]]
        derived.append(model_copy(
            site, hosts=[host], routes=routes, listens=list(site.listens), headers=list(site.headers),
            name=f"{site.name} (host {host})", facts=dict(site.facts, host_matcher_of=site.name),
        ))
    site.routes = [r for r in site.routes if "hosts" not in r.facts]
    site.hosts = [h for h in site.hosts if h not in named]
    return ([site] if site.hosts else []) + derived
