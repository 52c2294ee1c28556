"""JSON files: static `.well-known/matrix/{client,server}` files and Element Call's
`config.json`.

A static well-known file becomes WellKnown(source='static-file') — its JSON errors are
RTC100's business (the served body is broken), so this parser never reports them. An
Element Call `config.json` becomes a dict in FileFacts.element_call:

    {"path": ..., "matrix_rtc_mode": Located | None, "livekit_service_url": Located | None,
     "base_url": Located | None, "server_name": Located | None,
     "delayed_leave_event_delay_ms": Located | None}  # matrix_rtc_session.…

Element Web's `config.json` becomes a dict in FileFacts.element_web (json_element_web.py);
other JSON files are skipped quietly.
"""

from __future__ import annotations

import json
import os
import re

from rtclint.document import Document, Span
from rtclint.model import FileFacts, Located, WellKnown
from rtclint.parsers import json_element_web
from rtclint.parsers.base import Tree, parse_error

# Keys only Element Call's config.json has (src/config/ConfigOptions.ts).
ELEMENT_CALL_KEYS = {"matrix_rtc_mode", "livekit", "matrix_rtc_session"}


def read(doc: Document, tree: Tree) -> FileFacts:
    facts = FileFacts(doc.path, subkind="json")
    which = well_known_kind(doc.path)
    if which is not None:
        facts.subkind = "well-known"
        facts.well_knowns.append(
            WellKnown(which=which, body=doc.text, span=doc.span(0, len(doc.text)), source="static-file",
                      facts={"file": doc.path})
        )
        return facts
    try:
        value, spans = parse_with_spans(doc.text, doc.path)
    except JsonSyntaxError as exc:
        if _mentions_calls(doc.text):
            facts.diagnostics.append(parse_error(doc, exc.pos, f"JSON: {exc.msg}"))
        return facts
    if isinstance(value, dict) and ELEMENT_CALL_KEYS & set(value):
        facts.subkind = "element-call"
        facts.element_call.append(element_call_facts(doc, value, spans))
    elif json_element_web.is_element_web_config(value):
        facts.subkind = "element-web"
        facts.element_web.append(json_element_web.element_web_facts(doc, value, spans))
    return facts


def well_known_kind(path: str) -> str | None:
    parts = path.replace(os.sep, "/").split("/")
    if len(parts) >= 3 and parts[-3] == ".well-known" and parts[-2] == "matrix" and parts[-1] in ("client", "server"):
        return parts[-1]
    name = parts[-1].lower()
    if name.endswith(("well-known-client.json", ".well-known.json")):
        return "client"
    return None


def _mentions_calls(text: str) -> bool:
    """Element Call's keys, or Element Web's call section: a file that breaks a call setup."""
    return bool(re.search(r'"(matrix_rtc_mode|livekit|matrix_rtc_session|element_call|elementCall)"', text))


def element_call_facts(doc: Document, value: dict, spans: dict[tuple, tuple[Span, Span]]) -> dict:
    def located(*path) -> Located | None:
        return json_element_web.locate(value, spans, path)

    return {
        "path": doc.path,
        "matrix_rtc_mode": located("matrix_rtc_mode"),
        "livekit_service_url": located("livekit", "livekit_service_url"),
        "base_url": located("default_server_config", "m.homeserver", "base_url"),
        "server_name": located("default_server_config", "m.homeserver", "server_name"),
        "delayed_leave_event_delay_ms": located("matrix_rtc_session", "delayed_leave_event_delay_ms"),
    }


# -- JSON with positions ----------------------------------------------------------------


class JsonSyntaxError(ValueError):
    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos


_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


def parse_with_spans(text: str, path: str = "") -> tuple[object, dict[tuple, tuple[Span, Span]]]:
    """json.loads plus, for every object member, (key span, value span) by key path.
    Raises JsonSyntaxError with the offset where parsing stopped."""
    spans: dict[tuple, tuple[Span, Span]] = {}
    start = 1 if text.startswith("\ufeff") else 0
    value, end = _value(text, _skip(text, start), (), spans, path, 0)
    end = _skip(text, end)
    if end != len(text):
        raise JsonSyntaxError("extra data after the JSON value", end)
    return value, spans


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _value(text, pos, keypath, spans, path, depth):
    if depth > 200:
        raise JsonSyntaxError("nesting too deep", pos)
    if pos >= len(text):
        raise JsonSyntaxError("expecting a value", pos)
    ch = text[pos]
    if ch == "{":
        return _object(text, pos, keypath, spans, path, depth)
    if ch == "[":
        return _array(text, pos, keypath, spans, path, depth)
    if ch == '"':
        return _string(text, pos)
    for word, val in _LITERALS.items():
        if text.startswith(word, pos):
            return val, pos + len(word)
    match = _NUMBER.match(text, pos)
    if match:
        number = match.group()
        return (float(number) if any(c in number for c in ".eE") else int(number)), match.end()
    raise JsonSyntaxError("expecting a value", pos)


def _string(text, pos):
    try:
        return json.decoder.scanstring(text, pos + 1)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(exc.msg, exc.pos) from None


def _object(text, pos, keypath, spans, path, depth):
    out: dict = {}
    pos = _skip(text, pos + 1)
    if text.startswith("}", pos):
        return out, pos + 1
    while True:
        if not text.startswith('"', pos):
            raise JsonSyntaxError("expecting a property name in double quotes", pos)
        key_start = pos
        key, pos = _string(text, pos)
        key_end = pos
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            raise JsonSyntaxError("expecting ':' delimiter", pos)
        pos = _skip(text, pos + 1)
        value_start = pos
        out[key], pos = _value(text, pos, keypath + (key,), spans, path, depth + 1)
        spans[keypath + (key,)] = (Span(path, key_start, key_end), Span(path, value_start, pos))
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if text.startswith("}", pos):
            return out, pos + 1
        raise JsonSyntaxError("expecting ',' delimiter or '}'", pos)


def _array(text, pos, keypath, spans, path, depth):
    out: list = []
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return out, pos + 1
    while True:
        item, pos = _value(text, pos, keypath + (len(out),), spans, path, depth + 1)
        out.append(item)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
            continue
        if text.startswith("]", pos):
            return out, pos + 1
        raise JsonSyntaxError("expecting ',' delimiter or ']'", pos)
