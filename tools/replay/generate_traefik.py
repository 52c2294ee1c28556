"""Traefik file-provider variants (YAML) that exercise what people get wrong: `Path` vs
`PathPrefix`, `stripPrefix` with and without the trailing slash, rule-length priority
against an explicit `priority`, `Host` alternatives, entry points named or not, CORS by
the `headers` middleware (on the well-known and on the JWT service, whose own header it
replaces; an origin list that matches the client's Origin or not), an http→https
`redirectScheme` router."""

from __future__ import annotations

import itertools
import os

import yaml

WK_RULE = {"exact": "Path(`/.well-known/matrix/client`)", "prefix": "PathPrefix(`/.well-known/matrix`)"}
WK_MW = {"none": [], "cors": ["cors"], "custom": ["custom-cors"]}
# CORS on the JWT service's router, after its prefix is stripped: lk-jwt-service sends its
# own Access-Control-Allow-Origin, which the `headers` middleware replaces; a CORS list
# answers preflights itself
JWT_MW = {"none": [], "cors-any": ["jwt-cors-any"], "cors-origin": ["jwt-cors-origin"],
          "cors-other": ["jwt-cors-other"], "custom": ["custom-cors"]}
JWT = {
    "strip": ("PathPrefix(`/livekit/jwt`)", ["strip-jwt"]),
    "strip-slash": ("PathPrefix(`/livekit/jwt/`)", ["strip-jwt-slash"]),
    "nostrip": ("PathPrefix(`/livekit/jwt`)", []),
    "root": ("Path(`/sfu/get`) || Path(`/get_token`) || Path(`/healthz`)", []),
}
SFU = {"strip": ("PathPrefix(`/livekit/sfu`)", ["strip-sfu"]), "rtc": ("PathPrefix(`/rtc`) || PathPrefix(`/twirp`)", [])}
HOSTS = {"one": "Host(`matrix.example.com`)", "two": "(Host(`matrix.example.com`) || Host(`example.com`))",
         "none": ""}
ENTRY = {"unnamed": None, "secure": ["websecure"], "both": ["web", "websecure"]}
CATCH_ALL = {"none": None, "default": {}, "low": {"priority": 1}, "high": {"priority": 10000}}
MIDDLEWARES = {
    "cors": {"headers": {"accessControlAllowOriginList": ["*"]}},
    "custom-cors": {"headers": {"customResponseHeaders": {"Access-Control-Allow-Origin": "*"}}},
    "jwt-cors-any": {"headers": {"accessControlAllowOriginList": ["*"], "accessControlAllowMethods": ["POST"]}},
    "jwt-cors-origin": {"headers": {"accessControlAllowOriginList": ["https://call.example.net"]}},
    "jwt-cors-other": {"headers": {"accessControlAllowOriginList": ["https://other.example", "https://x.example"],
                                   "accessControlAllowHeaders": ["Content-Type"]}},
    "strip-jwt": {"stripPrefix": {"prefixes": ["/livekit/jwt"]}},
    "strip-jwt-slash": {"stripPrefix": {"prefixes": ["/livekit/jwt/"]}},
    "strip-sfu": {"stripPrefix": {"prefixes": ["/livekit/sfu"]}},
    "to-https": {"redirectScheme": {"scheme": "https", "permanent": True}},
}
SERVICES = {name: {"loadBalancer": {"servers": [{"url": url}]}} for name, url in (
    ("synapse", "http://synapse:8008"), ("lk-jwt", "http://lk-jwt:8080"), ("livekit", "http://livekit:7880"))}


def traefik(out: str, every: int = 37) -> list[tuple[str, str]]:
    found = []
    axes = itertools.product(WK_RULE, WK_MW, JWT, SFU, HOSTS, ENTRY, CATCH_ALL, JWT_MW)
    for i, choice in enumerate(axes):
        if i % every:
            continue
        path = os.path.join(out, f"traefik-{i:04d}.yml")
        with open(path, "w") as fh:
            yaml.safe_dump(_config(*choice), fh, sort_keys=False)
        found.append(("traefik", path))
    return found


def _config(wk, wk_mw, jwt, sfu, hosts, entry, catch_all, jwt_mw="none") -> dict:
    def rule(path_rule: str) -> str:
        return f"{HOSTS[hosts]} && ({path_rule})" if HOSTS[hosts] else path_rule

    def router(path_rule: str, service: str, middlewares: list[str], **extra) -> dict:
        r = {"rule": rule(path_rule), "service": service, **extra}
        if middlewares:
            r["middlewares"] = middlewares
        if ENTRY[entry] is not None:
            r["entryPoints"] = ENTRY[entry]
        return r

    routers = {
        "wellknown": router(WK_RULE[wk], "synapse", WK_MW[wk_mw]),
        "jwt": router(JWT[jwt][0], "lk-jwt", JWT[jwt][1] + JWT_MW[jwt_mw]),
        "sfu": router(SFU[sfu][0], "livekit", SFU[sfu][1]),
    }
    if CATCH_ALL[catch_all] is not None:
        routers["synapse"] = router("PathPrefix(`/`)", "synapse", [], **CATCH_ALL[catch_all])
    if entry == "both":
        routers["to-https"] = {"rule": "PathPrefix(`/`)", "entryPoints": ["web"], "middlewares": ["to-https"],
                               "service": "synapse", "priority": 1}
    return {"http": {"routers": routers, "middlewares": MIDDLEWARES, "services": SERVICES}}
