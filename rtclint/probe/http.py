"""One HTTP exchange for the probe: send, record the evidence, never raise."""

from __future__ import annotations

from urllib.parse import urljoin

from rtclint.probe.net import describe_os_error
from rtclint.probe.result import Evidence, excerpt
from dataclasses import dataclass

# headers worth showing as evidence (lower case); everything else is noise for this purpose
SHOWN_HEADERS = ("content-type", "location", "access-control-allow-origin", "access-control-allow-methods",
                 "access-control-allow-headers", "server", "upgrade", "connection", "www-authenticate")
SENT_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers", "upgrade", "connection",
                "sec-websocket-version")
MAX_REDIRECTS = 5


@dataclass
class Answer:
    """A response reduced to what the checks need; `error` is set when there was none."""

    url: str
    status: int | None = None
    headers: dict[str, list[str]] | None = None
    text: str = ""
    error: str = ""
    refused: bool = False
    tls_error: bool = False

    def header_values(self, name: str) -> list[str]:
        return (self.headers or {}).get(name.lower(), [])

    def header(self, name: str) -> str:
        return ", ".join(self.header_values(name))

    def json(self):
        import json

        try:
            return json.loads(self.text), None
        except ValueError as exc:
            return None, str(exc)


def exchange(client, method: str, url: str, headers: dict[str, str] | None = None) -> tuple[Answer, Evidence]:
    """Send one request; the evidence keeps status, the telling headers and a body excerpt."""
    evidence = Evidence(request=f"{method} {url}", sent={k: v for k, v in (headers or {}).items()
                                                         if k.lower() in SENT_HEADERS})
    try:
        with client.stream(method, url, headers=headers or {}) as response:
            # a 101 hands the connection over to another protocol: there is no body to read
            raw = b"" if response.status_code == 101 else response.read()
        body = raw[:64 * 1024].decode("utf-8", "replace")
    except Exception as exc:  # httpx raises many kinds; all of them mean "no answer"
        words = describe_os_error(exc)
        evidence.error = words
        return Answer(url, error=words, refused="refused" in words, tls_error="TLS" in words), evidence
    grouped: dict[str, list[str]] = {}
    for key, value in response.headers.multi_items():
        grouped.setdefault(key.lower(), []).append(value)
    evidence.status = response.status_code
    evidence.headers = {k: ", ".join(v) for k, v in grouped.items() if k in SHOWN_HEADERS}
    evidence.body = excerpt(body)
    return Answer(url, response.status_code, grouped, body), evidence


def follow(client, url: str, headers: dict[str, str], before_hop) -> tuple[Answer, list[Evidence], list[Answer]]:
    """GET with redirects followed like fetch() does; returns the last answer, all evidence and the hops.

    `before_hop(url)` runs before each request (the TLS check of a new host)."""
    evidences, hops = [], []
    for _ in range(MAX_REDIRECTS + 1):
        before_hop(url)
        answer, evidence = exchange(client, "GET", url, headers)
        evidences.append(evidence)
        hops.append(answer)
        location = answer.header("location")
        if answer.status not in (301, 302, 303, 307, 308) or not location:
            return answer, evidences, hops
        url = urljoin(url, location)
    return hops[-1], evidences, hops
