"""The call path of a deployment, hop by hop: what a client asks at each step, what the
tree answers (the answer model, `answer.py`), where that is decided, and whether the
step works — `ok`, `broken` or `unknown`, always with the reason.

The hops follow RULES.md "How a client finds the call backend": the client well-known on
the server_name, the transports endpoint on the homeserver, the JWT service at
`livekit_service_url`, the SFU's websocket at `LIVEKIT_URL`, and LiveKit's media ports.
Each hop is judged as if the client got there: a broken well-known does not make the JWT
hop broken. The state here is the model's own reading of the answer; the report layer
adds the findings on each hop (`report/json_report.py`), which may make a hop broken.
A hop is `broken` here only when the answer itself says so (the proxy answers the
request itself, or sends it to another known program); an upstream or a file the tree
does not show is `unknown`.
"""

from __future__ import annotations

import functools
import json
import re

from rtclint.document import Span
from rtclint.model import callpath_parts as pieces
from rtclint.model.callpath_parts import ROLE_NAMES, WORST, CallPath, Hop, HopRequest, set_state
from rtclint.model.pairing import jwt_services, livekit_instances, paired_livekit
from rtclint.model.wellknown import RTC_FOCI_KEY

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from rtclint.model.deployment import Deployment
    from rtclint.model.proxy import Route
    from rtclint.model.services import Service


@functools.cache
def _url_in_json() -> re.Pattern:
    """livekit_service_url in a client well-known's text: compiled at the first tree that
    has a well-known (a lone manifest or Compose stack has none)."""
    return re.compile(r'"livekit_service_url"\s*:\s*"([^"\\]+)"')


def build(dep: "Deployment", role_of=None) -> CallPath:
    """The call path of one deployment. `role_of(route, site)` names the program a proxy
    route sends to ('jwt', 'livekit', 'synapse', …); by default the service the upstream
    names (the report layer passes the rules' fuller reading)."""
    walk = _Walk(dep, role_of or (lambda route, site: _service_role(dep, route)))
    server_name = walk.server_name()
    hops = [walk.well_known(server_name), walk.transports(server_name)]
    hops.append(walk.jwt())
    hops.append(walk.sfu())
    hops.append(walk.media())
    return CallPath(dep.name, server_name, hops)


def _service_role(dep: "Deployment", route: "Route") -> str | None:
    up = route.proxy.upstream if route.proxy is not None else None
    if up is None or not up.host:
        return None
    svc = dep.service_named(up.host, near=up.span.path if up.span else None)
    return svc.role if svc is not None and svc.role != "other" else None


class _Walk:
    """Follows one deployment's path; remembers what each hop found for the next."""

    def __init__(self, dep: "Deployment", role_of) -> None:
        self.dep = dep
        self.role_of = role_of
        self.foci_urls: list[str] = []  # livekit_service_urls of the well-known, in order
        self.transport_urls: list[str] = []  # of the homeserver's transports
        self.homeserver_host: str | None = None
        self.jwt_service: "Service | None" = None
        self.written: dict[str, Span] = {}  # a URL the path follows -> where the tree writes it

    def _answer(self, request):
        """What the tree answers (model/answer.py, imported at the first request sent: a
        lone manifest without a server_name or a LiveKit URL sends none)."""
        from rtclint.model.answer import answer

        return answer(self.dep, request)

    # -- the server_name and the well-known --------------------------------------------

    def server_name(self) -> str | None:
        for located in self.dep.server_names():
            if isinstance(located.value, str) and located.value.strip():
                return located.value.strip().lower().split(":")[0]
        return None

    def well_known(self, server_name: str | None) -> Hop:
        if server_name is None:
            return Hop("well-known", "unknown", "no server_name in the tree (homeserver.yaml, ESS values, "
                                                "a homeserver TOML): the host clients ask is not known")
        request = pieces.request("well-known-client", "https", server_name, 443, "")
        ans = self._answer(request)
        hop = Hop("well-known", "unknown", "", [HopRequest("GET", pieces.url(request), self._describe(ans))])
        self._decided(hop, ans)
        if ans.kind == "respond":
            if ans.status != 200:
                return set_state(hop, "broken", f"the proxy answers {ans.status}: clients treat it as no well-known")
            if ans.body is None:
                return set_state(hop, "unknown", "the proxy serves a file rtclint does not read")
            respond = ans.route.respond if ans.route is not None else None
            return self._judge_body(hop, ans.body, respond.body_span if respond is not None else None)
        if ans.kind == "proxy":
            own = [wk for wk in self.dep.well_knowns("client") if wk.source == "synapse"]
            if self.role_of(ans.route, ans.site) == "synapse" and own:
                hop.decided_at.append((own[0].span, "extra_well_known_client_content"))
                return self._judge_body(hop, own[0].body, own[0].span)
            return set_state(hop, "unknown", f"{pieces.proxied(ans)} answers it; rtclint does not model that answer")
        if ans.kind == "redirect":
            return set_state(hop, "unknown", f"redirected to {ans.location}; rtclint does not follow redirects here")
        elsewhere = [wk for wk in self.dep.well_knowns("client") if wk.source != "proxy"
                     and (not wk.hosts or server_name in wk.hosts)]
        if ans.site is None and elsewhere:
            wk = elsewhere[0]
            hop.decided_at.append((wk.span, f"the well-known ({wk.source})"))
            judged = self._judge_body(hop, wk.body, wk.span)
            if judged.state == "ok":
                judged.reason += f"; served from {wk.source}, outside the proxies in the tree"
            return judged
        return set_state(hop, "unknown", ans.reason or "the tree does not say what answers it")

    def _judge_body(self, hop: Hop, body: str, where: Span | None) -> Hop:
        try:
            value = json.loads(body)
        except (ValueError, RecursionError) as exc:
            return set_state(hop, "broken", f"the body is not valid JSON ({exc}): clients treat it as no well-known")
        if not isinstance(value, dict):
            return set_state(hop, "broken", "the body is not a JSON object: clients treat it as no well-known")
        foci = value.get(RTC_FOCI_KEY)
        if foci is None:
            return set_state(hop, "broken", f"no {RTC_FOCI_KEY}: clients bundling Element Call <= 0.23 find "
                                            "no call backend")
        entries = foci if isinstance(foci, list) else []
        self.foci_urls = [e["livekit_service_url"] for e in entries
                          if isinstance(e, dict) and isinstance(e.get("livekit_service_url"), str)]
        if not self.foci_urls:
            return set_state(hop, "broken", f"{RTC_FOCI_KEY} names no livekit_service_url in an array entry")
        homeserver = value.get("m.homeserver")
        if isinstance(homeserver, dict) and isinstance(homeserver.get("base_url"), str):
            self.homeserver_host = pieces.host(homeserver["base_url"])
            self._note_written(homeserver["base_url"], where, "m.homeserver.base_url")
        self._note_written(self.foci_urls[0], where, "livekit_service_url")
        return set_state(hop, "ok", f"200 with {RTC_FOCI_KEY}[0] = {self.foci_urls[0]}")

    # -- the homeserver's transports endpoint -------------------------------------------

    def transports(self, server_name: str | None) -> Hop:
        configs = [c for c in [*self.dep.synapse, *self.dep.toml_homeservers] if c.flavor]
        host = self._homeserver_host(configs) or server_name
        if host is None:
            return Hop("transports", "unknown", "neither public_baseurl nor m.homeserver names the homeserver")
        request = pieces.request("transports-unstable", "https", host, 443, "")
        ans = self._answer(request)
        hop = Hop("transports", "unknown", "", [HopRequest("GET", pieces.url(request), self._describe(ans))])
        self._decided(hop, ans)
        if "m.homeserver.base_url" in self.written:
            hop.decided_at.append((self.written["m.homeserver.base_url"], "the homeserver's URL"))
        if ans.kind == "respond":
            return set_state(hop, "broken", f"the proxy answers {ans.status} itself; the homeserver never sees it")
        if ans.kind == "redirect":
            return set_state(hop, "unknown", f"redirected to {ans.location}")
        role = self.role_of(ans.route, ans.site) if ans.kind == "proxy" else None
        if role not in (None, "synapse"):
            program = ROLE_NAMES.get(role, role)
            return set_state(hop, "broken", f"{pieces.proxied(ans)}, which is {program}, not the homeserver")
        if not configs:
            return set_state(hop, "unknown", "the homeserver's config is not in the tree")
        judged = self._judge_homeserver(hop, configs)
        if ans.kind == "unknown" and judged.state == "ok":
            judged.reason += f" (if it reaches the homeserver: {ans.reason})"
        return judged

    def _homeserver_host(self, configs) -> str | None:
        for cfg in configs:
            if cfg.public_baseurl is not None and isinstance(cfg.public_baseurl.value, str):
                host = pieces.host(cfg.public_baseurl.value)
                if host:
                    if cfg.public_baseurl.span is not None:
                        self.written["m.homeserver.base_url"] = cfg.public_baseurl.span
                    return host
        return self.homeserver_host

    def _judge_homeserver(self, hop: Hop, configs) -> Hop:
        entries = []
        for cfg in configs:
            if cfg.matrix_rtc is not None and cfg.matrix_rtc.span is not None:
                hop.decided_at.append((cfg.matrix_rtc.span, "matrix_rtc"))
            entries += [t.value for t in cfg.transports if isinstance(t.value, dict)]
        synapse = [c for c in configs if c.flavor == "synapse"]
        if synapse and not any(pieces.true(c.keys.get("experimental_features.msc4143_enabled")) for c in synapse):
            place = next((c.span for c in synapse if not c.fragment), synapse[0].span)
            hop.decided_at.insert(0, (place, "homeserver.yaml"))
            return set_state(hop, "broken", "experimental_features.msc4143_enabled is not true: Synapse answers 404")
        livekit = [e for e in entries if e.get("type") == "livekit"]
        self.transport_urls = [e["livekit_service_url"] for e in livekit
                               if isinstance(e.get("livekit_service_url"), str)]
        for cfg in configs:
            for key, located in cfg.keys.items():
                if key.startswith("matrix_rtc.transports[") and key.endswith("].livekit_service_url") \
                        and located.span is not None and located.value in self.transport_urls[:1]:
                    self.written["livekit_service_url"] = located.span
        if not livekit:
            if not hop.decided_at:
                hop.decided_at.append((configs[0].span, "the homeserver's config"))
            return set_state(hop, "broken", "no livekit transport: the endpoint answers {} and Element Call >= 0.24 "
                                            "finds no call backend")
        if not self.transport_urls:
            return set_state(hop, "broken", "the livekit transport has no livekit_service_url: Element Call <= 0.26.1 "
                                            "skips it")
        return set_state(hop, "ok", f"a livekit transport with livekit_service_url = {self.transport_urls[0]}")

    # -- the JWT service ---------------------------------------------------------------

    def jwt(self) -> Hop:
        base = next(iter(self.transport_urls or self.foci_urls or self._advertised_elsewhere()), None)
        if base is None:
            services = jwt_services(self.dep)
            self.jwt_service = services[0] if len(services) == 1 else None
            return Hop("jwt", "unknown", "no livekit_service_url is advertised (well-known or transports)")
        parts = pieces.split(base)
        if parts is None or parts[0] != "https":
            return Hop("jwt", "broken", f"livekit_service_url {base} is not an https:// URL")
        scheme, host, port, path = parts
        hop = Hop("jwt", "ok", "")
        judged = []
        for kind in ("sfu-get", "get-token"):  # EC 0.26.1: /sfu/get by default, /get_token with matrix_2_0
            request = pieces.request(kind, scheme, host, port, path)
            ans = self._answer(request)
            hop.requests.append(HopRequest(request.method, pieces.url(request), self._describe(ans)))
            if not judged:
                self._decided(hop, ans)
            judged.append(self._judge_upstream(ans, "jwt"))
            if ans.kind == "proxy" and self.jwt_service is None:
                self.jwt_service = self._service_of(ans)
        state, reason = max(judged, key=lambda sr: WORST[sr[0]])
        for wk in self.dep.well_knowns("client"):  # where no hop looked (another host's, a ConfigMap)
            self._note_written(base, wk.span, "livekit_service_url")
        if "livekit_service_url" in self.written:
            hop.decided_at.append((self.written["livekit_service_url"], "livekit_service_url"))
        if self.jwt_service is None:
            services = jwt_services(self.dep)
            self.jwt_service = services[0] if len(services) == 1 else None
        if self.jwt_service is not None:
            hop.decided_at.append((self.jwt_service.span, f"the JWT service `{self.jwt_service.name}`"))
            hop.covers += pieces.service_spans(self.jwt_service)
        return set_state(hop, state, reason)

    def _note_written(self, url: str, where: Span | None, what: str) -> None:
        """Remember where `url` is written inside `where` (a well-known's body)."""
        if what in self.written:  # first: the JWT hop asks it of every well-known of the tree
            return
        doc = self.dep.documents.get(where.path) if where is not None else None
        if doc is None:
            return
        found = doc.text.find(url, where.start, max(where.end, where.start + len(url)))
        if found >= 0:
            self.written[what] = Span(doc.path, found, found + len(url))

    def _advertised_elsewhere(self) -> list[str]:
        """livekit_service_urls the tree writes where no client looks (another host's
        well-known, one that is not valid JSON, ESS values): the JWT hop is still judged,
        by the first (the list ends once it and where it is written are known)."""
        found = []
        for wk in self.dep.well_knowns("client"):
            if found and "livekit_service_url" in self.written:
                break  # the first URL and where it is written are known: the rest change neither
            start = wk.body.find(RTC_FOCI_KEY)
            urls = _url_in_json().findall(wk.body[start:]) if start >= 0 else []
            if urls:
                self._note_written(urls[0], wk.span, "livekit_service_url")
            found += urls
        found += [ess.chart_transport_url() for ess in self.dep.ess if ess.chart_transport_url()]
        return found

    def _judge_upstream(self, ans, wanted: str) -> tuple[str, str]:
        if ans.kind == "respond":
            return "broken", f"the proxy answers {ans.status} itself; {ROLE_NAMES[wanted]} never sees it"
        if ans.kind == "redirect":
            return "unknown", f"redirected to {ans.location}"
        if ans.kind == "unknown":
            return "unknown", ans.reason
        role = self.role_of(ans.route, ans.site)
        if role == wanted:
            return "ok", f"{pieces.proxied(ans)}, which is {ROLE_NAMES[wanted]}"
        if role is None:
            return "unknown", f"{pieces.proxied(ans)}: rtclint cannot tell which program that is"
        return "broken", f"{pieces.proxied(ans)}, which is {ROLE_NAMES.get(role, role)}, not {ROLE_NAMES[wanted]}"

    def _service_of(self, ans) -> "Service | None":
        up = ans.route.proxy.upstream if ans.route is not None and ans.route.proxy is not None else None
        if up is None or not up.host:
            return None
        return self.dep.service_named(up.host, near=up.span.path if up.span else None)

    # -- the SFU and its media ports ----------------------------------------------------

    def sfu(self) -> Hop:
        svc = self.jwt_service
        var = svc.env.get("LIVEKIT_URL") if svc is not None else None
        if var is None or not var.value:
            return Hop("sfu", "unknown", "the JWT service's LIVEKIT_URL is not in the tree")
        parts = pieces.split(var.value)
        if parts is None or parts[0] not in ("wss", "ws"):
            hop = Hop("sfu", "broken", f"LIVEKIT_URL {var.value} is not a wss:// URL")
            hop.decided_at.append((var.span, "LIVEKIT_URL"))
            return hop
        ws_scheme, host, port, path = parts
        scheme = "https" if ws_scheme == "wss" else "http"
        hop = Hop("sfu", "ok", "")
        request = pieces.request("rtc-v1-ws", scheme, host, port, path)
        ans = self._answer(request)
        hop.requests.append(HopRequest("GET", pieces.url(request, ws_scheme), self._describe(ans)))
        self._decided(hop, ans)
        hop.decided_at.append((var.span, "LIVEKIT_URL"))
        instance = self._livekit()
        if instance is not None and instance.service is not None:
            hop.covers += pieces.service_spans(instance.service)
        state, reason = self._judge_websocket(ans)
        if state != "ok":  # livekit-client falls back to /rtc only when /rtc/v1/validate is 404
            validate = self._answer(pieces.request("rtc-v1-validate", scheme, host, port, path))
            if validate.kind == "respond" and validate.status == 404:
                fallback = pieces.request("rtc-ws", scheme, host, port, path)
                ans = self._answer(fallback)
                hop.requests.append(HopRequest("GET", pieces.url(fallback, ws_scheme), self._describe(ans)))
                state, reason = self._judge_websocket(ans)
                reason = f"/rtc/v1/validate is 404, so the client falls back to /rtc: {reason}"
        return set_state(hop, state, reason)

    def _judge_websocket(self, ans) -> tuple[str, str]:
        state, reason = self._judge_upstream(ans, "livekit")
        if state == "ok" and ans.upstream is not None and not ans.upstream.upgrade:
            return "broken", f"{pieces.proxied(ans)}, which is LiveKit, but the websocket upgrade does not reach it"
        return state, reason

    def _livekit(self):
        instance = paired_livekit(self.dep, self.jwt_service) if self.jwt_service is not None else None
        instances = livekit_instances(self.dep)
        return instance if instance is not None or len(instances) != 1 else instances[0]

    def media(self) -> Hop:
        instance = self._livekit()
        if instance is None:
            return Hop("media", "unknown", "which LiveKit serves the calls is not in the tree")
        cfg = instance.config
        rtc = cfg.rtc if cfg is not None else {}
        tcp = pieces.port(rtc.get("tcp_port"), 7881)
        start, end = pieces.port(rtc.get("port_range_start"), 0), pieces.port(rtc.get("port_range_end"), 0)
        if not (start and end):
            udp = pieces.port(rtc.get("udp_port"), 0)
            start, end = (udp, udp) if udp else (50000, 60000)
        udp_text = f"{start}" if start == end else f"{start}-{end}"
        hop = Hop("media", "unknown", "", [HopRequest("UDP", f"{udp_text}/udp", ""),
                                            HopRequest("TCP", f"{tcp}/tcp", "")])
        if cfg is not None:
            hop.decided_at.append(((rtc.get("tcp_port") or rtc.get("port_range_start") or cfg).span, "livekit rtc"))
        svc = instance.service
        if svc is None:
            return set_state(hop, "unknown", "LiveKit's container is not in the tree: rtclint cannot see its ports")
        hop.decided_at.append((svc.span, f"the LiveKit service `{svc.name}`"))
        hop.covers += [m.span for m in svc.ports if m.span is not None]
        if instance.host_network:
            return set_state(hop, "ok", "LiveKit uses the host's network: its ports are the host's")
        if svc.source != "compose":
            return set_state(hop, "unknown", f"published by {svc.source} objects rtclint does not follow to the host")
        missing = [text for text, proto, lo, hi in (("tcp", "tcp", tcp, tcp), ("udp", "udp", start, end))
                   if not pieces.published(svc, proto, lo, hi)]
        for req in hop.requests:
            req.answer = "not published as-is" if req.method.lower() in missing else "published on the host"
        if missing:
            return set_state(hop, "unknown", f"Compose does not publish LiveKit's {' and '.join(missing)} media ports "
                                             "as-is (see the findings)")
        return set_state(hop, "ok", f"Compose publishes {tcp}/tcp and {udp_text}/udp as-is")

    # -- shared -----------------------------------------------------------------------

    def _describe(self, ans) -> str:
        if ans.kind == "respond":
            return f"the proxy answers {ans.status}"
        if ans.kind == "redirect":
            return f"redirect {ans.status} to {ans.location}"
        if ans.kind == "proxy":
            role = self.role_of(ans.route, ans.site)
            return pieces.proxied(ans) + (f" ({ROLE_NAMES.get(role, role)})" if role else "")
        return f"unknown: {ans.reason}"

    def _decided(self, hop: Hop, ans) -> None:
        if ans.route is not None:
            hop.decided_at.append((ans.route.span, f"{ans.server} {ans.route.name or 'route'}".strip()))
        elif ans.site is not None:
            hop.decided_at.append((ans.site.span, f"{ans.server} {ans.site.name or 'site'}".strip()))
