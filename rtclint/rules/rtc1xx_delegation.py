"""RTC104, RTC105, RTC108, RTC109 — discovery across files: which host and port the
public URLs name, where the server_name's well-known is served, and whether the
well-known and Synapse's transports endpoint advertise the same call backend.

Everything is compared per homeserver (server_name): a tree may hold several (Element
Call's dev backend runs two), and their backends legitimately differ.
"""

from __future__ import annotations


from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.lazy_regex import lazy
from rtclint.model import CLIENT_PATH, RTC_FOCI_KEY, Site, WellKnown
from rtclint.record import field, record
from rtclint.rules._roles import concrete_hosts
from rtclint.rules._wkedit import body_bounds, body_span
from rtclint.rules.registry import rule
from rtclint.rules.synapse_view import Homeserver, append_at_end, homeservers, merge_appends, set_setting
from rtclint.urls import urlsplit

_URL_IN_JSON = lazy(r'"livekit_service_url"\s*:\s*"([^"\\]+)"')


# -- what a well-known advertises ---------------------------------------------------------


def parsed(wk: WellKnown):
    value, error = wk.parse()
    return value if error is None and isinstance(value, dict) else None


def has_foci(wk: WellKnown) -> bool:
    value = parsed(wk)
    if value is not None:
        return RTC_FOCI_KEY in value
    return RTC_FOCI_KEY in wk.body  # broken JSON (RTC100): still says what it meant


def foci_urls(wk: WellKnown) -> list[str]:
    """livekit_service_url of each rtc_foci entry, in order (first = the one used)."""
    value = parsed(wk)
    if value is None:
        start = wk.body.find(RTC_FOCI_KEY)
        return _URL_IN_JSON.findall(wk.body[start:]) if start >= 0 else []
    foci = value.get(RTC_FOCI_KEY)
    foci = [foci] if isinstance(foci, dict) else foci if isinstance(foci, list) else []
    return [e["livekit_service_url"] for e in foci
            if isinstance(e, dict) and isinstance(e.get("livekit_service_url"), str)]


def public_urls_of(wk: WellKnown) -> list[str]:
    value = parsed(wk) or {}
    urls = list(foci_urls(wk))
    home = value.get("m.homeserver")
    if isinstance(home, dict) and isinstance(home.get("base_url"), str):
        urls.append(home["base_url"])
    auth = value.get("org.matrix.msc2965.authentication")
    if isinstance(auth, dict):
        urls += [auth[k] for k in ("issuer", "account") if isinstance(auth.get(k), str)]
    return urls


def url_span(ctx, wk: WellKnown, url: str) -> Span:
    """Where `url` is written for this well-known: inside the proxy's body string, the
    static file, or the YAML holding it; the well-known's own span when not found."""
    index = wk.body.find(url)
    if index >= 0 and body_bounds(wk) is not None:
        return body_span(wk, index, index + len(url))
    doc = ctx.deployment.documents.get(wk.span.path)
    if doc is not None:
        found = doc.text.find(url, wk.span.start, max(wk.span.end, wk.span.start))
        if found >= 0:
            return Span(doc.path, found, found + len(url))
    return wk.span


def normalise(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip().rstrip("/")
    host = (parts.hostname or "").lower()
    default = 443 if parts.scheme.lower() in ("https", "wss") else 80
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


# -- homeservers and what belongs to each -------------------------------------------------


@record
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
    may include other organisations' homeservers)."""
    dep = ctx.deployment
    names: dict[str, Span | None] = {}

    def add(name, span):
        if isinstance(name, str) and name and name != "*" and "{" not in name and "$" not in name:
            names.setdefault(name.lower().split(":")[0].strip(), span)

    for hs in homeservers(dep):
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


def _wk_belongs(wk: WellKnown, name: str, single: bool) -> bool:
    hosts = [h for h in wk.hosts if h not in ("*", "", "_")]
    if not hosts:
        return single
    return any(h == name or h.endswith("." + name) for h in hosts)


def groups(ctx) -> list[Group]:
    dep = ctx.deployment
    names = server_names(ctx)
    single = len(names) <= 1
    client = [wk for wk in dep.well_knowns("client")]
    found: dict[str | None, Group] = {n: Group(n, span) for n, span in names.items()}
    for hs in homeservers(dep):
        name = hs.server_name
        if name is None:
            if len(names) == 1:
                name = next(iter(names))
            elif len(homeservers(dep)) > 1:
                continue  # a fragment of an unknown homeserver
        group = found.setdefault(name, Group(name))
        group.hs = group.hs or hs
    for values in dep.ess:
        if values.server_name is not None:
            found.setdefault(str(values.server_name.value).lower(), Group(str(values.server_name.value).lower())
                             ).ess.append(values)
    by_suffix = _suffix_index(client)
    hostless = [i for i, wk in enumerate(client) if not any(h not in ("*", "", "_") for h in wk.hosts)]
    for group in found.values():
        if group.server_name is None:
            group.well_knowns = list(client) if single else []
        else:  # = [wk for wk in client if _wk_belongs(wk, name, single)], without a scan per group
            picked = set(by_suffix.get(group.server_name, ())) | (set(hostless) if single else set())
            group.well_knowns = [client[i] for i in sorted(picked)]
    return list(found.values())


def _suffix_index(client: list[WellKnown], strict: bool = False) -> dict[str, list[int]]:
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


# -- RTC104 ------------------------------------------------------------------------------------


def tls_sites_for(ctx, host: str) -> list[Site]:
    """Sites that name `host` (exactly or by wildcard) and terminate TLS."""
    return [s for s in ctx.deployment.sites_for_host(host)
            if s.tls_ports and any(h not in ("*", "", "_") for h in s.hosts)]


def public_urls(ctx) -> list[tuple[str, Span, str]]:
    """(url, where it is written, what it is) for every public URL the tree states."""
    found: list[tuple[str, Span, str]] = []
    for wk in ctx.deployment.well_knowns("client"):
        if wk.facts.get("chart"):
            continue  # rendered by the ESS chart: RTC601 explains those
        for url in public_urls_of(wk):
            found.append((url, url_span(ctx, wk, url), "the client well-known"))
    for hs in homeservers(ctx.deployment):
        located, _ = hs.get("public_baseurl")
        if located is not None and isinstance(located.value, str) and located.span is not None:
            found.append((located.value, _unquoted(ctx, located.span), "Synapse's public_baseurl"))
        for url, span in hs.transport_urls():
            if span is not None:
                found.append((url, _unquoted(ctx, span), "matrix_rtc.transports"))
    for config in ctx.deployment.element_call:
        for key, what in (("base_url", "Element Call's default homeserver base_url"),
                          ("livekit_service_url", "Element Call's livekit_service_url")):
            located = config.get(key)
            if located is not None and isinstance(located.value, str) and located.span is not None:
                inner = Span(located.span.path, located.span.start + 1, max(located.span.start + 1,
                                                                             located.span.end - 1))
                found.append((located.value, inner, what))
    for service in ctx.deployment.services:
        var = service.env.get("LIVEKIT_URL")
        if service.role == "jwt" and var is not None and var.value and (var.value_span or var.span):
            found.append((var.value, var.value_span or var.span, f"LIVEKIT_URL of {service.name}"))
    return found


def _unquoted(ctx, span: Span) -> Span:
    """A quoted YAML scalar's span without its quotes (where a URL edit goes)."""
    doc = ctx.deployment.documents.get(span.path)
    if doc is None or span.end - span.start < 2:
        return span
    first, last = doc.text[span.start], doc.text[span.end - 1]
    if first in "'\"" and last == first:
        return Span(span.path, span.start + 1, span.end - 1)
    return span


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host if port == 443 else f"{host}:{port}"
    return parts._replace(netloc=netloc).geturl()


@rule("RTC104", "public-port-mismatch", Severity.ERROR, "safe", ("all",))
def public_port_mismatch(ctx):
    """A public URL names a host and port on which no proxy in the tree serves that host.

    ## What it does
    Takes every public URL the tree states — the client well-known's `m.homeserver`
    `base_url`, `rtc_foci` `livekit_service_url`, the `org.matrix.msc2965.authentication`
    issuer and account URLs, Synapse's `public_baseurl` and `matrix_rtc.transports`, the
    JWT service's `LIVEKIT_URL`, Element Call's `config.json` URLs — and the TLS sites
    (nginx, Caddy, HAProxy, Ingress) that serve its host. When none of them listens on
    the URL's port (443 when the URL has none), the URL points at nothing.

    ## Why
    The typical case: the proxy listens on 8443 and the URLs have no port, so clients
    connect to 443 where nothing answers and calls fail with
    `MISSING_MATRIX_RTC_FOCUS`. Also the reverse: `:8443` in the URL while the proxy is
    only on 443. Hosts that no site in the tree names are not judged.

    ## Example
    ```nginx
    server { listen 8443 ssl; server_name rtc.example.org; ... }
    ```
    with `"livekit_service_url": "https://rtc.example.org"` in the well-known.

    ## Fix
    Safe when the proxy serves that host on exactly one TLS port: writes that port into
    the URL (or removes it when it is 443).
    """
    for url, span, what in public_urls(ctx):
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme in ("https", "wss") else None)
        except ValueError:
            continue
        if parts.scheme not in ("https", "wss") or not parts.hostname or port is None:
            continue
        sites = tls_sites_for(ctx, parts.hostname.lower())
        if not sites or any(s.serves_port(port) for s in sites):
            continue
        ports = sorted({p for s in sites for p in s.tls_ports})
        listen_at = [Related(listen.span, f"{parts.hostname} is served on port {listen.port}")
                     for s in sites for listen in s.listens if listen.span is not None and listen.tls][:5]
        fix = None
        doc = ctx.deployment.documents.get(span.path)
        if len(ports) == 1 and doc is not None and doc.text[span.start:span.end] == url:
            fixed = _with_port(url, ports[0])
            fix = Fix(Applicability.SAFE, f"use {fixed}", (Edit(span, fixed),))
        yield ctx.report(
            span,
            f"{what} names {parts.hostname} on port {port}, but the proxy serves {parts.hostname} only on port "
            f"{', '.join(map(str, ports))} ({sites[0].span.path}): clients connect to a port where nothing answers",
            fix=fix, related=listen_at,
        )


# -- RTC105 ------------------------------------------------------------------------------------


def _handled_on(ctx, name: str, client: list[WellKnown], client_hosts: set[str] | None = None) -> bool:
    """Whether `name` serves some client well-known (any content), or proxies the path on.
    `client_hosts` (every host of `client`) saves a scan of them all per name."""
    if name in client_hosts if client_hosts is not None else any(name in wk.hosts for wk in client):
        return True
    for site in ctx.deployment.sites_for_host(name):
        if name not in concrete_hosts(site):
            continue
        route = site.route_for(CLIENT_PATH)
        if route is not None and route.action in ("proxy", "redirect"):
            return True
    return False


def _named_hosts(wk: WellKnown) -> list[str]:
    return [h for h in wk.hosts if h not in ("*", "", "_")]


def _is_catch_all(wk: WellKnown) -> bool:
    """Served by a proxy site that answers any host (which host it is cannot be told)."""
    return wk.site is not None and not _named_hosts(wk)


@rule("RTC105", "missing-delegated-well-known", Severity.ERROR, "unsafe", ("all",))
def missing_delegated_well_known(ctx):
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
    client = ctx.deployment.well_knowns("client")
    with_foci = [wk for wk in client if has_foci(wk)]
    if any(_is_catch_all(wk) for wk in with_foci):
        return  # a catch-all site serves it: it may well answer for the server_name too
    own = server_names(ctx, jwt_allow_list=False)
    client_hosts = {h for wk in client for h in wk.hosts}
    under = _suffix_index(with_foci, strict=True)  # name -> well-knowns on a host below it
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
        related = [Related(source.span, f"the well-known with rtc_foci is served on {hosts}")]
        if name_span is not None:
            related.append(Related(name_span, f"server_name {name}"))
        yield ctx.report(
            target.span if target is not None else source.span,
            f"clients look for the call backend at https://{name}/.well-known/matrix/client (the server_name), "
            f"but it is served only on {hosts}, where clients never look",
            fix=_copy_handler_fix(ctx, source, target, name),
            related=related,
        )


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


# -- RTC108 / RTC109 -------------------------------------------------------------------------------


def _ess_transport(group: Group) -> str | None:
    for values in group.ess:
        from rtclint.parsers.yaml_ess import chart_transport_url  # loads PyYAML: only with ESS values

        url = chart_transport_url(values.chart_view)
        if url is not None and values.chart_view.component_enabled("synapse"):
            return url
    return None


@rule("RTC108", "transports-not-advertised", Severity.WARNING, "safe", ("all",))
def transports_not_advertised(ctx):
    """Only one of the two discovery paths advertises the call backend.

    ## What it does
    For each homeserver, compares the client well-known (`org.matrix.msc4143.rtc_foci`)
    with Synapse's `matrix_rtc.transports`. Reports a well-known with rtc_foci while the
    homeserver.yaml in the tree has no transports, and transports in Synapse while the
    client well-known served for that server_name has no rtc_foci.

    ## Why
    Element Call 0.24 and newer read only
    `/_matrix/client/unstable/org.matrix.msc4143/rtc/transports` (served by Synapse from
    `matrix_rtc.transports`); Element Web bundles with an older Element Call and older
    Element X read only the well-known. A deployment that publishes one of them works
    for some clients and fails for the others with `MISSING_MATRIX_RTC_TRANSPORT`.

    ## Example
    A Caddy `respond` serving rtc_foci, and a homeserver.yaml without `matrix_rtc:`.

    ## Fix
    Safe when homeserver.yaml is in the tree: adds `matrix_rtc.transports` with the
    well-known's URL (and `msc4143_enabled: true`). The reverse needs the rtc_foci
    added to the well-known (see RTC101).
    """
    for group in groups(ctx):
        hs = group.hs
        if hs is None:
            continue
        foci = [wk for wk in group.well_knowns if has_foci(wk)]
        if foci and not hs.transports() and _ess_transport(group) is None:
            urls = foci_urls(foci[0])
            yield ctx.report(
                _hs_anchor(hs),
                f"the client well-known ({foci[0].span.path}) advertises rtc_foci but Synapse has no "
                "matrix_rtc.transports: Element Call >= 0.24 reads only Synapse's transports endpoint and finds "
                "no call backend",
                fix=_add_transports_fix(ctx, hs, urls[0] if urls else None),
                related=[Related(foci[0].span, "rtc_foci advertised here")],
            )
        served = [wk for wk in group.well_knowns if not wk.facts.get("chart") and wk.source != "synapse"]
        if hs.transports() and hs.flag_on("msc4143_enabled") and served and not any(has_foci(wk) for wk in served):
            wk = served[0]
            yield ctx.report(
                wk.span,
                f"Synapse advertises matrix_rtc.transports ({hs.first.path}) but this client well-known has no "
                "org.matrix.msc4143.rtc_foci: older clients (Element Call < 0.24 inside Element Web) find no "
                "call backend",
            )


def _hs_anchor(hs: Homeserver) -> Span:
    for path in ("matrix_rtc", "experimental_features.msc4143_enabled", "experimental_features", "server_name"):
        located, _ = hs.get(path)
        if located is not None:
            return located.key_span or located.span
    return Span(hs.first.path, 0, 0)


def _add_transports_fix(ctx, hs: Homeserver, url: str | None) -> Fix | None:
    if not url or not url.lower().startswith("https://") or hs.owner("matrix_rtc") is not None:
        return None
    cfg = hs.main or hs.first
    doc = ctx.deployment.documents.get(cfg.path)
    if doc is None:
        return None
    nl = doc.newline
    edits = [append_at_end(doc, f"matrix_rtc:{nl}  transports:{nl}    - type: livekit{nl}"
                           f"      livekit_service_url: {url}{nl}")]
    if not hs.flag_on("msc4143_enabled"):
        owner = hs.owner("experimental_features") or cfg
        owner_doc = ctx.deployment.documents.get(owner.path)
        if owner_doc is not None:
            edits = set_setting(owner_doc, owner, "experimental_features", "msc4143_enabled", "true") + edits
    return Fix(Applicability.SAFE, f"add matrix_rtc.transports with {url}", tuple(merge_appends(edits)))


@rule("RTC109", "transport-urls-disagree", Severity.WARNING, "manual", ("all",))
def transport_urls_disagree(ctx):
    """The well-known, Synapse's transports and the ESS values name different call backends.

    ## What it does
    For each homeserver (server_name), collects the `livekit_service_url` of the first
    `rtc_foci` entry of each client well-known, the first of Synapse's
    `matrix_rtc.transports`, and the one the ESS chart renders, and reports when they
    differ (compared without a trailing slash or a default port). Different
    homeservers in one tree are never compared with each other. Also reports ESS values
    whose `wellKnownDelegation.additional.client` names its own `rtc_foci`: the chart
    serves `https://<matrixRTC.ingress.host>` over it, so that URL is never published.

    ## Why
    Clients that read the well-known and clients that read the transports endpoint then
    use different JWT services; at best one of them is the working one, and participants
    of one call may land on different SFUs.

    ## Example
    `"livekit_service_url": "https://rtc.example.com"` in the well-known and
    `livekit_service_url: https://livekit-jwt.example.com` in homeserver.yaml.

    ## Fix
    Manual: decide which URL is right and write it in every place.
    """
    yield from _ess_additional_foci_ignored(ctx)
    for group in groups(ctx):
        named: list[tuple[str, Span, str]] = []
        for wk in group.well_knowns:
            urls = foci_urls(wk)
            if urls:
                named.append((urls[0], url_span(ctx, wk, urls[0]), f"the client well-known ({wk.span.path})"))
        if group.hs is not None:
            urls = group.hs.transport_urls()
            if urls and urls[0][1] is not None:
                named.append((urls[0][0], urls[0][1], f"matrix_rtc.transports ({urls[0][1].path})"))
        distinct = {normalise(url) for url, _, _ in named}
        if len(distinct) < 2:
            continue
        anchor = next((n for n in named if n[2].startswith("matrix_rtc")), named[-1])
        others = [n for n in named if n is not anchor]
        listing = "; ".join(f"{what}: {url}" for url, _, what in named)
        yield ctx.report(
            anchor[1],
            f"the call backend URLs for {group.server_name or 'this homeserver'} disagree — {listing}",
            related=[Related(span, f"{what} names {url}") for url, span, what in others],
        )


def _ess_additional_foci_ignored(ctx):
    """ESS values that write their own rtc_foci in `wellKnownDelegation.additional.client`
    name a URL the chart never serves (its own rtc_foci replaces them)."""
    for values in ctx.deployment.ess:
        from rtclint.parsers.yaml_ess import chart_transport_url  # loads PyYAML: only with ESS values

        additional = values.well_known.get("additional.client")
        chart_url = chart_transport_url(values.chart_view)
        if additional is None or not isinstance(additional.value, str) or chart_url is None:
            continue
        mine = WellKnown(which="client", body=additional.value, span=additional.span or values.span, source="ess")
        urls = foci_urls(mine)
        if urls and normalise(urls[0]) != normalise(chart_url) and values.chart_view.component_enabled(
                "wellKnownDelegation"):
            yield ctx.report(
                additional.span or values.span,
                f"wellKnownDelegation.additional.client names rtc_foci {urls[0]}, but the chart serves its own "
                f"rtc_foci ({chart_url}, from matrixRTC.ingress.host) over it: clients never see {urls[0]}",
            )
