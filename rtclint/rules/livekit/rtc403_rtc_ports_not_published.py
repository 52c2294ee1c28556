"""Compose does not publish LiveKit's media ports, or publishes them on other numbers.

## What it does
For a LiveKit container on a Compose bridge network, checks that `rtc.tcp_port`
(default 7881) and the UDP ports (`rtc.port_range_start`–`port_range_end`, else
`rtc.udp_port`, else 50000–60000; 7882 with `--dev`) are published, UDP as `/udp`,
each on the same host port as in the container. Not needed with `network_mode: host`.

## Why
Media does not go through the reverse proxy: clients connect straight to these
ports, at the port numbers LiveKit advertises — its own. A port published elsewhere
or not at all makes calls connect and then stay silent and black.

## Example
```yaml
ports:
  - "7881:7881"
  - "50100-50200:50100-50200"   # missing /udp
```

## Fix
`--fix` adds the missing entries to `ports:` when it has entries to copy the layout
from, and only the ports no entry publishes (`50141-50160` between `50100-50140` and
`50161-50200`: an entry overlapping another stops the container). It rewrites a
short-syntax entry published on another host port (`"17881:7881"` → `"7881:7881"`).
"""

from __future__ import annotations

import re

from rtclint.diagnostics import Applicability, Edit, Fix, Related, Severity
from rtclint.document import Span
from rtclint.rules.common.services import doc_text
from rtclint.rules.livekit.ports import compose_livekits, port_text, rtc_ports, unpublished

CODE = "RTC403"
NAME = "rtc-ports-not-published"
SEVERITY = Severity.ERROR
FIX = "safe"
WHERE = ("compose", "livekit")


def check(ctx):
    dep = ctx.deployment
    for inst in compose_livekits(dep):
        svc = inst.service
        missing, moved = [], []
        for first, last, proto, what in rtc_ports(inst):
            gaps, wrong = unpublished(svc, first, last, proto)
            if not gaps:
                continue
            if wrong:
                moved.append((first, last, proto, what, wrong))
            else:  # only the ports no entry publishes: an entry that overlaps one would stop Compose
                missing += [(lo, hi, proto, what, wrong) for lo, hi in gaps]
        if not missing and not moved:
            continue
        parts = [f"{port_text(f, l, p)} ({w})" for f, l, p, w, _ in missing]
        parts += [f"{port_text(f, l, p)} ({w}) is published on another host port" for f, l, p, w, _ in moved]
        cfg = inst.config
        related = [Related(cfg.facts.get("rtc_span") or cfg.span, "LiveKit's RTC ports")] if cfg is not None else []
        fix = _ports_fix(dep, svc, missing) if not moved else (_moved_fix(dep, moved) if not missing else None)
        anchor = svc.facts.get("ports_span") or svc.span
        yield ctx.report(anchor, f"Compose service `{svc.name}` must publish LiveKit's media ports as "
                         f"HOST:CONTAINER with equal numbers: " + "; ".join(parts)
                         + (f" (from {cfg.path})" if cfg is not None else ""), fix=fix, related=related)


def _ports_fix(dep, svc, missing) -> Fix | None:
    """New `- "P:P/udp"` items after the last published port, in its indentation and quotes."""
    published = [m for m in svc.ports if m.kind == "publish" and m.span is not None]
    if not published or not missing:
        return None
    last = max(published, key=lambda m: m.span.end)
    doc = dep.documents.get(last.span.path)
    if doc is None:
        return None
    line, _col = doc.line_col(last.span.start)
    text = doc.line_text(line)
    m = re.match(r"^(\s*)-\s+", text)
    if m is None or doc.line_col(last.span.end)[0] != line:
        return None
    quote = text[m.end() : m.end() + 1] if text[m.end() : m.end() + 1] in ("'", '"') else ""
    end = doc.line_end(line)
    items = "".join(f"{doc.newline}{m.group(1)}- {quote}{port_text(f, l, p)}{quote}" for f, l, p, _w, _x in missing)
    return Fix(Applicability.SAFE, "publish " + ", ".join(port_text(f, l, p) for f, l, p, _w, _x in missing),
               (Edit(Span(doc.path, end, end), items),))


def _moved_fix(dep, moved) -> Fix | None:
    """Rewrite `HOST:CONTAINER` items whose host port differs, keeping IP, quotes and
    protocol: only short-syntax items that publish exactly the needed range."""
    from rtclint.resolve.compose_fields import parse_port_spec  # only when there is a fix to make

    edits = []
    for first, last, proto, _what, wrong in moved:
        if len(wrong) != 1 or wrong[0].span is None:
            return None
        span = wrong[0].span
        text = doc_text(dep, span)
        inner = text.strip("'\"")
        parsed = parse_port_spec(inner)
        if parsed is None or parsed[2] != (first, last):
            return None
        ip = parsed[0]
        new = (f"[{ip}]:" if ip and ":" in ip else f"{ip}:" if ip else "") + port_text(first, last, proto)
        if proto != "tcp" or inner.endswith("/tcp"):
            new = new if new.endswith("/" + proto) else f"{new}/{proto}"
        start = span.start + text.index(inner)
        edits.append(Edit(Span(span.path, start, start + len(inner)), new))
    return Fix(Applicability.SAFE, "publish on the same host port", tuple(edits)) if edits else None
