"""What a client well-known advertises, read leniently for the cross-file rules
(RTC104, 105, 108, 109): its JSON object, its `rtc_foci` URLs (found by pattern when the
JSON is broken), and where a URL is written.
"""

from __future__ import annotations

import re

from rtclint.document import Span
from rtclint.model import RTC_FOCI_KEY, WellKnown
from rtclint.rules.common.wkedit import body_bounds, body_span

_URL_IN_JSON = re.compile(r'"livekit_service_url"\s*:\s*"([^"\\]+)"')


def json_object(wk: WellKnown):
    value, error = wk.parse()
    return value if error is None and isinstance(value, dict) else None


def has_foci(wk: WellKnown) -> bool:
    value = json_object(wk)
    if value is not None:
        return RTC_FOCI_KEY in value
    return RTC_FOCI_KEY in wk.body  # broken JSON (RTC100): still says what it meant


def foci_urls(wk: WellKnown) -> list[str]:
    """livekit_service_url of each rtc_foci entry, in order (first = the one used)."""
    value = json_object(wk)
    if value is None:
        start = wk.body.find(RTC_FOCI_KEY)
        return _URL_IN_JSON.findall(wk.body[start:]) if start >= 0 else []
    foci = value.get(RTC_FOCI_KEY)
    foci = [foci] if isinstance(foci, dict) else foci if isinstance(foci, list) else []
    return [e["livekit_service_url"] for e in foci
            if isinstance(e, dict) and isinstance(e.get("livekit_service_url"), str)]


def url_span(ctx, wk: WellKnown, url: str) -> Span:
    """Where `url` is written for this well-known: inside the proxy's body string, the
    static file, or the YAML holding it; the well-known's own span when not found."""
    index = wk.body.find(url)
    if index >= 0 and body_bounds(wk) is not None:
        return body_span(wk, index, index + len(url))
    doc = ctx.deployment.documents.get(wk.span.path)
    if doc is not None:
        found = doc.text.find(url, wk.span.start, max(wk.span.end, wk.span.start))
        if found >= 0:
            return Span(doc.path, found, found + len(url))
    return wk.span
