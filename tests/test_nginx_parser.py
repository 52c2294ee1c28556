"""nginx parser units: spans, crossplane agreement, unescaping, contexts, includes,
add_header inheritance, location selection, upstream blocks."""

from __future__ import annotations

import os
import random

import pytest

from conftest import ROOT, SHARED

from rtclint.engine import Loader
from rtclint.model.proxy import PathMatch, Route, Site
from rtclint.model.routing import select_route
from rtclint.document import Span
from rtclint.parsers import nginx as nginx_parser
from rtclint.parsers.base import Tree
from rtclint.parsers.nginx_config import HTTP, LOCATION, MAIN, SERVER, guess_context
from rtclint.parsers.nginx_lexer import parse_text, unescape
from rtclint.parsers.nginx_model import parse_time

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "nginx")
CORPUS = os.path.join(SHARED, "corpus", "upstream")


def all_nginx_texts() -> list[str]:
    paths = []
    for base in (FIXTURES, CORPUS):
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.endswith(".conf"):
                    paths.append(os.path.join(dirpath, name))
    return sorted(paths)


def read_tree(root: str, rel: str):
    loader = Loader()
    tree = Tree([root], loader.load)
    doc = loader.load(os.path.join(root, rel), "nginx")
    return nginx_parser.read(doc, tree)


def read_text(tmp_path, text: str, name: str = "site.conf"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return read_tree(str(tmp_path), name)


def walk(stmts):
    for st in stmts:
        yield st
        if st.block:
            yield from walk(st.block)


# -- the re-lexer ------------------------------------------------------------------------

@pytest.mark.parametrize("path", all_nginx_texts(), ids=lambda p: os.path.relpath(p, os.path.dirname(ROOT)))
def test_every_word_span_is_its_source_text(path):
    text = open(path, encoding="utf-8").read()
    parsed = parse_text(text)
    for st in walk(parsed.stmts):
        assert 0 <= st.start <= st.end <= len(text)
        for w in st.words:
            if not w.value and not w.quoted:
                continue  # the placeholder of an anonymous `{` block
            source = text[w.start:w.end]
            if w.quoted:
                assert source[0] == w.quoted and source[-1] == w.quoted
            assert unescape(text, w.raw_start, w.raw_end)[0] == w.value
            if not w.quoted and "\\" not in source:
                assert not any(c in " \t\r\n;" for c in source)
                assert source.replace("${", "").count("{") == 0
        if st.terminator:
            assert text[st.term_start] == st.terminator
        if st.block_end is not None:
            assert text[st.block_end] == "}"


def has_elision(path: str) -> bool:
    """A documentation `...` standing for elided lines: rtclint skips such a file on purpose
    (RTC001 tells why), so it has no statements to compare."""
    text = open(path, encoding="utf-8").read()
    return "\n...\n" in text or "    ...\n" in text


# filtered here, not skipped in the test: no test is generated only to be skipped
GOOD = [p for p in all_nginx_texts() if "/broken/" not in p and not has_elision(p)]


@pytest.mark.parametrize("path", GOOD, ids=lambda p: os.path.relpath(p, os.path.dirname(ROOT)))
def test_statements_agree_with_crossplane(path):
    """crossplane.parse (single file, no context checks) sees the same directives, on the
    same lines, with the same arguments (crossplane's own unescaping)."""
    import crossplane

    text = open(path, encoding="utf-8").read()
    payload = crossplane.parse(path, single=True, check_ctx=False, check_args=False, comments=False)
    theirs = payload["config"][0]["parsed"]

    def ours_of(stmts):
        out = []
        for st in stmts:
            args = [w.crossplane_value(text) for w in st.args]
            if st.name == "if":
                from rtclint.parsers.nginx_checks import _if_args

                args = _if_args(args)
            item = {"directive": st.name, "line": text.count("\n", 0, st.start) + 1, "args": args}
            if st.block is not None:
                item["block"] = ours_of(st.block)
            out.append(item)
        return out

    assert ours_of(parse_text(text).stmts) == theirs


def test_nginx_unescaping_and_body_map(tmp_path):
    conf = ('server {\n    location = /x {\n        return 200 "{\\"a\\": \\"b\\\\\\\\c\\", \\"t\\": \\"\\t\\q\\"}";\n'
            "    }\n}\n")
    facts = read_text(tmp_path, conf)
    resp = facts.sites[0].routes[0].respond
    assert resp.body == '{"a": "b\\\\c", "t": "\t\\q"}'
    text = conf
    assert resp.body_map is not None and len(resp.body_map) == len(resp.body)
    for i, ch in enumerate(resp.body):
        src = text[resp.body_map[i]]
        assert src == ch or src == "\\"
    # position of the 'c' in the body maps to the 'c' in the source
    assert text[resp.source_offset(resp.body.index("c"))] == "c"


def test_single_quoted_body_has_no_map_when_unchanged(tmp_path):
    facts = read_text(tmp_path, "server {\n    location = /x {\n        return 200 '{\"a\": 1}';\n    }\n}\n")
    resp = facts.sites[0].routes[0].respond
    assert resp.body == '{"a": 1}' and resp.body_map is None
    text = (tmp_path / "site.conf").read_text()
    assert text[resp.body_span.start:resp.body_span.end] == resp.body


def test_nginx_token_rules_where_crossplane_differs():
    text = "a b}c;\nd '${x}';\ne \"q\"x;\n"
    parsed = parse_text(text)
    assert [w.value for w in parsed.stmts[0].words] == ["a", "b}c"]  # '}' inside a word is a character
    assert parsed.stmts[1].args[0].value == "${x}"
    assert parsed.problems and parsed.problems[0].message == 'unexpected "x"'
    assert text[parsed.problems[0].start] == "x"


def test_comments_and_escaped_separators():
    text = "set $a foo\\ bar#baz; # comment ; {\nx \\;y;\n"
    parsed = parse_text(text)
    assert [w.value for w in parsed.stmts[0].words] == ["set", "$a", "foo\\ bar#baz"]
    # the escaped ';' does not end the word; nginx keeps the backslash (only \" \' \\ \t \r \n unescape)
    assert [w.value for w in parsed.stmts[1].words] == ["x", "\\;y"]
    assert len(parsed.comments) == 1 and text[parsed.comments[0].start] == "#"


def test_never_raises_and_spans_stay_inside(tmp_path):
    rng = random.Random(7)
    alphabet = "server location { } ; ' \" \\ # $ \n\t abc/:=~^*."
    for k in range(150):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        facts = read_text(tmp_path / str(k), text)
        for d in facts.diagnostics:
            assert 0 <= d.span.start <= d.span.end <= len(text)
        for site in facts.sites:
            for route in site.routes:
                assert route.span.end <= len(text)


# -- contexts, snippets, includes ---------------------------------------------------------

@pytest.mark.parametrize("text,ctx", [
    ("events {}\nhttp { server {} }\n", MAIN),
    ("server { listen 80; }\nupstream u { server a:1; }\n", HTTP),
    ("location / { return 204; }\n", SERVER),
    ("proxy_pass http://a;\nproxy_http_version 1.1;\n", LOCATION),
    ("add_header X y;\n", HTTP),
])
def test_context_of_a_standalone_file(text, ctx):
    assert guess_context(parse_text(text).stmts) == ctx


def test_location_snippet_is_a_fragment_site():
    facts = read_tree(os.path.join(FIXTURES, "good"), "location-snippet.conf")
    assert not facts.diagnostics
    (site,) = facts.sites
    assert site.fragment and [r.name for r in site.routes] == ["location = /.well-known/matrix/client",
                                                               "location /_matrix"]


def test_included_files_are_modelled_once_by_the_including_file():
    root = os.path.join(FIXTURES, "good", "main-tree")
    main = read_tree(root, "nginx.conf")
    included = read_tree(root, "conf.d/matrix.conf")
    snippet = read_tree(root, "snippets/well-known.conf")
    assert included.sites == [] and snippet.sites == []
    assert included.subkind == "include"
    (site,) = main.sites
    assert site.hosts == ["matrix.example.com"]
    wk = site.route_for("/.well-known/matrix/client")
    assert wk.respond.status == 200 and wk.span.path.endswith("snippets/well-known.conf")
    # http-level add_header is dropped in the location that has its own
    assert [h.name for h in wk.headers] == ["Access-Control-Allow-Origin"]
    assert [h.name for h in site.route_for("/_matrix/client").headers] == ["X-Content-Type-Options"]
    # default_type from http {} is in effect for the snippet's return
    assert wk.respond.content_type == "application/octet-stream"
    assert sorted(main.includes) == sorted([
        os.path.relpath(os.path.join(root, "conf.d/matrix.conf")).replace(os.sep, "/"),
        os.path.relpath(os.path.join(root, "snippets/well-known.conf")).replace(os.sep, "/")])


def test_include_policy(tmp_path):
    (tmp_path / "snippets").mkdir()
    conf = ("server {\n"
            "    include snippets/missing.conf;\n"
            "    include /etc/letsencrypt/options-ssl-nginx.conf;\n"
            "    include /etc/nginx/snippets/absent.conf;\n"
            "    include /etc/nginx/proxy_params;\n"
            "    include conf.d/*.conf;\n"
            "}\n")
    facts = read_text(tmp_path, conf)
    missing = sorted((d.message for d in facts.diagnostics if d.code == "RTC003"))
    assert missing == ["include '/etc/nginx/snippets/absent.conf' matches no file in the tree",
                       "include 'conf.d/*.conf' matches no file in the tree",
                       "include 'snippets/missing.conf' matches no file in the tree"]


def test_elision_is_reported_but_the_rest_is_modelled():
    case = os.path.join(CORPUS, "element-hq-element-call", "docs-self_hosting-nginx")
    facts = read_tree(case, "nginx.conf")
    (err,) = [d for d in facts.diagnostics if d.code == "RTC001"]
    assert err.span.start == open(os.path.join(case, "nginx.conf")).read().index("...")
    names = [r.name for r in facts.sites[0].routes]
    assert names == ["location ^~ /livekit/jwt/", "location ^~ /livekit/sfu/"]


# -- the model ---------------------------------------------------------------------------

def test_server_and_listen_facts():
    facts = read_tree(os.path.join(FIXTURES, "good"), "rtc-backend.conf")
    (site,) = facts.sites
    assert site.hosts == ["rtc.example.com", "*"]
    assert sorted((l.port, l.tls) for l in site.listens) == [(80, False), (443, True)]
    text = open(os.path.join(FIXTURES, "good", "rtc-backend.conf")).read()
    assert text[site.insert_at:].startswith("}") and site.indent == "\t"


def test_upstream_block_and_prefix_strip():
    facts = read_tree(os.path.join(FIXTURES, "good"), "rtc-backend.conf")
    site = facts.sites[0]
    jwt = site.route_for("/livekit/jwt/sfu/get")
    assert jwt.name == "location ^~ /livekit/jwt/"
    assert (jwt.proxy.upstream.host, jwt.proxy.upstream.port) == ("127.0.0.1", 8080)
    assert jwt.proxy.backend_name == "lk_jwt" and jwt.proxy.strip_prefix == "/livekit/jwt/"
    assert jwt.proxy.http_version == "1.1"  # inherited from the server level
    assert jwt.proxy.websocket is False
    sfu = site.route_for("/livekit/sfu/rtc")
    assert sfu.proxy.websocket is True and sfu.proxy.read_timeout == 120
    assert [h.name for h in sfu.proxy.request_headers] == ["Upgrade", "Connection"]
    text = open(os.path.join(FIXTURES, "good", "rtc-backend.conf")).read()
    assert text[jwt.insert_at:].lstrip("\t").startswith("}")
    assert jwt.indent == "\t\t"


def test_add_header_inheritance_and_always(tmp_path):
    conf = ("server {\n    add_header A 1;\n    add_header B 2 always;\n"
            "    location /own/ { add_header C 3; return 204; }\n"
            "    location /inherit/ { return 204; }\n}\n")
    site = read_text(tmp_path, conf).sites[0]
    assert [(h.name, h.always) for h in site.route_for("/inherit/x").headers] == [("A", False), ("B", True)]
    assert [h.name for h in site.route_for("/own/x").headers] == ["C"]
    assert [h.name for h in site.headers] == ["A", "B"]


def test_content_type_sources(tmp_path):
    conf = ("server {\n    default_type text/html;\n"
            "    location = /a { return 200 'x'; }\n"
            "    location = /b { default_type application/json; return 200 '{}'; }\n}\n")
    site = read_text(tmp_path, conf).sites[0]
    assert site.route_for("/a").respond.content_type == "text/html"
    assert site.route_for("/b").respond.content_type == "application/json"
    conf2 = "server {\n    location = /c { add_header Content-Type application/json; return 200 '{}'; }\n}\n"
    assert read_text(tmp_path / "2", conf2).sites[0].route_for("/c").respond.content_type == "application/json"


def test_server_level_return_and_redirects(tmp_path):
    conf = ("server {\n    listen 80;\n    if ($host = a.example) { return 301 https://$host$request_uri; }\n"
            "    return 404;\n    location / { return 200 'never'; }\n}\n"
            "server {\n    return https://example.com$request_uri;\n}\n")
    sites = read_text(tmp_path, conf).sites
    first = sites[0].route_for("/anything")
    assert first.name == "server" and first.respond.status == 404
    assert sites[0].facts["ifs"][0]["return"] == ["301", "https://$host$request_uri"]
    assert sites[1].route_for("/").redirect.status == 302


@pytest.mark.parametrize("path,expected", [
    ("/", "location /"),
    ("/exact", "location = /exact"),
    ("/exact/more", "location /exact"),
    ("/static/a.png", "location ^~ /static/"),  # ^~ stops the regex search
    ("/img/a.png", "location ~* \\.(png|jpg)$"),  # a regex beats a shorter prefix
    ("/img/a.PNG", "location ~* \\.(png|jpg)$"),
    ("/api/v1/x", "location ~ ^/api/v1/"),  # nested regex inside the longest prefix wins
    ("/api/other", "location /api/"),
    ("/api/inner/deeper", "location /api/inner/"),  # nested prefix
])
def test_location_selection(tmp_path, path, expected):
    conf = ("server {\n"
            "    location / { return 200 'root'; }\n"
            "    location = /exact { return 200 'e'; }\n"
            "    location /exact { return 200 'p'; }\n"
            "    location ^~ /static/ { return 200 's'; }\n"
            "    location ~* \\.(png|jpg)$ { return 200 'img'; }\n"
            "    location /api/ {\n"
            "        location ~ ^/api/v1/ { return 200 'v1'; }\n"
            "        location /api/inner/ { return 200 'inner'; }\n"
            "        return 200 'api';\n"
            "    }\n"
            "}\n")
    site = read_text(tmp_path, conf).sites[0]
    assert site.route_for(path).name == expected


def test_routing_without_parser():
    """routing.select_route on hand-made routes: longest prefix, then regex."""
    def route(kind, path, name):
        return Route(PathMatch(kind, (path,)), Span("x", 0, 0), name=name)

    routes = [route("prefix", "/", "root"), route("prefix", "/livekit/", "lk"), route("regex", "^/livekit/sfu", "re")]
    site = Site("nginx", ["*"], [], routes, Span("x", 0, 0))
    assert select_route(site, "/livekit/jwt").name == "lk"
    assert select_route(site, "/livekit/sfu/x").name == "re"
    routes[1].matcher = PathMatch("prefix_noregex", ("/livekit/",))
    assert select_route(site, "/livekit/sfu/x").name == "lk"


@pytest.mark.parametrize("value,seconds", [("120", 120), ("120s", 120), ("2m", 120), ("1m30s", 90),
                                           ("500ms", 0.5), ("1h", 3600), ("abc", None)])
def test_parse_time(value, seconds):
    assert parse_time(value) == seconds


def test_proxy_pass_without_uri_keeps_the_prefix(tmp_path):
    conf = "server {\n    location /livekit/jwt/ { proxy_pass http://127.0.0.1:8080; }\n}\n"
    proxy = read_text(tmp_path, conf).sites[0].routes[0].proxy
    assert proxy.strip_prefix == "" and proxy.upstream.path is None and proxy.upstream.port == 8080
    text = (tmp_path / "site.conf").read_text()
    assert text[proxy.upstream.port_span.start:proxy.upstream.port_span.end] == "8080"


def test_all_upstream_servers_are_listed(tmp_path):
    conf = ("upstream pool { server 127.0.0.1:8080; server 10.0.0.2:8081 backup; }\n"
            "server {\n    location / { proxy_pass http://pool; }\n"
            "    location /v/ { proxy_pass http://$backend; }\n}\n")
    site = read_text(tmp_path, conf).sites[0]
    pool = site.route_for("/")
    assert [(u.host, u.port) for u in pool.facts["servers"]] == [("127.0.0.1", 8080), ("10.0.0.2", 8081)]
    assert pool.facts["proxy_templated"] is False and site.route_for("/v/x").facts["proxy_templated"]


def test_include_loop_and_context_from_the_real_root(tmp_path):
    """c.conf includes b.conf back: b.conf still gets the http context of nginx.conf's
    include (no false 'server is not allowed here'), and the loop ends."""
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n    include b.conf;\n}\n")
    (tmp_path / "b.conf").write_text("server {\n    include c.conf;\n    location / { return 204; }\n}\n")
    (tmp_path / "c.conf").write_text("include b.conf;\nlocation /c { return 200 'c'; }\n")
    main = read_tree(str(tmp_path), "nginx.conf")
    for name in ("b.conf", "c.conf"):
        assert read_tree(str(tmp_path), name).diagnostics == []
    (site,) = main.sites
    assert [r.name for r in site.routes] == ["location /c", "location /"]


def test_dependencies_for_the_parse_cache(tmp_path):
    """An included file depends on its includers; a file using another file's
    `upstream {}` depends on that file (FileFacts.includes drives cache invalidation)."""
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "nginx.conf").write_text("events {}\nhttp {\n    include conf.d/*.conf;\n}\n")
    (tmp_path / "conf.d" / "site.conf").write_text("server { location / { proxy_pass http://pool; } }\n")
    (tmp_path / "upstreams.nginx").write_text("upstream pool { server 127.0.0.1:9000; }\n")
    site_facts = read_tree(str(tmp_path), "conf.d/site.conf")
    assert [os.path.basename(p) for p in site_facts.includes] == ["nginx.conf"]
    main = read_tree(str(tmp_path), "nginx.conf")
    assert [os.path.basename(p) for p in main.includes] == ["site.conf", "upstreams.nginx"]
    assert main.sites[0].routes[0].proxy.upstream.port == 9000


# -- scaling -------------------------------------------------------------------------------

def test_a_file_of_one_line_server_blocks_is_read_in_linear_text_scans(tmp_path):
    """Per-file facts (line starts, the indentation step) are computed once per file:
    looking them up again for every block made a file of 8,000 one-line `server` blocks
    take minutes. Counted in characters the reader's text searches look at, not timed."""
    from rtclint.document import Document
    from text_scans import ScanCountingText

    scanned = {}
    for blocks in (200, 800):
        body = "".join(f"server {{ listen 80; server_name h{i}.example.com; location / {{ proxy_pass "
                       f"http://127.0.0.1:{8000 + i % 1000}; }} }}\n" for i in range(blocks))
        text = ScanCountingText(f"events {{}}\nhttp {{\n{body}}}\n")
        path = tmp_path / f"n{blocks}" / "nginx.conf"
        path.parent.mkdir()
        path.write_text(text)
        doc = Document(path=str(path), abspath=str(path), kind="nginx", text=text)
        ScanCountingText.scanned = 0
        facts = nginx_parser.read(doc, Tree([str(path.parent)], lambda p: doc if p == str(path) else None))
        assert len(facts.sites) == blocks and facts.sites[-1].routes[0].indent == "    "
        scanned[blocks] = ScanCountingText.scanned / len(text)
    # a few passes over the text, whatever its length
    assert scanned[800] < 10 and scanned[800] < 1.5 * scanned[200], scanned


def test_a_long_run_of_words_without_terminator_is_lexed_in_one_pass():
    """The lexer reads most directives in one match; where a run of single-spaced words
    has no `;` or `{` after it, every word starts a new try, and a try that read to the
    end of the run made a line of 20,000 words take seconds (200,000: hours). Not timed:
    a subprocess with a generous timeout is the guard, as in tests/test_hostile.py; the
    statements must equal the general reader's."""
    import subprocess
    import sys

    probe = ("from rtclint.parsers import nginx_lexer as L\n"
             "for text in ('a ' * 200000, 'a ' * 200000 + '{', 'ab ' * 200000 + ' ;'):\n"
             "    fast = L.parse_text(text)\n"
             "    L._TOKEN = L._token_pattern(plain=False)\n"
             "    assert fast == L.parse_text(text)\n"
             "    L._TOKEN = L._token_pattern()\n"
             "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "ok", proc.stderr
