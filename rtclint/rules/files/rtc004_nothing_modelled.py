"""A file looks like a proxy, homeserver or call-stack config that rtclint cannot model.

## What it does
Names each file in the tree that is the config of a program rtclint does not read:
Apache httpd (`<VirtualHost>`, `ProxyPass`, `httpd.conf`, `apache2.conf`), lighttpd
(`server.modules`, `$HTTP["host"]`), Lua run by HAProxy (`core.register_*`) or OpenResty
(`ngx.*`), Caddy's JSON config (`"apps": {"http": …}`), Envoy (`envoy.yaml`), the
Dendrite homeserver (`dendrite.yaml`), and a matrix-docker-ansible-deploy `vars.yml`
that rtclint cannot read as the configs the playbook writes (another homeserver than
Synapse, or a call setting given as a template expression; a Synapse one is read and the
other rules check it): for it, the message says what the playbook deploys for calls with
those variables and its documented defaults (`matrix_rtc_enabled` follows
`matrix_element_call_enabled`, off by default; the JWT service is then at
`https://matrix.<matrix_domain>/livekit-jwt-service`). The finding sits on the line that
gave it away.

## Why
What such a file routes or configures is invisible to every other rule: a tree made only
of them would otherwise end in "All clear", the worst answer a linter can give, and a tree
whose real proxy is Apache gets findings about the parts rtclint did see only. This says
which files were not read, so a quiet report is never taken for a checked one.

## Example
```
sites-available/matrix.conf
    <VirtualHost *:443>
        ServerName matrix.example.com
        ProxyPass /livekit/jwt/ http://127.0.0.1:8080/
```

## Fix
Manual: check those routes by hand (the catalogue's RTC1xx/RTC2xx pages say what each
client request needs), or ignore this code for the file once you have.
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Severity
from rtclint.document import Span
from rtclint.sniff import PLAYBOOK_VARS, foreign_config

CODE = "RTC004"
NAME = "nothing-modelled"
SEVERITY = Severity.WARNING
FIX = "manual"
WHERE = ("all",)

UNMODELLED = "unmodelled"  # parsers/unmodelled.py's subkind (rules do not import parsers)


def check(ctx):
    dep = ctx.deployment
    for path, facts in dep.files.items():
        if facts.subkind != UNMODELLED:
            continue
        doc = dep.documents.get(path)
        text = doc.text if doc is not None else ""
        what, offset = foreign_config(text, path) or ("a config of a program rtclint does not know", 0)
        end = text.find("\n", offset)
        message = (f"{what}: rtclint cannot model it, so what this file routes or sets is not checked and "
                   f"findings that depend on it may be missing")
        if what == PLAYBOOK_VARS:
            message = f"{what}: {playbook_call_path(text)}"
        yield ctx.report(Span(path, offset, len(text) if end < 0 else end), message)


# The playbook's defaults for the variables that decide the call path
# [spantaleev/matrix-docker-ansible-deploy 2026-08: roles/custom/matrix-element-call,
# matrix-livekit-jwt-service and matrix-base defaults, group_vars/matrix_servers]
# (re.finditer compiles it at the first playbook vars.yml met: most trees have none)
_TOP_LEVEL = r"^(matrix_[a-z_]+|livekit_server_enabled):[ \t]*(.*?)[ \t]*(?:#.*)?$"


def playbook_call_path(text: str) -> str:
    """What the playbook deploys for calls with these variables (their documented
    defaults where unset); a value written as a template expression is unknown."""
    given = {m.group(1): m.group(2).strip("'\"") for m in re.finditer(_TOP_LEVEL, text, re.M)}

    def flag(name: str, default: bool | None) -> bool | None:
        value = given.get(name)
        if value is None:
            return default
        return None if "{{" in value else value.lower() in ("true", "yes", "on")

    element_call = flag("matrix_element_call_enabled", False)
    rtc = flag("matrix_rtc_enabled", element_call)  # defaults to matrix_element_call_enabled
    livekit = flag("livekit_server_enabled", rtc)
    domain = given.get("matrix_domain", "")
    homeserver = given.get("matrix_homeserver_implementation") or "synapse"
    where = f"matrix.{domain}" if domain and "{{" not in domain else "matrix.<matrix_domain>"
    if rtc is None or livekit is None:
        calls = "whether it serves calls depends on a template expression (unknown)"
    elif rtc and livekit:
        calls = (f"it deploys LiveKit and lk-jwt-service (https://{where}/livekit-jwt-service) and advertises them "
                 f"in the well-known and {homeserver}'s transports")
    else:
        calls = ("it deploys no call backend (matrix_rtc_enabled is off: it defaults to matrix_element_call_enabled, "
                 "false): unless a transport is advertised by other means, clients say MISSING_MATRIX_RTC_TRANSPORT")
    return (f"the playbook writes the proxy, homeserver ({homeserver}) and call-stack configs from these variables, "
            f"which rtclint does not run; {calls}. Check the configs it writes on the server")
