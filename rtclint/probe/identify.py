"""What the probe knows before and around its requests: which server names it accepts
(checked before any request), and how LiveKit and lk-jwt-service answer, so an answer
can be recognised as theirs rather than guessed from a status code.

The answers are those of the services' sources (RULES.md "How the services answer"):
- LiveKit (`rtcservice.go`): `GET /rtc/validate` without a token → 401
  `no permissions to access the room` with `Access-Control-Allow-Origin: *`; `GET /rtc`
  without upgrade headers → 404; `GET /` → 200 `OK`.
- lk-jwt-service (`handler.go`): `GET /sfu/get` → 405 with its CORS headers
  (`Access-Control-Allow-Origin: *`, `-Methods: POST`); `OPTIONS` → 200 with the same.
"""

from __future__ import annotations

import ipaddress
import re

from rtclint.probe.net import ProbeUsageError

LIVEKIT_NO_TOKEN = "no permissions to access the room"
LIVEKIT_VALIDATE = "/rtc/validate"
JWT_LEGACY = "/sfu/get"
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def check_server_name(name: str) -> str:
    """`name` (a host, optionally with `:port`, as `normalise_server_name` leaves it) when
    it is a server name a request can go to; else ProbeUsageError saying why."""

    if not name:
        raise ProbeUsageError("no server name given")
    host, port = split_server_name(name)
    if port is not None and not 0 < port < 65536:
        raise ProbeUsageError(f"'{name}': port {port} is out of range (1-65535)")
    if _is_ip(host):
        return name
    if len(host) > 253 or not all(_LABEL.match(label) for label in host.rstrip(".").split(".")):
        raise ProbeUsageError(f"'{name}' is not a valid host name (letters, digits and '-' in dot-separated "
                              "labels, like example.org)")
    return name


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def is_livekit_validate(answer) -> bool:
    """LiveKit's answer to `GET /rtc/validate` without a token."""
    return (answer.status == 401 and LIVEKIT_NO_TOKEN in answer.text
            and answer.header("access-control-allow-origin").strip() == "*")


def is_livekit_health(answer) -> bool:
    return answer.status == 200 and answer.text.strip() == "OK"


def is_jwt_get(answer) -> bool:
    """lk-jwt-service's answer to a GET on one of its POST endpoints: 405 with its CORS."""
    return (answer.status == 405 and answer.header("access-control-allow-origin").strip() == "*"
            and "POST" in answer.header("access-control-allow-methods").upper())


def split_server_name(server_name: str) -> tuple[str, int | None]:
    """`example.org` → (example.org, None); `example.org:8448` → (example.org, 8448); IPv6 kept whole."""
    if server_name.startswith("["):
        host, _, rest = server_name[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdecimal() else None
    host, sep, port = server_name.rpartition(":")
    if sep and port.isdecimal() and ":" not in host:
        return host, int(port)
    return server_name, None
