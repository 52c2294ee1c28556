"""A file looks like a proxy, homeserver or call-stack config that rtclint cannot model.

## What it does
Names each file in the tree that is the config of a program rtclint does not read:
Apache httpd (`<VirtualHost>`, `ProxyPass`, `httpd.conf`, `apache2.conf`), lighttpd
(`server.modules`, `$HTTP["host"]`), Lua run by HAProxy (`core.register_*`) or OpenResty
(`ngx.*`), Caddy's JSON config (`"apps": {"http": …}`), Envoy (`envoy.yaml`) and the
Dendrite homeserver (`dendrite.yaml`). The finding sits on the line that gave it away.

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

from rtclint.diagnostics import Severity
from rtclint.discover import foreign_config
from rtclint.document import Span

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
        yield ctx.report(
            Span(path, offset, len(text) if end < 0 else end),
            f"{what}: rtclint cannot model it, so what this file routes or sets is not checked and "
            f"findings that depend on it may be missing",
        )
