"""HAProxy parser units: parse_line tokenizing with exact spans, sections, fragments,
and the model (routes in rule order, ACL conditions, return bodies, strip, timeouts)."""

from __future__ import annotations

import os
import random

import pytest

from conftest import ROOT, SHARED

from rtclint.document import Document
from rtclint.parsers import haproxy as hp

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "haproxy")
CORPUS = os.path.join(SHARED, "corpus", "upstream")


def doc_of(text: str, path: str = "haproxy.cfg") -> Document:
    return Document(path=path, abspath="/x/" + path, kind="haproxy", text=text)


def words(line: str) -> list[str]:
    found, err = hp.tokenize_line(line, 0, len(line))
    assert err is None
    return [w.value for w in found]


@pytest.mark.parametrize("line,expected", [
    ("  bind :443 ssl crt /a.pem", ["bind", ":443", "ssl", "crt", "/a.pem"]),
    ("acl wk path \"/.well-known/\"'matrix/client'", ["acl", "wk", "path", "/.well-known/matrix/client"]),
    ("x 'a\\b $HOME \"q\"'", ["x", "a\\b $HOME \"q\""]),  # strong quotes keep everything
    ('x "a\\"b" \\"c', ["x", 'a"b', '"c']),
    ("x foo\\#bar # comment", ["x", "foo#bar"]),
    ("x foo#bar", ["x", "foo"]),  # '#' outside quotes starts a comment even inside a word
    ("x a\\ b \\x41\\t", ["x", "a b", "A\t"]),
    ("x \\1 \\d", ["x", "\\1", "\\d"]),  # other escapes stay as written
    ('x "${HOME}-y" "$HOME" \'${HOME}\'', ["x", "${HOME}-y", "$HOME", "${HOME}"]),
    ("x a\rb c", ["x", "a"]),  # CR ends the line
])
def test_parse_line_rules(line, expected):
    assert words(line) == expected


def test_word_spans_and_value_map():
    line = 'http-request return status 200 content-type "application/json" string "{\\"a\\": \\"${X}\\"}"  # c'
    found, err = hp.tokenize_line(line, 0, len(line))
    assert err is None
    for w in found:
        assert 0 <= w.start < w.end <= len(line)
        assert len(w.where) == len(w.value)
        for i, ch in enumerate(w.value):
            assert line[w.where[i]] in (ch, "\\")
    body = found[-1]
    assert body.value == '{"a": "${X}"}' and body.templated
    assert line[body.start] == '"' and line[body.end - 1] == '"'


@pytest.mark.parametrize("line,message,column", [
    ('x "abc', "unmatched quote", 3),
    ("x 'abc", "unmatched quote", 3),
    ('x "${ABC"', "unmatched brace in environment variable name", 5),
    ('x "$1"', "forbidden first char in environment variable name", 5),
    ("x \\xZ1", "truncated or invalid hexadecimal sequence", 3),
])
def test_tokenizer_errors_at_haproxys_position(line, message, column):
    _words, err = hp.tokenize_line(line, 0, len(line))
    assert err is not None and err.message == message and err.offset + 1 == column


def test_never_raises_and_spans_stay_inside():
    rng = random.Random(11)
    alphabet = "frontend backend acl use_backend if path_beg hdr(host) ' \" \\ # $ { } \n\t x/:=."
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160)))
        facts = hp.read(doc_of(text), None)
        for d in facts.diagnostics:
            assert 0 <= d.span.start <= d.span.end <= len(text)
        for site in facts.sites:
            for route in site.routes:
                assert 0 <= route.span.start <= route.span.end <= len(text)


def good(name: str):
    path = os.path.join(FIXTURES, "good", name)
    with open(path, encoding="utf-8") as fh:
        doc = doc_of(fh.read(), name)
    return hp.read(doc, None), doc


def test_routes_in_haproxy_evaluation_order():
    facts, doc = good("rtc-frontend.cfg")
    assert not facts.diagnostics
    site = next(s for s in facts.sites if s.name == "frontend https")
    assert [r.name for r in site.routes] == ["http-request return", "http-request redirect", "use_backend jwt",
                                             "use_backend sfu", "default_backend synapse"]
    assert sorted((l.port, l.tls) for l in site.listens) == [(80, False), (443, True)]
    assert set(site.hosts) == {"example.com", "rtc.example.com", "*"}


def test_return_body_content_type_and_hdr():
    facts, doc = good("rtc-frontend.cfg")
    site = next(s for s in facts.sites if s.name == "frontend https")
    wk = site.routes[0]
    assert wk.matcher.kind == "exact" and wk.matcher.paths == ("/.well-known/matrix/client",)
    assert wk.facts["hosts"] == ["example.com"]
    assert wk.respond.status == 200 and wk.respond.content_type == "application/json"
    assert doc.text[wk.respond.body_span.start:wk.respond.body_span.end] == wk.respond.body
    assert wk.respond.body.startswith('{"m.homeserver"')
    assert [(h.name, h.value) for h in wk.headers] == [("Access-Control-Allow-Origin", "*")]
    # the redirect applies only `unless { ssl_fc }`: no path reliably takes it
    assert site.routes[1].matcher.kind == "none" and site.routes[1].facts["unmodelled"] == ["ssl_fc"]
    assert site.route_for("/livekit/jwt/get_token").name == "use_backend jwt"


def test_backend_strip_and_timeouts():
    facts, _doc = good("rtc-frontend.cfg")
    site = next(s for s in facts.sites if s.name == "frontend https")
    jwt, sfu, synapse = site.routes[2].proxy, site.routes[3].proxy, site.routes[4].proxy
    assert (jwt.upstream.host, jwt.upstream.port, jwt.strip_prefix) == ("127.0.0.1", 8080, "/livekit/jwt")
    assert (sfu.strip_prefix, sfu.upstream.path, sfu.tunnel_timeout) == ("/livekit/sfu/", "/", 3600)
    assert synapse.strip_prefix == "" and synapse.tunnel_timeout is None
    assert jwt.read_timeout == 30  # `timeout server` from defaults
    assert site.routes[3].facts["hosts"] == ["rtc.example.com"]


def test_frontend_tunnel_timeout_is_ignored_and_response_headers():
    facts, doc = good("quoting.cfg")
    (site,) = facts.sites
    assert "ignored_tunnel_timeout" in site.facts
    ret, backend = site.routes
    # http-response rules do not apply to responses HAProxy generates itself
    assert ret.headers == [] and ret.respond.body == '{"m.homeserver": {"base_url": "https://m.example.com"}}'
    assert ret.respond.body_map is not None
    assert doc.text[ret.respond.source_offset(ret.respond.body.index("https"))] == "h"
    assert [h.name for h in backend.headers] == ["Access-Control-Allow-Origin"]
    assert backend.proxy.tunnel_timeout is None


def test_body_only_snippet_is_a_fragment():
    path = os.path.join(CORPUS, "element-hq-element-call", "docs-self_hosting-haproxy", "haproxy.cfg")
    with open(path, encoding="utf-8") as fh:
        facts = hp.read(doc_of(fh.read()), None)
    assert not [d for d in facts.diagnostics if d.code == "RTC001"]
    (site,) = facts.sites
    assert site.fragment
    sfu = site.route_for("/livekit/sfu/rtc")
    assert sfu.proxy.backend_name == "sfu_backend" and sfu.proxy.strip_prefix == "/livekit/sfu/"
    assert sfu.proxy.tunnel_timeout is None and sfu.proxy.read_timeout == 120
    assert sfu.matcher.case_insensitive and sfu.facts["unknown_acls"] == ["matrixrtc_domain"]


def test_listen_section_and_repeated_acl_names():
    text = ("listen web\n    bind :8443 ssl crt /x.pem\n    acl h hdr(host) -i a.example\n"
            "    acl h hdr(host) -i b.example\n    acl api path_beg /_matrix /_synapse\n"
            "    use_backend hs if h api\n    server local 127.0.0.1:8008\n\n"
            "backend hs\n    server s [::1]:8008 ssl\n")
    facts = hp.read(doc_of(text), None)
    (site,) = facts.sites
    assert [(l.port, l.tls) for l in site.listens] == [(8443, True)]
    use, own = site.routes
    assert use.facts["hosts"] == ["a.example", "b.example"]
    assert use.matcher.paths == ("/_matrix", "/_synapse")
    assert (use.proxy.upstream.host, use.proxy.upstream.scheme) == ("::1", "https")
    assert own.proxy.backend_name == "web" and own.proxy.upstream.port == 8008


def test_removed_keywords_and_out_of_section():
    facts = hp.read(doc_of("garbage here\nfrontend fe\n    bind :80\n    reqadd X:\\ y\n"), None)
    messages = [(d.code, d.message) for d in facts.diagnostics]
    assert messages[0] == ("RTC001", "unknown keyword 'garbage' out of section")
    assert "reqadd" in messages[1][1] and "2.1" in messages[1][1]


def test_backend_that_answers_and_named_defaults():
    text = ("defaults base\n    mode http\n    timeout tunnel 2h\n\ndefaults\n    mode tcp\n\n"
            "frontend fe from base\n    bind :443 ssl crt /x.pem\n    acl wk path /.well-known/matrix/client\n"
            "    use_backend wellknown if wk\n    default_backend lk\n\n"
            "backend wellknown\n    http-after-response set-header Access-Control-Allow-Origin *\n"
            "    http-request return status 200 content-type application/json string '{}'\n\n"
            "backend lk from base\n    server lk 127.0.0.1:7880\n")
    facts = hp.read(doc_of(text), None)
    (site,) = facts.sites
    assert site.facts["mode"] == "http"
    wk = site.route_for("/.well-known/matrix/client")
    assert wk.action == "respond" and wk.respond.body == "{}" and wk.respond.content_type == "application/json"
    assert [h.name for h in wk.headers] == ["Access-Control-Allow-Origin"]
    assert site.route_for("/rtc").proxy.tunnel_timeout == 7200


def test_all_backend_servers_are_listed():
    text = ("frontend fe\n    bind :80\n    default_backend be\n"
            "backend be\n    server a 127.0.0.1:8080 check\n    server b 127.0.0.2:8081\n")
    (site,) = hp.read(doc_of(text), None).sites
    assert [(u.host, u.port) for u in site.routes[0].facts["servers"]] == [("127.0.0.1", 8080), ("127.0.0.2", 8081)]


def test_lone_cr_does_not_end_a_line_and_hides_the_rest_of_it():
    # HAProxy's fgets splits at LF only; parse_line stops at a CR: `default_backend` after a
    # lone CR is never read (the real haproxy answers 503, tests/test_replay_sample.py)
    text = "frontend fe\r\n    bind :443\n    mode http\r    default_backend be\nbackend be\n    server s 127.0.0.1:8008\r\n"
    facts = hp.read(doc_of(text), None)
    site = next(s for s in facts.sites if s.name == "frontend fe")
    assert [r.name for r in site.routes] == []
    assert site.facts.get("mode") == "http"
    crlf = text.replace("\r    default_backend", "\r\n    default_backend")
    site = next(s for s in hp.read(doc_of(crlf), None).sites if s.name == "frontend fe")
    assert [r.name for r in site.routes] == ["default_backend be"]
