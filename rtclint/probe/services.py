"""The steps of `rtclint probe` that talk to the call services themselves: the JWT
service (CORS preflight, health, the legacy endpoint) and the LiveKit SFU (its URL, the
WebSocket upgrade). Each recognises the service by the answers its sources give
(`rtclint.probe.identify`), not by a status code alone."""

from __future__ import annotations

import base64
import os
from urllib.parse import urlsplit, urlunsplit

from rtclint.probe.http import Answer
from rtclint.probe.identify import JWT_LEGACY, LIVEKIT_VALIDATE, is_jwt_get, is_livekit_health, is_livekit_validate
from rtclint.probe.result import FAIL, PASS, WARN, Step, problem

GO_NOT_FOUND = "404 page not found"  # net/http's NotFound body, what lk-jwt-service (Go) sends
GATEWAY_ERRORS = (502, 503, 504)


class ServiceSteps:
    """Mixed into `Probe`, which provides `options`, `found`, `report`, `step`, `skip`,
    `send` and `no_answer`."""

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
