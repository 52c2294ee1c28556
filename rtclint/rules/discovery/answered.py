"""How a client reaches one proxy site, and that site's answer to a client request (the
answer model, `model/answer.py`), for the discovery and routing rules."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.model.answer_types import Answer
    from rtclint.rules.common.roles import PublicUrl


def site_url(site, host: str, base: str) -> "PublicUrl":
    """The URL a client uses for `base` on `host` of this site: https on its first TLS
    port, else http on the first port it listens on (a proxy behind another one)."""
    return site_urls(site, [host], base)[0]


def site_urls(site, hosts, base: str) -> list["PublicUrl"]:
    """`site_url` for each of `hosts`, the site's scheme and port found once."""
    from rtclint.rules.common.roles import PublicUrl

    tls = sorted(lst.port for lst in site.listens if lst.tls and lst.port)
    plain = sorted(lst.port for lst in site.listens if not lst.tls and lst.port)
    if tls or not plain:
        scheme, port = "https", 443 if not tls or 443 in tls else tls[0]
    else:
        scheme, port = "http", 80 if 80 in plain else plain[0]
    return [PublicUrl(scheme, host, port, base) for host in hosts]


def site_answer(ctx, site, kind: str, host: str | None = None) -> "Answer":
    """The answer of one site to the client request `kind` at its root on `host` (default:
    its first named host), asked as a client reaches it (https on its TLS port, else http)."""
    def compute():
        from rtclint.model.answer import answer_site
        from rtclint.model.answer_requests import request_for
        from rtclint.rules.common.roles import concrete_hosts

        from rtclint.model.answer_wellknown import site_hosts

        url = site_url(site, host or (concrete_hosts(site) or site_hosts(site) or ["localhost"])[0], "")
        return answer_site(site, request_for(kind, url.scheme, url.host, url.port, ""))

    return ctx.memo(("answered.site_answer", id(site), kind, host), compute)
