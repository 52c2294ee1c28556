"""What the Caddyfile reader puts into the model: hosts, ports, routes in Caddy's order,
bodies exactly as served (with spans on the right characters), headers, proxies."""

from __future__ import annotations

import os

import pytest

from rtclint.document import Document
from rtclint.parsers import caddy
from rtclint.parsers.base import Tree

WELL_KNOWN = "/.well-known/matrix/client"


def read(tmp_path, text: str, files: dict[str, str] | None = None, name: str = "Caddyfile"):
    for rel, content in (files or {}).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    path = tmp_path / name
    path.write_bytes(text.encode())

    def load(p):
        if not os.path.isfile(p):
            return None
        with open(p, "rb") as fh:
            return Document.from_bytes(os.path.relpath(p, tmp_path), p, "caddy", fh.read())

    doc = load(str(path))
    return doc, caddy.read(doc, Tree([str(tmp_path)], load))


def src(doc, span) -> str:
    return doc.text[span.start : span.end]


# -- sites: hosts and listens ----------------------------------------------------------


@pytest.mark.parametrize(
    "address, hosts, listens",
    [
        ("Matrix.Example.com", ["matrix.example.com"], [(443, True)]),
        (":8448", ["*"], [(8448, False)]),
        (":443", ["*"], [(443, True)]),
        ("http://example.com", ["example.com"], [(80, False)]),
        ("https://example.com:8443", ["example.com"], [(8443, True)]),
        ("matrix.example.com:8448", ["matrix.example.com"], [(8448, True)]),
        ("example.com:80", ["example.com"], [(80, False)]),
        ("*.example.org", ["*.example.org"], [(443, True)]),
        ("[::1]:8443", ["::1"], [(8443, True)]),
        ("{$DOMAIN:chat.example.com}", ["chat.example.com"], [(443, True)]),
    ],
)
def test_site_address(tmp_path, address, hosts, listens):
    doc, facts = read(tmp_path, f"{address} {{\n\trespond 200\n}}\n")
    assert not facts.diagnostics
    (site,) = facts.sites
    assert site.hosts == hosts
    assert [(listen.port, listen.tls) for listen in site.listens] == listens
    assert src(doc, site.listens[0].span) == address


def test_address_list_over_lines_and_global_ports(tmp_path):
    text = "{\n\thttps_port 8443\n}\na.example.com,\n\tb.example.com, http://c.example.com {\n\trespond 200\n}\n"
    _, facts = read(tmp_path, text)
    (site,) = facts.sites
    assert site.hosts == ["a.example.com", "b.example.com", "c.example.com"]
    assert sorted((listen.port, listen.tls) for listen in site.listens) == [(80, False), (8443, True)]


def test_tls_directive_makes_a_hostless_site_tls(tmp_path):
    _, facts = read(tmp_path, ":8448 {\n\ttls internal\n\trespond 200\n}\n")
    assert [(listen.port, listen.tls) for listen in facts.sites[0].listens] == [(8448, True)]


# -- respond: body, status, spans, content type -------------------------------------------


def test_backtick_body_span_and_json_content_type(tmp_path):
    body = '{"m.homeserver":{"base_url":"https://m.example.com"}}'
    doc, facts = read(tmp_path, f"example.com {{\n\trespond {WELL_KNOWN} `{body}` 200\n}}\n")
    route = facts.sites[0].route_for(WELL_KNOWN)
    assert route.respond.body == body
    assert route.respond.status == 200
    assert src(doc, route.respond.body_span) == body
    assert route.respond.content_type == "application/json"
    assert route.matcher.kind == "exact" and route.matcher.paths == (WELL_KNOWN,)


def test_seed_body_missing_brace_is_text_plain(tmp_path):
    """The seed guide's Caddy well-known: one `}` short. Caddy then serves text/plain."""
    body = ('{"m.homeserver":{"base_url":"https://matrix.fariszr.com"},"org.matrix.msc4143.rtc_foci":'
            '[{"type":"livekit","livekit_service_url":"https://jwt.matrixrtc.fariszr.com"}]')
    text = ("matrix.fariszr.com {\n\treverse_proxy synapse:8008\n\tencode zstd gzip\n"
            f"\t# Serves the Matrix client .well-known JSON configuration file\n\trespond {WELL_KNOWN} `{body}`\n}}\n")
    doc, facts = read(tmp_path, text)
    assert not facts.diagnostics
    site = facts.sites[0]
    route = site.route_for(WELL_KNOWN)
    assert route.action == "respond", "respond sorts before reverse_proxy"
    assert route.respond.body == body and route.respond.content_type is None
    assert doc.line_col(route.respond.body_span.start) == (5, 38)
    assert site.route_for("/_matrix/client/versions").proxy.upstream.host == "synapse"


def test_double_quoted_body_keeps_backslashes_except_before_quote(tmp_path):
    doc, facts = read(tmp_path, 'example.com {\n\trespond "{\\"a\\": \\"b\\\\n\\"}" 200\n}\n')
    respond = facts.sites[0].routes[0].respond
    assert respond.body == '{"a": "b\\\\n"}'
    # every body character maps back to the source character it came from
    for i, ch in enumerate(respond.body):
        assert doc.text[respond.source_offset(i)] == ch
    assert respond.content_type == "application/json"


def test_heredoc_body_strips_the_closing_indentation(tmp_path):
    text = 'example.com {\n\trespond <<JSON\n\t\t{"a": 1,\n\t\t "b": 2}\n\t\tJSON 200\n}\n'
    doc, facts = read(tmp_path, text)
    respond = facts.sites[0].routes[0].respond
    assert respond.body == '{"a": 1,\n "b": 2}'
    assert respond.status == 200
    for i, ch in enumerate(respond.body):
        assert doc.text[respond.source_offset(i)] == ch


def test_heredoc_marker_ends_inside_a_word_like_caddy(tmp_path):
    """lexer.go ends a heredoc at the first MARKER, even mid-word: `\tFRI` + `END`; with no
    newline before the marker the value is empty, and `S` becomes the next argument."""
    _, facts = read(tmp_path, "example.com {\n\trespond /x <<END\n\tFRIENDS 404\n}\n")
    respond = facts.sites[0].routes[0].respond
    assert (respond.body, respond.status) == ("", 200)


def test_status_only_and_block_body(tmp_path):
    text = "example.com {\n\trespond /a 404\n\trespond /b {\n\t\tbody \"from block\"\n\t\tclose\n\t}\n}\n"
    _, facts = read(tmp_path, text)
    site = facts.sites[0]
    assert (site.route_for("/a").respond.status, site.route_for("/a").respond.body) == (404, None)
    assert site.route_for("/b").respond.body == "from block"


def test_explicit_content_type_header_wins(tmp_path):
    text = f"example.com {{\n\theader Content-Type application/json\n\trespond {WELL_KNOWN} `{{oops`\n}}\n"
    doc, facts = read(tmp_path, text)
    respond = facts.sites[0].route_for(WELL_KNOWN).respond
    assert respond.content_type == "application/json"
    assert src(doc, respond.content_type_span) == "Content-Type application/json"


def test_placeholders_mark_a_body_templated(tmp_path):
    _, facts = read(tmp_path, 'example.com {\n\trespond /a "host is {host}"\n\trespond /b `{"a": {}}`\n}\n')
    site = facts.sites[0]
    assert site.route_for("/a").respond.templated
    assert not site.route_for("/b").respond.templated


# -- headers -----------------------------------------------------------------------------


def test_site_headers_apply_to_routes_and_scoped_headers_keep_their_matcher(tmp_path):
    text = (
        "example.com {\n"
        "\theader /.well-known/matrix/* Access-Control-Allow-Origin *\n"
        "\theader X-Frame-Options DENY\n"
        f"\trespond {WELL_KNOWN} `{{}}`\n"
        "\trespond /other 204\n"
        "}\n"
    )
    doc, facts = read(tmp_path, text)
    site = facts.sites[0]
    wk = site.route_for(WELL_KNOWN)
    names = {h.name: h for h in wk.headers}
    assert set(names) == {"Access-Control-Allow-Origin", "X-Frame-Options"}
    assert names["Access-Control-Allow-Origin"].value == "*"
    assert names["Access-Control-Allow-Origin"].matcher.matches(WELL_KNOWN)
    assert src(doc, names["Access-Control-Allow-Origin"].span) == "Access-Control-Allow-Origin *"
    assert [h.name for h in site.route_for("/other").headers] == ["X-Frame-Options"]


def test_header_block_form_and_deletion(tmp_path):
    text = ("example.com {\n\theader {\n\t\tAccess-Control-Allow-Origin *\n\t\tX-Gone 1\n\t}\n"
            "\thandle {\n\t\theader -X-Gone\n\t\trespond 200\n\t}\n}\n")
    _, facts = read(tmp_path, text)
    assert [h.name for h in facts.sites[0].routes[0].headers] == ["Access-Control-Allow-Origin"]


def test_snippet_import_substitutes_arguments(tmp_path):
    text = ("(cors) {\n\theader Access-Control-Allow-Origin {args[0]}\n}\n"
            f"example.com {{\n\timport cors *\n\trespond {WELL_KNOWN} `{{}}`\n}}\n")
    _, facts = read(tmp_path, text)
    assert [(h.name, h.value) for h in facts.sites[0].routes[0].headers] == [("Access-Control-Allow-Origin", "*")]


# -- routing order --------------------------------------------------------------------------


def test_redir_sorts_before_respond(tmp_path):
    text = f"example.com {{\n\trespond {WELL_KNOWN} `{{}}`\n\tredir https://www.example.com{{uri}}\n}}\n"
    _, facts = read(tmp_path, text)
    route = facts.sites[0].route_for(WELL_KNOWN)
    assert route.action == "redirect"
    assert route.redirect.target == "https://www.example.com{uri}" and route.redirect.status == 302


def test_handle_blocks_are_sorted_by_path_specificity(tmp_path):
    text = ("example.com {\n\thandle {\n\t\trespond \"catch-all\"\n\t}\n"
            "\thandle /livekit/* {\n\t\trespond \"short\"\n\t}\n"
            "\thandle /livekit/jwt/* {\n\t\trespond \"long\"\n\t}\n}\n")
    _, facts = read(tmp_path, text)
    site = facts.sites[0]
    assert [r.name for r in site.routes] == ["handle /livekit/jwt/*", "handle /livekit/*", "handle"]
    assert site.route_for("/livekit/jwt/get_token").respond.body == "long"
    assert site.route_for("/livekit/sfu").respond.body == "short"
    assert site.route_for("/").respond.body == "catch-all"
    assert all(r.facts["wrapper"] == "handle" for r in site.routes)


def test_route_block_keeps_written_order(tmp_path):
    text = "example.com {\n\troute {\n\t\treverse_proxy app:80\n\t\trespond /x 200\n\t}\n}\n"
    _, facts = read(tmp_path, text)
    assert [r.action for r in facts.sites[0].routes] == ["proxy", "respond"]
    assert facts.sites[0].routes[0].facts["wrapper"] == "route"


def test_named_matchers_single_line_block_and_regex(tmp_path):
    text = ("example.com {\n\t@jwt path /livekit/jwt/sfu/get /livekit/jwt/healthz\n"
            "\t@wk {\n\t\tpath /.well-known/matrix/*\n\t}\n\t@api path_regexp ^/_matrix/\n"
            "\thandle @jwt {\n\t\treverse_proxy jwt:8080\n\t}\n\thandle @wk {\n\t\trespond 404\n\t}\n"
            "\treverse_proxy @api synapse:8008\n}\n")
    _, facts = read(tmp_path, text)
    site = facts.sites[0]
    assert site.route_for("/livekit/jwt/sfu/get").proxy.upstream.host == "jwt"
    assert site.route_for("/livekit/jwt/get_token") is None
    assert site.route_for("/.WELL-KNOWN/matrix/server").respond.status == 404, "Caddy paths are case-insensitive"
    assert site.route_for("/_matrix/client/versions").proxy.upstream.port == 8008


# -- reverse_proxy ----------------------------------------------------------------------------


def test_handle_path_strips_its_prefix(tmp_path):
    text = "rtc.example.com {\n\thandle_path /livekit/jwt/* {\n\t\treverse_proxy http://[::1]:8080\n\t}\n}\n"
    doc, facts = read(tmp_path, text)
    route = facts.sites[0].route_for("/livekit/jwt/get_token")
    assert route.name == "handle_path /livekit/jwt/*" and route.facts["wrapper"] == "handle_path"
    proxy = route.proxy
    assert proxy.strip_prefix == "/livekit/jwt" and src(doc, proxy.strip_span) == "/livekit/jwt/*"
    assert (proxy.upstream.scheme, proxy.upstream.host, proxy.upstream.port) == ("http", "::1", 8080)
    assert src(doc, proxy.upstream.port_span) == "8080"
    assert src(doc, proxy.upstream.span) == "http://[::1]:8080"
    assert proxy.websocket is True


def test_uri_strip_prefix_inside_handle_and_unstripped_handle(tmp_path):
    text = ("example.com {\n\thandle /a/* {\n\t\turi strip_prefix /a\n\t\treverse_proxy a:8080\n\t}\n"
            "\thandle /b* {\n\t\treverse_proxy b:8080\n\t}\n}\n")
    _, facts = read(tmp_path, text)
    site = facts.sites[0]
    assert site.route_for("/a/x").proxy.strip_prefix == "/a"
    assert site.route_for("/bee").proxy.strip_prefix == ""


def test_strips_run_one_after_another(tmp_path):
    """Caddy trims each `uri strip_prefix` from what the last one left: a duplicated line
    changes nothing more (`make fuzz` found --fix adding the line again and again), while
    a second, different prefix the paths still carry is stripped too."""
    text = ("example.com {\n\t@jwt path /livekit/jwt/sfu/get /livekit/jwt/healthz\n\thandle @jwt {\n"
            "\t\turi strip_prefix /livekit/jwt\n\t\turi strip_prefix /livekit/jwt\n\t\treverse_proxy jwt:8080\n"
            "\t}\n\thandle /a/b/* {\n\t\turi strip_prefix /a\n\t\turi strip_prefix /b\n\t\treverse_proxy b:80\n"
            "\t}\n}\n")
    doc, facts = read(tmp_path, text)
    site = facts.sites[0]
    jwt = site.route_for("/livekit/jwt/sfu/get").proxy
    assert jwt.strip_prefix == "/livekit/jwt"
    assert doc.line_col(jwt.strip_span.start)[0] == 4  # the first of the two lines did the work
    assert site.route_for("/a/b/x").proxy.strip_prefix == "/a/b"


def test_proxy_options_and_upstream_defaults(tmp_path):
    text = ("example.com {\n\treverse_proxy /sfu* https://livekit.example.com {\n\t\theader_up Host {host}\n"
            "\t\ttransport http {\n\t\t\tversions 1.1\n\t\t\tread_timeout 2m\n\t\t}\n\t}\n}\n")
    _, facts = read(tmp_path, text)
    proxy = facts.sites[0].route_for("/sfu/x").proxy
    assert proxy.upstream.port is None and proxy.upstream.effective_port == 443
    assert proxy.http_version == "1.1" and proxy.read_timeout == 120
    assert [(h.name, h.value) for h in proxy.request_headers] == [("Host", "{host}")]


# -- imports, fragments, errors ----------------------------------------------------------------------


def test_import_file_inside_a_site_and_missing_import(tmp_path):
    text = "example.com {\n\timport parts/wk.caddyinc\n\timport parts/missing.caddyinc\n}\n"
    doc, facts = read(tmp_path, text, {"parts/wk.caddyinc": f"respond {WELL_KNOWN} `{{}}`\n"})
    route = facts.sites[0].route_for(WELL_KNOWN)
    assert route.respond.body == "{}" and route.span.path.endswith("wk.caddyinc")
    (missing,) = [d for d in facts.diagnostics if d.code == "RTC003"]
    assert src(doc, missing.span) == "parts/missing.caddyinc"
    assert any(p.endswith("wk.caddyinc") for p in facts.includes)


def test_site_body_fragment(tmp_path):
    text = ("@jwt_service path /livekit/jwt/sfu/get /livekit/jwt/healthz\nhandle @jwt_service {\n"
            "  uri strip_prefix /livekit/jwt\n  reverse_proxy http://[::1]:8080\n}\n"
            "handle {\n  reverse_proxy http://localhost:7880\n}\n")
    _, facts = read(tmp_path, text)
    assert not [d for d in facts.diagnostics if d.code == "RTC001"]
    (site,) = facts.sites
    assert site.fragment and site.hosts == ["*"]
    assert site.route_for("/livekit/jwt/healthz").proxy.strip_prefix == "/livekit/jwt"
    assert site.route_for("/livekit/jwt/get_token").proxy.upstream.port == 7880


def test_parse_error_position(tmp_path):
    doc, facts = read(tmp_path, "example.com {\n\thandle /x { respond 1 }\n}\n")
    (err,) = facts.diagnostics
    assert err.code == "RTC001" and doc.line_col(err.span.start) == (2, 14)
    assert facts.sites == []


def test_unclosed_site_before_next_site(tmp_path):
    doc, facts = read(tmp_path, "a.example.com {\n\trespond 200\n\nb.example.com {\n\trespond 201\n}\n")
    (err,) = facts.diagnostics
    assert doc.line_col(err.span.start) == (4, 1) and "a '}' is missing" in err.message


# -- where fixes insert ---------------------------------------------------------------------------


def test_insert_points_and_indentation(tmp_path):
    text = "example.com {\n    handle /x/* {\n        respond 200\n    }\n    respond /y 204\n}\n"
    doc, facts = read(tmp_path, text)
    site = facts.sites[0]
    assert site.indent == "    " and doc.text[site.insert_at :] == "}\n"
    wrapped = site.route_for("/x/1")
    assert wrapped.indent == "        " and doc.text[wrapped.insert_at :].startswith("    }\n    respond /y")
    bare = site.route_for("/y")
    assert bare.indent == "    " and doc.text[bare.insert_at :].startswith("    respond /y 204")


def test_tab_indentation(tmp_path):
    _, facts = read(tmp_path, "example.com {\n\trespond 200\n}\n")
    assert facts.sites[0].indent == "\t"


def test_host_matchers_split_a_wildcard_site(tmp_path):
    text = ("*.example.com, example.com {\n\t@base host example.com\n\t@matrix host matrix.example.com\n"
            "\thandle @base {\n\t\trespond /.well-known/matrix/client `{}`\n\t}\n"
            "\thandle @matrix {\n\t\treverse_proxy synapse:8008\n\t}\n\thandle {\n\t\trespond 404\n\t}\n}\n")
    _, facts = read(tmp_path, text)
    by_host = {tuple(s.hosts): s for s in facts.sites}
    assert set(by_host) == {("*.example.com",), ("example.com",), ("matrix.example.com",)}
    assert by_host[("example.com",)].route_for(WELL_KNOWN).respond.body == "{}"
    assert by_host[("matrix.example.com",)].route_for(WELL_KNOWN).proxy.upstream.host == "synapse"
    assert by_host[("*.example.com",)].route_for(WELL_KNOWN).respond.status == 404


def test_fragment_imported_by_a_caddyfile_is_not_a_site_of_its_own(tmp_path):
    fragment = "header Access-Control-Allow-Origin *\n"
    files = {"sites/cors.caddy": fragment, "Caddyfile": "example.com {\n\timport sites/cors.caddy\n\trespond 200\n}\n"}
    _, facts = read(tmp_path, fragment, files, name="sites/cors.caddy")
    assert facts.sites == [] and not facts.diagnostics
    (tmp_path / "other").mkdir()
    _, alone = read(tmp_path / "other", fragment, name="cors.caddy")
    assert alone.sites[0].fragment


def test_env_placeholder_without_default_stays_opaque(tmp_path):
    _, facts = read(tmp_path, "{$DOMAIN} {\n\treverse_proxy {$UPSTREAM}\n}\n")
    site = facts.sites[0]
    assert site.hosts == ["{$DOMAIN}"] and site.routes[0].proxy.upstream.host == "{$UPSTREAM}"


def test_site_headers(tmp_path):
    _, facts = read(tmp_path, "example.com {\n\theader Access-Control-Allow-Origin *\n\trespond 200\n}\n")
    assert [(h.name, h.value, h.matcher) for h in facts.sites[0].headers] == [("Access-Control-Allow-Origin", "*", None)]


def test_invoke_runs_a_named_route(tmp_path):
    text = "&(app) {\n\treverse_proxy app:8080\n}\n\nexample.com {\n\tinvoke /api/* app\n\trespond 404\n}\n"
    _, facts = read(tmp_path, text)
    site = facts.sites[0]
    route = site.route_for("/api/x")
    assert route.proxy.upstream.port == 8080 and route.facts["wrapper"] == "invoke"
    assert site.route_for("/other").respond.status == 404


def test_body_from_an_import_argument_stays_inside_the_file(tmp_path):
    text = "(wk) {\n\trespond /.well-known/matrix/client {args[0]}\n}\nexample.com {\n\timport wk `{\"a\": 1}`\n}"
    doc, facts = read(tmp_path, text)
    respond = facts.sites[0].routes[0].respond
    assert respond.body == '{"a": 1}'
    assert 0 <= respond.body_span.start < respond.body_span.end <= len(doc.text)
    assert all(0 <= respond.source_offset(i) < len(doc.text) for i in range(len(respond.body) + 1))


def test_a_file_of_many_sites_is_read_in_linear_text_scans(tmp_path):
    """Line starts are indexed once per file: searching back for a `\\r` that a file does
    not hold looked at the whole text before every route. Counted in characters the
    reader's text searches look at, not timed."""
    from text_scans import ScanCountingText

    scanned = {}
    for sites in (100, 400):
        text = ScanCountingText("".join(
            f"h{i}.example.com {{\n\trespond /.well-known/matrix/client 200\n\treverse_proxy localhost:{8000 + i}\n}}\n"
            for i in range(sites)))
        path = tmp_path / f"s{sites}" / "Caddyfile"
        path.parent.mkdir()
        path.write_text(text)
        doc = Document(path=str(path), abspath=str(path), kind="caddy", text=text)
        ScanCountingText.scanned = 0
        facts = caddy.read(doc, Tree([str(path.parent)], lambda p: doc if p == str(path) else None))
        assert len(facts.sites) == sites and facts.sites[-1].routes[0].indent == "\t"
        scanned[sites] = ScanCountingText.scanned / len(text)
    # a few passes over the text, whatever its length
    assert scanned[400] < 10 and scanned[400] < 1.5 * scanned[100], scanned
