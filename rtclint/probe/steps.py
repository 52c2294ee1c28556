"""The steps of `rtclint probe`, in the order a client walks them.

Each step records what it sent and got (Evidence) and, on a problem, the RTC code whose
documentation explains it. Facts the steps rest on (checked upstream):
- matrix-js-sdk fetches `https://<server_name>/.well-known/matrix/client`, 5 s timeout;
  non-200 or invalid JSON counts as no well-known.
- Synapse answers unknown paths 404 `M_UNRECOGNIZED`, the transports endpoint without a
  token 401 `M_MISSING_TOKEN`, `/_matrix/federation/v1/openid/userinfo` without
  `access_token` 401.
- lk-jwt-service (handler.go `corsJSON`) answers the preflight of `/get_token` itself: 200,
  `Access-Control-Allow-Origin: *`, `-Methods: POST`, `-Headers` incl. `Content-Type`;
  `/healthz` answers GET 200; any other path gets Go's `404 page not found`.
- LiveKit (rtcservice.go) answers `/rtc` 404 when the request is not a WebSocket upgrade,
  401 for an upgrade without a token; `GET /` is its health check, `OK`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rtclint.probe.http import Answer, exchange, follow
from rtclint.probe.net import AddressMap, check_tls
from rtclint.probe.result import FAIL, PASS, SKIP, WARN, Evidence, ProbeReport, Step, problem
from rtclint.probe.identify import split_server_name  # noqa: F401 (re-exported for the tests)
from rtclint.probe.services import GATEWAY_ERRORS, GO_NOT_FOUND, ServiceSteps, http_url  # noqa: F401 (re-exported)
from dataclasses import dataclass, field

CLIENT_WELL_KNOWN = "/.well-known/matrix/client"
SERVER_WELL_KNOWN = "/.well-known/matrix/server"
VERSIONS_PATH = "/_matrix/client/versions"
TRANSPORTS_PATH = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports"
OPENID_PATH = "/_matrix/federation/v1/openid/userinfo"
RTC_FOCI_KEY = "org.matrix.msc4143.rtc_foci"
DEFAULT_ORIGIN = "https://app.element.io"
ADD_FOCI_HINT = (f'Add "{RTC_FOCI_KEY}": [{{"type": "livekit", "livekit_service_url": "https://…"}}] '
                 "to the well-known.")


@dataclass
class ProbeOptions:
    """What the probe asks: server name, origin, token, and whether to trust any certificate."""

    server_name: str
    origin: str = DEFAULT_ORIGIN
    access_token: str | None = None
    livekit_url: str | None = None
    insecure: bool = False
    cacert: str | None = None
    addresses: AddressMap = field(default_factory=AddressMap)


@dataclass
class Findings:
    """What earlier steps learnt and later steps use."""

    client_well_known: dict | None = None
    base_url: str | None = None
    wk_foci: list[str] = field(default_factory=list)  # livekit_service_url of each livekit entry, in order
    transports: list[str] | None = None  # None: endpoint not readable
    transports_served: bool | None = None  # 401/200 prove it is served; 404 that it is not
    focus: str | None = None
    fed_target: tuple[str, int] | None = None
    livekit_url: str | None = None


def origin_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme in ("https", "wss") else 80
    return parts.hostname or "", parts.port or default


def normalise_server_name(text: str) -> str:
    """Accept what users paste: `@alice:example.org`, `https://example.org/`, `example.org`."""
    text = text.strip()
    if text.startswith("@") and ":" in text:
        text = text.split(":", 1)[1]  # the server_name is everything after the first colon of a user id
    return urlsplit(text).netloc if "://" in text else text.rstrip("/")


class Probe(ServiceSteps):
    """The walk; the JWT service and SFU steps are in `ServiceSteps`."""

    def __init__(self, options: ProbeOptions, client) -> None:
        options.server_name = normalise_server_name(options.server_name)
        self.options = options
        self.client = client
        self.report = ProbeReport(options.server_name)
        self.found = Findings()
        self._tls_checked: set[tuple[str, int]] = set()

    # ---- plumbing ---------------------------------------------------------------------

    def step(self, step_id: str, title: str) -> Step:
        step = Step(step_id, title)
        self.report.steps.append(step)
        return step

    def skip(self, step_id: str, title: str, why: str) -> None:
        self.step(step_id, title).__dict__.update(status=SKIP, message=why)

    def ensure_tls(self, url: str) -> None:
        """Before the first request to a host:port, check its certificate (a step of its own)."""
        if urlsplit(url).scheme not in ("https", "wss"):
            return
        host, port = origin_of(url)
        if (host, port) in self._tls_checked:
            return
        self._tls_checked.add((host, port))
        result = check_tls(host, port, self.options.addresses, self.options.cacert)
        if result.unreachable:
            return  # the request itself fails and says why; a TLS step would only repeat it
        step = Step(f"tls:{host}:{port}", f"TLS certificate of {host}:{port}")
        # it goes before the step that needed the connection, as it happens first
        self.report.steps.insert(max(len(self.report.steps) - 1, 0), step)
        step.evidence.append(Evidence(request=f"TLS handshake {host}:{port} (SNI {host})",
                                      headers={k: v for k, v in (("subject", result.subject), ("issuer", result.issuer),
                                                                  ("not_after", result.not_after),
                                                                  ("dns_names", ", ".join(result.names))) if v},
                                      error="" if result.ok else result.detail))
        if result.ok:
            step.message = result.detail
        elif self.options.insecure:
            problem(step, WARN, f"{result.detail}; accepted because of --insecure (browsers will refuse it).")
        else:
            problem(step, FAIL, result.detail, hint="Install a certificate that browsers accept for this name "
                                                   "(in a lab: --cacert, or --insecure).")

    def send(self, step: Step, method: str, url: str, headers: dict[str, str] | None = None,
             guess: bool = False) -> Answer:
        """One request. A connection that fails (DNS, refused, timeout) is a step of its own,
        unless the URL was only a guess (matrix.<server_name>, an SFU path candidate)."""
        self.ensure_tls(url)
        answer, evidence = exchange(self.client, method, url, headers)
        step.evidence.append(evidence)
        if answer.error and not answer.tls_error and not guess:
            self.unreachable(url, answer)
        return answer

    def unreachable(self, url: str, answer: Answer) -> None:
        """A network failure is not a finding about the configuration: it gets its own
        step, before the step that needed the connection, with no rule code."""
        host, port = origin_of(url)
        step_id = f"connect:{host}:{port}"
        if any(s.id == step_id for s in self.report.steps):
            return
        step = Step(step_id, f"Connection to {host}:{port}")
        step.evidence.append(Evidence(request=f"connect {host}:{port}", error=answer.error))
        hint = ("Check the name's DNS records." if "DNS" in answer.error else
                "Something must listen on this port: check the URL's port, the firewall and that the proxy runs."
                if answer.refused else "Check that the host is up and reachable from here.")
        problem(step, FAIL, f"Cannot connect to {host}:{port}: {answer.error}.", None, hint)
        self.report.steps.insert(max(len(self.report.steps) - 1, 0), step)

    def no_answer(self, step: Step, answer: Answer, code_if_refused: str | None = None) -> None:
        """The request got no answer: say so, without blaming the configuration (the
        connection step says what failed). `code_if_refused` is kept for callers' sake."""
        problem(step, FAIL, f"No answer from {answer.url}: {answer.error}.")

    def browser_headers(self) -> dict[str, str]:
        return {"Origin": self.options.origin, "Accept": "application/json"}

    # ---- the walk ---------------------------------------------------------------------

    def run(self) -> ProbeReport:
        self.client_well_known()
        self.homeserver()
        self.transports()
        self.choose_focus()
        self.server_well_known()
        self.federation_openid()
        self.jwt_preflight()
        self.jwt_healthz()
        self.sfu_url()
        self.sfu_websocket()
        return self.report

    # ---- discovery ----------------------------------------------------------------------

    def client_well_known(self) -> None:
        url = f"https://{self.options.server_name}{CLIENT_WELL_KNOWN}"
        step = self.step("wellknown-client", f"Client well-known {url}")
        answer, evidences, hops = follow(self.client, url, self.browser_headers(), self.ensure_tls)
        step.evidence.extend(evidences)
        if len(hops) > 1:
            problem(step, WARN, f"Redirected {len(hops) - 1} time(s), to {answer.url}.", "RTC111",
                    "Serve the JSON at this URL directly: every hop needs CORS and costs a round trip.")
            for hop in hops[:-1]:
                if not hop.header_values("access-control-allow-origin"):
                    problem(step, FAIL, f"The redirect from {hop.url} has no Access-Control-Allow-Origin, so a "
                                        "browser does not follow it.", "RTC106",
                            "Serve the JSON on the server_name host itself (or add the CORS header to the redirect).")
        if answer.error:
            if not answer.tls_error:
                self.unreachable(answer.url, answer)
            return self.no_answer(step, answer)
        if answer.status != 200:
            problem(step, FAIL, f"Status {answer.status}: clients treat this as no well-known and find no "
                                "homeserver settings and no call transport.", "RTC105",
                    f"Serve {CLIENT_WELL_KNOWN} on the server_name host itself "
                    f"({self.options.server_name}), not only on the homeserver host.")
            answer = self.misplaced_well_known(step)
            if answer is None:
                return
        self.check_well_known_cors(step, answer)
        content_type = answer.header("content-type")
        if not content_type.lower().startswith("application/json"):
            problem(step, WARN, f"Content-Type is '{content_type or 'absent'}', not application/json.", "RTC107",
                    "Send Content-Type: application/json.")
        value, error = answer.json()
        if error or not isinstance(value, dict):
            return problem(step, FAIL, f"The body is not a JSON object ({error or type(value).__name__}): clients "
                                       "treat it as no well-known.", "RTC100")
        self.found.client_well_known = value
        self.read_homeserver(step, value)
        self.read_foci(step, value)
        if step.status == PASS:
            step.message = f"200, JSON, CORS ok; homeserver {self.found.base_url}" + (
                f"; rtc_foci: {', '.join(self.found.wk_foci)}" if self.found.wk_foci else "; no rtc_foci")

    def misplaced_well_known(self, step: Step) -> Answer | None:
        """The usual mistake: the JSON is on matrix.<server_name>. If so, say it, and walk on with it."""
        host, port = split_server_name(self.options.server_name)
        if host.startswith("matrix."):
            return None
        netloc = f"matrix.{host}" + (f":{port}" if port else "")
        url = f"https://{netloc}{CLIENT_WELL_KNOWN}"
        answer = self.send(step, "GET", url, self.browser_headers(), guess=True)
        if answer.status != 200 or answer.json()[1]:
            return None
        problem(step, FAIL, f"It is served at {url}, where clients never look; the next steps use that copy "
                            "to show what else would break.")
        return answer

    def check_well_known_cors(self, step: Step, answer: Answer) -> None:
        values = answer.header_values("access-control-allow-origin")
        joined = ", ".join(values)
        if not values:
            problem(step, FAIL, "No Access-Control-Allow-Origin header: browsers (Element Web, Element Call) "
                                "cannot read the well-known.", "RTC106", "Add `Access-Control-Allow-Origin: *`.")
        elif len(values) > 1 or "," in joined:
            problem(step, FAIL, f"Access-Control-Allow-Origin is sent more than once ('{joined}'): browsers "
                                "reject it.", "RTC106", "Send the header exactly once.")
        elif joined.strip() not in ("*", self.options.origin):
            problem(step, FAIL, f"Access-Control-Allow-Origin is '{joined}', which does not allow "
                                f"{self.options.origin}.", "RTC106", "Send `Access-Control-Allow-Origin: *`.")

    def read_homeserver(self, step: Step, value: dict) -> None:
        homeserver = value.get("m.homeserver")
        base = homeserver.get("base_url") if isinstance(homeserver, dict) else None
        if not isinstance(base, str) or not base.startswith(("https://", "http://")):
            problem(step, FAIL, "No usable m.homeserver.base_url in the well-known.",
                    hint='Add "m.homeserver": {"base_url": "https://matrix.example.org"}.')
            return
        self.found.base_url = base.rstrip("/")

    def read_foci(self, step: Step, value: dict) -> None:
        if RTC_FOCI_KEY not in value:
            return  # judged in choose_focus, once the transports endpoint is known too
        foci = value[RTC_FOCI_KEY]
        if not isinstance(foci, list):
            return problem(step, WARN, f"{RTC_FOCI_KEY} is not an array.", "RTC102", "Wrap the entry in [ ].")
        for entry in foci:
            url = entry.get("livekit_service_url") if isinstance(entry, dict) else None
            if isinstance(entry, dict) and entry.get("type") == "livekit" and isinstance(url, str):
                self.found.wk_foci.append(url)
        if not self.found.wk_foci:
            problem(step, WARN, f"{RTC_FOCI_KEY} has no livekit entry with a livekit_service_url.", "RTC102")

    def homeserver(self) -> None:
        title = "Homeserver reachable (client versions)"
        if not self.found.base_url:
            return self.skip("homeserver", title, "No m.homeserver.base_url to try.")
        step = self.step("homeserver", f"{title}: {self.found.base_url}")
        answer = self.send(step, "GET", self.found.base_url + VERSIONS_PATH, self.browser_headers())
        if answer.error:
            return self.no_answer(step, answer, "RTC104")
        value, error = answer.json()
        if answer.status != 200 or error or not isinstance(value, dict) or "versions" not in value:
            return problem(step, FAIL, f"{VERSIONS_PATH} answered {answer.status} without a versions list: "
                                       "base_url does not lead to the homeserver.",
                           hint="Route /_matrix on the base_url host to Synapse.")
        step.message = f"200, versions {', '.join(map(str, value.get('versions', [])[-3:]))}"

    def transports(self) -> None:
        title = "Transports endpoint (MSC4143)"
        if not self.found.base_url:
            return self.skip("transports", title, "No homeserver to ask.")
        step = self.step("transports", f"{title}: {self.found.base_url}{TRANSPORTS_PATH}")
        headers = self.browser_headers()
        if self.options.access_token:
            headers["Authorization"] = f"Bearer {self.options.access_token}"
        answer = self.send(step, "GET", self.found.base_url + TRANSPORTS_PATH, headers)
        if answer.error:
            return self.no_answer(step, answer)
        value, _ = answer.json()
        errcode = value.get("errcode") if isinstance(value, dict) else None
        if answer.status == 401 and not self.options.access_token:
            self.found.transports_served = True
            step.message = (f"401 ({errcode or 'no errcode'}) without a token: the endpoint is served. "
                            "Pass --access-token to read the transports.")
        elif answer.status == 200 and isinstance(value, dict):
            self.found.transports_served = True
            self.read_transports(step, value)
        elif answer.status == 404:
            self.found.transports_served = False
            who = "the homeserver" if errcode == "M_UNRECOGNIZED" else "the proxy or the homeserver"
            problem(step, FAIL, f"404 from {who}: the endpoint is off, so Element Call ≥ 0.24 finds no transport"
                                + (" (older clients still read the well-known)." if self.found.wk_foci else "."),
                    "RTC500", "Synapse ≥ 1.140: set experimental_features.msc4143_enabled: true and "
                              "matrix_rtc.transports (RTC108), and route /_matrix to Synapse.")
        elif answer.status == 401:
            problem(step, FAIL, f"401 ({errcode}): the access token was refused.")
        else:
            problem(step, FAIL, f"Unexpected status {answer.status}.")

    def read_transports(self, step: Step, value: dict) -> None:
        entries = value.get("rtc_transports")
        livekit = [e for e in entries or [] if isinstance(e, dict) and e.get("type") == "livekit"]
        urls = [e.get("livekit_service_url") for e in livekit]
        self.found.transports = [u for u in urls if isinstance(u, str)]
        if not self.found.transports:
            return problem(step, FAIL, f"200 but no livekit transport in {value!r:.120}.", "RTC501",
                           "List the JWT service in matrix_rtc.transports.")
        step.message = f"200, livekit transports: {', '.join(self.found.transports)}"

    def choose_focus(self) -> None:
        """Pick the transport a client uses: the endpoint's first, else the well-known's first."""
        step = self.step("rtc-transport", "A LiveKit transport is advertised")
        wk, tr = self.found.wk_foci, self.found.transports
        if tr and wk and tr[0].rstrip("/") != wk[0].rstrip("/"):
            problem(step, WARN, f"The well-known names {wk[0]} but the transports endpoint {tr[0]}: old and new "
                                "clients use different JWT services.", "RTC109")
        if not wk and not tr:
            if self.found.client_well_known is None and not self.found.transports_served:
                step.status, step.message = SKIP, "Nothing to read: the well-known failed."
            elif self.found.transports_served and tr is None:
                problem(step, WARN, f"The well-known has no {RTC_FOCI_KEY} and the transports endpoint needs "
                                    "--access-token to be read: the JWT service and SFU steps are skipped.", "RTC108")
            else:
                problem(step, FAIL, "Neither the well-known nor the transports endpoint names a livekit transport: "
                                    "calls fail with MISSING_MATRIX_RTC_TRANSPORT.", "RTC101", ADD_FOCI_HINT)
        elif not wk and self.found.client_well_known is not None:
            problem(step, WARN, f"The well-known has no {RTC_FOCI_KEY}: Element Web builds that bundle an Element "
                                "Call older than 0.24 find no transport.", "RTC108", ADD_FOCI_HINT)
        self.found.focus = (tr or wk or [None])[0]
        if self.found.focus:
            source = "transports endpoint" if tr else "well-known"
            step.message = f"{step.message} Using {self.found.focus} (first livekit entry of the {source}).".strip()

    # ---- federation (the JWT service checks the user's OpenID token this way) -----------

    def server_well_known(self) -> None:
        host, port = split_server_name(self.options.server_name)
        title = "Server well-known (federation delegation)"
        if port is not None:
            self.found.fed_target = (host, port)
            return self.skip("wellknown-server", title, f"The server_name has a port: servers connect to {host}:{port} "
                                                        "directly, without a well-known.")
        url = f"https://{self.options.server_name}{SERVER_WELL_KNOWN}"
        step = self.step("wellknown-server", f"{title} {url}")
        answer = self.send(step, "GET", url, {"Accept": "application/json"}, guess=True)
        value, error = answer.json() if answer.status == 200 else (None, "")
        server = value.get("m.server") if isinstance(value, dict) else None
        if answer.status == 200 and isinstance(server, str) and server:
            delegated, delegated_port = split_server_name(server)
            self.found.fed_target = (delegated, delegated_port or 8448)
            step.message = f"200, m.server {server}"
            return
        self.found.fed_target = (host, 8448)
        if answer.status == 200:
            problem(step, WARN, f"200 but no usable m.server ({error or 'key missing'}): other servers fall back "
                                "to SRV records or port 8448.", "RTC208")
        elif answer.error:
            problem(step, WARN, f"No answer ({answer.error}): other servers fall back to SRV records (not checked "
                                f"here) or port 8448 of {host}.")
        else:
            step.message = (f"{answer.status}: no delegation; other servers use SRV records "
                            f"(not checked here) or port 8448 of {host}.")

    def federation_openid(self) -> None:
        host, port = self.found.fed_target or (self.options.server_name, 8448)
        url = f"https://{host}:{port}{OPENID_PATH}" if port != 443 else f"https://{host}{OPENID_PATH}"
        step = self.step("federation-openid", f"Federation OpenID userinfo {url}")
        answer = self.send(step, "GET", url, {"Accept": "application/json"})
        hint = (f"The JWT service verifies users with {OPENID_PATH} on the server_name: publish "
                f"{SERVER_WELL_KNOWN}, listen on 8448, or route /_matrix/federation (and the openid listener "
                "resource) to Synapse.")
        if answer.error:
            return self.no_answer(step, answer)
        value, _ = answer.json()
        errcode = value.get("errcode") if isinstance(value, dict) else None
        if answer.status == 401 and errcode:
            step.message = f"401 {errcode} without a token: the homeserver answers this path."
        else:
            answered = f"Status {answer.status}" + (f" ({errcode})" if errcode else "")
            problem(step, FAIL, f"{answered}: not answered by the homeserver.", "RTC208", hint)
