"""The server_name host serves no client well-known, while another host serves one with rtc_foci.

## What it does
Collects the server_name(s) — `server_name` in homeserver.yaml, ESS `serverName`,
`LIVEKIT_FULL_ACCESS_HOMESERVERS`, the hosts that serve `/.well-known/matrix/server`
— and checks that each one serves `/.well-known/matrix/client` (or proxies that path
on). It reports a server_name that does not, when a client well-known with
`org.matrix.msc4143.rtc_foci` is served on another host, typically
`matrix.<domain>`. A name that only `LIVEKIT_FULL_ACCESS_HOMESERVERS` lists counts
when the tree's proxies name it or serve the well-known on one of its subdomains
(the list may hold other organisations' homeservers).

## Why
A client takes the server_name from the user id (`@alice:example.com`) and fetches
`https://example.com/.well-known/matrix/client`, never the homeserver's own host. A
well-known served only on `matrix.example.com` is never read, so the call backend
stays unknown.

## Example
```caddy
matrix.example.com {
    respond /.well-known/matrix/client `{"org.matrix.msc4143.rtc_foci": [...]}`
}
```
with `server_name: example.com` in homeserver.yaml.

## Fix
Unsafe: copies the handler into the server_name's site (or, for Caddy, adds a site
block for the server_name). Check the copied headers and TLS of the new site.
"""

from __future__ import annotations

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.common.roles import concrete_hosts
from rtclint.rules.discovery.answered import site_answer
from rtclint.rules.common.synapse_view import append_at_end
from rtclint.rules.discovery.advertised import has_foci
from rtclint.rules.discovery.homeserver_groups import server_names, suffix_index

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # named in annotations only
    from rtclint.model import Site, WellKnown

CODE = "RTC105"
NAME = "missing-delegated-well-known"
SEVERITY = Severity.ERROR
FIX = "unsafe"
WHERE = ("caddy", "nginx", "haproxy", "traefik", "kubernetes", "json", "synapse", "ess", "toml")


def check(ctx):
    client = ctx.deployment.well_knowns("client")
    with_foci = [wk for wk in client if has_foci(wk)]
    if any(_is_catch_all(wk) for wk in with_foci):
        return  # a catch-all site serves it: it may well answer for the server_name too
    own = server_names(ctx, jwt_allow_list=False)
    client_hosts = {h for wk in client for h in wk.hosts}
    under = suffix_index(with_foci, strict=True)  # name -> well-knowns on a host below it
    for name, name_span in server_names(ctx).items():
        if _handled_on(ctx, name, client, client_hosts):
            continue
        if name not in own and not _is_ours(ctx, name, with_foci):
            continue  # an allowed homeserver of someone else, not this deployment's
        # Only another host of the same domain is the classic mistake (matrix.<domain>); a
        # well-known with no host (a ConfigMap) or of another deployment is not about this one.
        elsewhere = [with_foci[i] for i in under.get(name, ()) if name not in with_foci[i].hosts]
        if not elsewhere:
            continue
        source = elsewhere[0]
        hosts = ", ".join(h for h in source.hosts if h not in ("*", "", "_"))
        target = next((s for s in ctx.deployment.sites_for_host(name) if name in concrete_hosts(s)), None)
        anchor = target.span if target is not None else source.span
        related = []
        if anchor != source.span:  # else the finding itself points at that well-known
            related.append(Related(source.span, f"the well-known with rtc_foci is served on {hosts}"))
        if name_span is not None:
            related.append(Related(name_span, f"server_name {name}"))
        yield ctx.report(
            anchor,
            f"clients look for the call backend at https://{name}/.well-known/matrix/client (the server_name), "
            f"but it is served only on {hosts}, where clients never look",
            fix=_copy_handler_fix(ctx, source, target, name),
            related=related,
        )


def _handled_on(ctx, name: str, client: list[WellKnown], client_hosts: set[str] | None = None) -> bool:
    """Whether `name` serves some client well-known (any content), or proxies the path on.
    `client_hosts` (every host of `client`) saves a scan of them all per name."""
    if name in client_hosts if client_hosts is not None else any(name in wk.hosts for wk in client):
        return True
    for site in ctx.deployment.sites_for_host(name):
        if name not in concrete_hosts(site):
            continue
        found = site_answer(ctx, site, "well-known-client", name)
        if found.kind in ("unknown", "proxy", "redirect"):
            return True  # answered elsewhere, or rtclint cannot tell: quiet
    return False


def _named_hosts(wk: WellKnown) -> list[str]:
    return [h for h in wk.hosts if h not in ("*", "", "_")]


def _is_catch_all(wk: WellKnown) -> bool:
    """Served by a proxy site that answers any host (which host it is cannot be told)."""
    return wk.site is not None and not _named_hosts(wk)


def _is_ours(ctx, name: str, with_foci: list[WellKnown]) -> bool:
    """A name from LIVEKIT_FULL_ACCESS_HOMESERVERS is this deployment's when a proxy in
    the tree names it or a well-known with rtc_foci is served on one of its subdomains."""
    if any(name in concrete_hosts(site) for site in ctx.deployment.sites_for_host(name)):
        return True
    return any(h.endswith("." + name) for wk in with_foci for h in wk.hosts)


def _block_end(text: str, start: int, end: int) -> int:
    """The end of the handler whose header is text[start:end]: when the header opens a
    `{` block (an nginx location, a Caddy `handle`), just past its matching `}`,
    skipping quoted strings and comments."""
    depth, i, quote = 0, start, None
    opened = False
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote != "`":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"`":
            quote = ch
        elif ch == "#":
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        elif ch == "{":
            depth, opened = depth + 1, True
        elif ch == "}":
            depth -= 1
            if opened and depth == 0:
                return i + 1
        elif ch == "\n" and not opened and i >= end:
            return end
        i += 1
    return end


def _copy_handler_fix(ctx, source: WellKnown, target: Site | None, name: str) -> Fix | None:
    route = source.route
    if route is None or source.site is None:
        return None
    doc = ctx.deployment.documents.get(route.span.path)
    if doc is None:
        return None
    handler = doc.text[route.span.start:_block_end(doc.text, route.span.start, route.span.end)]
    if target is not None:
        if target.kind != source.site.kind or target.insert_at is None:
            return None
        nl = doc.newline
        lines = handler.splitlines()
        text = nl.join(target.indent + ln.strip() if i == 0 else ln for i, ln in enumerate(lines))
        at = Span(target.span.path, target.insert_at, target.insert_at)
        return Fix(Applicability.UNSAFE, f"serve the client well-known on {name} too", (Edit(at, text + nl),))
    if source.site.kind == "caddy":
        nl = doc.newline
        # The new site answers for the server_name: it must delegate federation too, or
        # lk-jwt-service cannot check OpenID tokens there (RTC208 on the next run).
        homeserver = next((h for h in source.site.hosts if h != "*"), None)
        delegation = (f"\trespond /.well-known/matrix/server `{{\"m.server\":\"{homeserver}:443\"}}`{nl}"
                      if homeserver else "")
        block = f"{name} {{{nl}\t{handler.strip()}{nl}{delegation}}}{nl}"
        return Fix(Applicability.UNSAFE, f"add a site block for {name} serving the client well-known",
                   (append_at_end(doc, block),))
    return None
