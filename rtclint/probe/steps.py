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

import base64
import os
from urllib.parse import urlsplit, urlunsplit

from rtclint.probe.http import Answer, exchange, follow
from rtclint.probe.identify import JWT_LEGACY, LIVEKIT_VALIDATE, is_jwt_get, is_livekit_health, is_livekit_validate
from rtclint.probe.net import AddressMap, check_tls
from rtclint.probe.result import FAIL, PASS, SKIP, WARN, Evidence, ProbeReport, Step
from rtclint.record import field, record

CLIENT_WELL_KNOWN = "/.well-known/matrix/client"
SERVER_WELL_KNOWN = "/.well-known/matrix/server"
VERSIONS_PATH = "/_matrix/client/versions"
TRANSPORTS_PATH = "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports"
OPENID_PATH = "/_matrix/federation/v1/openid/userinfo"
RTC_FOCI_KEY = "org.matrix.msc4143.rtc_foci"
DEFAULT_ORIGIN = "https://app.element.io"
GO_NOT_FOUND = "404 page not found"  # net/http's NotFound body, what lk-jwt-service (Go) sends
GATEWAY_ERRORS = (502, 503, 504)
RANK = {PASS: 0, SKIP: 0, WARN: 1, FAIL: 2}
ADD_FOCI_HINT = (f'Add "{RTC_FOCI_KEY}": [{{"type": "livekit", "livekit_service_url": "https://…"}}] '
                 "to the well-known.")


@record
class ProbeOptions:
    server_name: str
    origin: str = DEFAULT_ORIGIN
    access_token: str | None = None
    livekit_url: str | None = None
    insecure: bool = False
    cacert: str | None = None
    addresses: AddressMap = field(default_factory=AddressMap)


@record
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


def problem(step: Step, status: str, message: str, code: str | None = None, hint: str = "") -> None:
    """Add a problem to a step; the worst one sets the step's status and code."""
    step.message = f"{step.message} {message}".strip() if step.message else message
    if RANK[status] > RANK[step.status]:
        step.status, step.code = status, code
        step.hint = hint or step.hint
    elif step.code is None and code and RANK[status] == RANK[step.status]:
        step.code = code
        step.hint = hint or step.hint


def origin_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = 443 if parts.scheme in ("https", "wss") else 80
    return parts.hostname or "", parts.port or default


def split_server_name(server_name: str) -> tuple[str, int | None]:
    """`example.org` → (example.org, None); `example.org:8448` → (example.org, 8448); IPv6 kept whole."""
    if server_name.startswith("["):
        host, _, rest = server_name[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdecimal() else None
    host, sep, port = server_name.rpartition(":")
    if sep and port.isdecimal() and ":" not in host:
        return host, int(port)
    return server_name, None


def normalise_server_name(text: str) -> str:
    """Accept what users paste: `@alice:example.org`, `https://example.org/`, `example.org`."""
    text = text.strip()
    if text.startswith("@") and ":" in text:
        text = text.split(":", 1)[1]  # the server_name is everything after the first colon of a user id
    return urlsplit(text).netloc if "://" in text else text.rstrip("/")


class Probe:
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

    # ---- the JWT service ------------------------------------------------------------------

    def jwt_preflight(self) -> None:
        title = "JWT service: CORS preflight of get_token"
        if not self.found.focus:
            return self.skip("jwt-preflight", title, "No livekit transport to try.")
        url = self.found.focus.rstrip("/") + "/get_token"
        step = self.step("jwt-preflight", f"{title}: OPTIONS {url}")
        if not url.startswith("https://"):
            problem(step, FAIL, f"livekit_service_url {self.found.focus} is not https://.", "RTC103")
            if not url.startswith("http://"):
                return
        answer = self.preflight(step, url)
        if answer.error:
            return self.no_answer(step, answer, "RTC104")
        if answer.status == 404 and self.legacy_endpoint_works(step):
            return
        if answer.status == 404 or answer.status in GATEWAY_ERRORS:
            return self.jwt_not_reached(step, answer)
        if not 200 <= answer.status < 300:
            return problem(step, FAIL, f"Status {answer.status}: a browser needs 2xx to send the POST.", "RTC200")
        self.check_preflight_headers(step, answer)
        if step.status == PASS:
            allowed = answer.header("access-control-allow-origin")
            step.message = f"{answer.status}, Access-Control-Allow-Origin: {allowed}"
            if is_jwt_get(self.send(step, "GET", self.found.focus.rstrip("/") + JWT_LEGACY, guess=True)):
                step.message += f"; GET {JWT_LEGACY} answers 405 with its CORS headers: lk-jwt-service"

    def preflight(self, step: Step, url: str) -> Answer:
        return self.send(step, "OPTIONS", url, {"Origin": self.options.origin, "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})

    def legacy_endpoint_works(self, step: Step) -> bool:
        """Element Call falls back to <base>/sfu/get when /get_token is missing (older lk-jwt-service)."""
        legacy = self.preflight(step, self.found.focus.rstrip("/") + "/sfu/get")
        if not (200 <= (legacy.status or 0) < 300 and legacy.header("access-control-allow-origin").strip() == "*"):
            return False
        problem(step, WARN, "/get_token is 404 but the legacy /sfu/get answers the preflight: an older "
                            "lk-jwt-service; Element Call falls back to it.",
                hint="Upgrade lk-jwt-service; newer clients use /get_token.")
        return True

    def check_preflight_headers(self, step: Step, answer: Answer) -> None:
        origins = answer.header_values("access-control-allow-origin")
        joined = ", ".join(origins)
        if len(origins) > 1 or "," in joined:
            problem(step, FAIL, f"Access-Control-Allow-Origin: '{joined}' — the proxy adds the header in front of "
                                "lk-jwt-service, which sends its own; browsers reject the doubled value.", "RTC203",
                    "Remove the proxy's Access-Control-* headers for the JWT service.")
        elif not origins:
            problem(step, FAIL, "No Access-Control-Allow-Origin in the preflight answer, so the browser never sends "
                                "the POST. lk-jwt-service always sends it: this answer comes from something else.",
                    "RTC200", "Route the livekit_service_url host and path to lk-jwt-service.")
        elif joined.strip() not in ("*", self.options.origin):
            problem(step, FAIL, f"Access-Control-Allow-Origin '{joined}' does not allow {self.options.origin}.",
                    "RTC203")
        methods = answer.header("access-control-allow-methods").upper()
        if origins and methods and "POST" not in methods and "*" not in methods:
            problem(step, FAIL, f"Access-Control-Allow-Methods '{methods}' lacks POST.")
        allowed = answer.header("access-control-allow-headers").lower()
        if origins and "content-type" not in allowed and "*" not in allowed:
            problem(step, FAIL, f"Access-Control-Allow-Headers '{allowed or 'absent'}' lacks Content-Type, which "
                                "the client sends.")

    def jwt_not_reached(self, step: Step, answer: Answer) -> None:
        """404 or a gateway error on a JWT path: tell a missing route from an unstripped prefix."""
        if answer.status in GATEWAY_ERRORS:
            return problem(step, FAIL, f"Status {answer.status} from the proxy: it cannot reach the JWT service.",
                           "RTC207", "Point the proxy at the port lk-jwt-service binds (LIVEKIT_JWT_BIND, default "
                                     ":8080) and check that it runs.")
        prefix = urlsplit(self.found.focus or "").path.rstrip("/")
        from_go = answer.text.strip() == GO_NOT_FOUND
        if prefix and from_go:
            return problem(step, FAIL, f"404 '{GO_NOT_FOUND}' from the JWT service itself: the proxy passes the "
                                       f"prefix {prefix} on, and lk-jwt-service only knows /get_token, /sfu/get, "
                                       "/healthz.", "RTC201",
                           f"Strip {prefix}: nginx `proxy_pass http://jwt:8080/;` (trailing slash), Caddy "
                           "`handle_path`, HAProxy `replace-path`.")
        problem(step, FAIL, f"Status 404 for {answer.url}: no route to the JWT service.", "RTC200",
                "Route the host and path of livekit_service_url to lk-jwt-service.")

    def jwt_healthz(self) -> None:
        title = "JWT service: /healthz"
        if not self.found.focus:
            return self.skip("jwt-healthz", title, "No livekit transport to try.")
        url = self.found.focus.rstrip("/") + "/healthz"
        step = self.step("jwt-healthz", f"{title}: GET {url}")
        answer = self.send(step, "GET", url)
        if answer.error:
            return self.no_answer(step, answer, "RTC104")
        if answer.status == 200:
            step.message = "200"
            preflight = next((s for s in self.report.steps if s.id == "jwt-preflight"), None)
            if preflight and preflight.code == "RTC200":
                preflight.code = "RTC202"
                preflight.message += " /healthz is routed though: only some JWT paths reach the service."
                preflight.hint = "Route the whole livekit_service_url prefix, not single paths."
            return
        if answer.status == 404 or answer.status in GATEWAY_ERRORS:
            self.jwt_not_reached(step, answer)
            preflight = next((s for s in self.report.steps if s.id == "jwt-preflight"), None)
            if step.code == "RTC200" and preflight and preflight.status == PASS:
                step.code = "RTC202"
                step.hint = "Route the whole livekit_service_url prefix, not single paths."
            return
        problem(step, FAIL, f"Status {answer.status}, expected 200.")

    # ---- the SFU ----------------------------------------------------------------------------

    def sfu_candidates(self) -> list[str]:
        """Where LIVEKIT_URL probably is, when the JWT service cannot tell us (it needs an OpenID token)."""
        parts = urlsplit(self.found.focus or "")
        path = parts.path.rstrip("/")
        paths = []
        if path.endswith("/jwt"):
            paths.append(path[: -len("/jwt")] + "/sfu")  # ESS and common guides: /livekit/jwt + /livekit/sfu
        paths += ["/livekit/sfu", ""]
        return list(dict.fromkeys(urlunsplit(("wss", parts.netloc, p, "", "")) for p in paths))

    def sfu_url(self) -> None:
        title = "LiveKit SFU URL (LIVEKIT_URL)"
        if self.options.livekit_url:
            step = self.step("sfu-url", title)
            self.found.livekit_url = self.options.livekit_url
            step.message = f"{self.options.livekit_url} (from --livekit-url)"
            return
        if not self.found.focus:
            return self.skip("sfu-url", title, "No JWT service to derive it from; pass --livekit-url.")
        step = self.step("sfu-url", title)
        for candidate in self.sfu_candidates():
            if self.is_livekit(step, candidate):
                self.found.livekit_url = candidate
                step.message = (f"{candidate} answers like LiveKit (GET {LIVEKIT_VALIDATE} without a token: 401 "
                                "'no permissions to access the room'); derived from the JWT service URL (it only "
                                "reveals LIVEKIT_URL for a valid OpenID token): pass --livekit-url to be sure.")
                return
            answer = self.upgrade(step, candidate, guess=True)
            if answer.status in (101, 401, 403):
                self.found.livekit_url = candidate
                step.message = (f"{candidate} answers like LiveKit (derived from the JWT service URL: the JWT "
                                "service only reveals LIVEKIT_URL for a valid OpenID token; pass --livekit-url).")
                return
            health = self.send(step, "GET", http_url(candidate).rstrip("/") + "/", guess=True)
            if is_livekit_health(health):
                self.found.livekit_url = candidate
                step.message = (f"{candidate} reaches LiveKit (GET / answers OK); derived, pass --livekit-url "
                                "to be sure.")
                return
        problem(step, FAIL, f"None of {', '.join(self.sfu_candidates())} reaches LiveKit.", "RTC204",
                "Pass --livekit-url with the JWT service's LIVEKIT_URL, or route it to LiveKit's port (7880).")

    def sfu_websocket(self) -> None:
        title = "LiveKit SFU: WebSocket upgrade on /rtc"
        if not self.found.livekit_url:
            return self.skip("sfu-websocket", title, "No LIVEKIT_URL known.")
        url = self.found.livekit_url
        step = self.step("sfu-websocket", f"{title}: {url.rstrip('/')}/rtc")
        scheme = urlsplit(url).scheme
        if scheme not in ("wss", "ws", "https", "http"):
            return problem(step, FAIL, f"LIVEKIT_URL {url} is not a ws(s):// URL.", "RTC302")
        if scheme in ("ws", "http"):
            problem(step, FAIL, f"LIVEKIT_URL {url} is not wss://: a page served over https cannot open it.", "RTC302")
        answer = self.upgrade(step, url)
        if answer.error:
            return self.no_answer(step, answer, "RTC104")
        if answer.status in (101, 401, 403):
            if step.status == PASS:
                step.message = f"{answer.status} to an upgrade without a token: answers like LiveKit."
            return
        if answer.status in GATEWAY_ERRORS:
            return problem(step, FAIL, f"Status {answer.status} from the proxy: it cannot reach LiveKit.", "RTC207",
                           "Point the proxy at LiveKit's `port` (default 7880) and check that LiveKit runs.")
        health = self.send(step, "GET", http_url(url).rstrip("/") + "/")
        if answer.status == 404 and (is_livekit_health(health) or self.is_livekit(step, url)):
            return problem(step, FAIL, "LiveKit answers (GET / is OK) but says 404 to the upgrade: it did not get "
                                       "the Upgrade header, so the proxy does not pass WebSockets through.", "RTC205",
                           "nginx: `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
                           "proxy_set_header Connection \"upgrade\";` in the SFU location.")
        problem(step, FAIL, f"Status {answer.status} to the upgrade and GET / is not LiveKit's OK: no route to "
                            "LiveKit's /rtc.", "RTC204", "Route LIVEKIT_URL's host and path to LiveKit's port (7880).")

    def is_livekit(self, step: Step, ws_url: str) -> bool:
        """Whether LiveKit answers under `ws_url`: its token check on /rtc/validate."""
        answer = self.send(step, "GET", http_url(ws_url).rstrip("/") + LIVEKIT_VALIDATE,
                           {"Origin": self.options.origin}, guess=True)
        return is_livekit_validate(answer)

    def upgrade(self, step: Step, ws_url: str, guess: bool = False) -> Answer:
        """A WebSocket opening handshake on <LIVEKIT_URL>/rtc, as livekit-client sends it (without a token)."""
        key = base64.b64encode(os.urandom(16)).decode()
        headers = {"Origin": self.options.origin, "Connection": "Upgrade", "Upgrade": "websocket",
                   "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key}
        return self.send(step, "GET", http_url(ws_url).rstrip("/") + "/rtc", headers, guess=guess)


def http_url(ws_url: str) -> str:
    """wss://h/p → https://h/p (the opening handshake is an HTTP request)."""
    parts = urlsplit(ws_url)
    scheme = {"wss": "https", "ws": "http"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
