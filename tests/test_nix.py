"""The NixOS reader: .nix files read with tree-sitter-nix into the facts homeserver.yaml,
livekit.yaml, lk-jwt-service's environment, nginx, Caddy and host firewalls give, with
findings at the right line:column of the .nix file; what Nix would have to compute stays
unknown and the rules stay quiet about it. The real programs' verdicts (nix-instantiate,
nginx -t, caddy adapt) are in tests/test_nix_oracles.py."""

import os

import pytest

from conftest import ROOT
from trees import run
from rtclint.document import Document
from rtclint.engine import check
from rtclint.parsers import nix
from rtclint.parsers.base import Tree
from rtclint.parsers.nix_syntax import parse

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "nix")

# case -> (code, line, column) of every finding
BROKEN = {  # the Synapse cases also carry the good tree's RTC512 (information)
    "firewall-drops-media": [("RTC415", 8, 14), ("RTC512", 28, 11)],
    "sfu-without-websockets": [("RTC205", 102, 11), ("RTC512", 29, 11)],
    "jwt-prefix-kept": [("RTC201", 100, 38), ("RTC512", 29, 11)],
    "well-known-without-foci": [("RTC108", 85, 23), ("RTC512", 29, 11)],
    "syntax-error": [("RTC001", 47, 13)],
    "jwt-env-missing": [("RTC300", 67, 5), ("RTC512", 29, 11)],
    "caddy-openfirewall-not-tcp-port": [("RTC415", 8, 14)],
    "caddy-well-known-on-other-host": [("RTC105", 14, 27), ("RTC304", 37, 52)],
    "caddy-jwt-prefix-kept": [("RTC201", 44, 9)],
}


def found(path: str) -> list[tuple[str, int, int]]:
    cwd = os.getcwd()
    os.chdir(path)
    try:
        result = check(["."])
    finally:
        os.chdir(cwd)
    out = []
    for d in result.diagnostics:
        doc = result.deployment.documents.get(d.span.path) if result.deployment else None
        line, col = doc.line_col(d.span.start) if doc is not None else (0, 0)
        out.append((d.code, line, col))
    return sorted(out)


def read(text: str, name: str = "configuration.nix"):
    doc = Document(path=name, abspath=os.path.abspath(name), kind="nix", text=text)
    return doc, nix.read(doc, Tree([os.getcwd()], lambda p: None))


def at(doc: Document, span) -> str:
    return doc.text[span.start:span.end]


def test_a_correct_nixos_deployment_is_all_clear():
    # information only: Synapse >= 1.161 (unpinned in NixOS: the newest) also takes the
    # transport's `url`, which then needs the appservice proxy (RTC511) as well
    assert found(os.path.join(FIXTURES, "good")) == [("RTC512", 29, 11)]
    assert found(os.path.join(FIXTURES, "good-caddy")) == []


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_broken_deployment_gets_its_findings_at_the_nix_line(case):
    assert found(os.path.join(FIXTURES, "broken", case)) == sorted(BROKEN[case])


def test_every_broken_case_differs_from_a_good_tree_it_was_made_from():
    names = set(os.listdir(os.path.join(FIXTURES, "broken")))
    assert names == set(BROKEN)


def test_the_good_tree_gives_every_fact_with_spans_into_the_nix_file():
    path = os.path.join(FIXTURES, "good", "configuration.nix")
    with open(path, encoding="utf-8") as fh:
        doc, facts = read(fh.read())
    assert not facts.diagnostics and facts.subkind == "nixos"
    [hs] = facts.synapse
    assert hs.server_name.value == "example.com" and at(doc, hs.server_name.span) == '"example.com"'  # the let
    assert hs.experimental["msc4143_enabled"].value is True
    url = hs.keys["matrix_rtc.transports[0].livekit_service_url"]
    assert at(doc, url.span) == '"https://rtc.example.com/livekit/jwt"'
    [lk] = facts.livekit
    assert lk.http_port == 7880 and lk.rtc["tcp_port"].value == 7881
    assert lk.key_file.value == "/run/secrets/livekit-keys"
    [jwt] = facts.services
    assert jwt.role == "jwt" and jwt.env["LIVEKIT_FULL_ACCESS_HOMESERVERS"].value == "example.com"  # list joined
    assert jwt.env["LIVEKIT_KEY_FILE"].value == "/run/secrets/livekit-keys"  # the renamed `keyFile`
    [fw] = facts.firewalls
    assert fw.admits("udp", 55555) is True and fw.admits("tcp", 8080) is False
    hosts = sorted({h for s in facts.sites for h in s.hosts})
    assert hosts == ["example.com", "matrix.example.com", "rtc.example.com"]
    sfu = next(r for s in facts.sites for r in s.routes if r.name == "location ^~ /livekit/sfu/")
    assert sfu.proxy.websocket is True  # proxyWebsockets = true renders the Upgrade headers
    assert at(doc, sfu.proxy.upstream.port_span) == "7880"  # inside the Nix string
    assert doc.line_col(sfu.proxy.upstream.port_span.start) == (102, 41)
    redirect = [s for s in facts.sites if s.listens and s.listens[0].port == 80]
    assert len(redirect) == 3  # forceSSL: a port-80 server per host answering 301


def test_nix_module_defaults_are_filled_in():
    doc, facts = read("""{
      services.livekit = { enable = true; keyFile = "/k"; openFirewall = true; };
      services.lk-jwt-service = { enable = true; livekitUrl = "wss://sfu.example.com"; };
    }""")
    [lk] = facts.livekit
    assert lk.http_port == 7880
    # NixOS's defaults, not LiveKit's (50000-60000)
    assert (lk.rtc["port_range_start"].value, lk.rtc["port_range_end"].value) == (50000, 51000)
    [jwt] = facts.services
    assert jwt.env["LIVEKIT_JWT_BIND"].value == ":8080" and jwt.env["LIVEKIT_FULL_ACCESS_HOMESERVERS"].value == "*"
    assert jwt.env["LIVEKIT_URL"].value == "wss://sfu.example.com"
    [fw] = facts.firewalls  # openFirewall: settings.port/tcp and the UDP range, not rtc.tcp_port
    assert fw.admits("tcp", 7880) and fw.admits("udp", 51000) and fw.admits("udp", 51001) is False
    assert fw.admits("tcp", 7881) is False


def test_continuwuity_and_tuwunel_settings_read_like_their_toml():
    doc, facts = read("""{
      services.matrix-continuwuity.settings.global = {
        server_name = "a.example";
        well_known.client = "https://m.a.example";
        matrix_rtc.foci = [ { type = "livekit"; livekit_service_url = "https://rtc.a.example"; } ];
      };
      services.matrix-tuwunel.settings.global = {
        server_name = "b.example";
        well_known = { client = "https://m.b.example"; livekit_url = "https://jwt.b.example"; };
      };
    }""")
    cont, tuw = facts.toml_homeservers
    assert (cont.flavor, tuw.flavor) == ("continuwuity", "tuwunel")
    assert [t.value["livekit_service_url"] for t in cont.transports] == ["https://rtc.a.example"]
    assert [t.value["livekit_service_url"] for t in tuw.transports] == ["https://jwt.b.example"]
    assert at(doc, cont.keys["matrix_rtc.transports[0].livekit_service_url"].span) == '"https://rtc.a.example"'
    assert sorted(w.hosts[0] for w in facts.well_knowns) == ["m.a.example", "m.b.example"]


@pytest.mark.parametrize("settings", [
    "experimental_features = lib.mkIf cfg.calls { msc4143_enabled = true; };",
    'server_name = config.networking.domain;',
    'matrix_rtc.transports = [ { type = "livekit"; livekit_service_url = "https://${domain}/jwt"; } ];',
])
def test_a_computed_synapse_setting_leaves_synapse_unknown(settings):
    _doc, facts = read("{ lib, config, ... }: { services.matrix-synapse.settings = { public_baseurl = \"https://m.x\"; "
                       + settings + " }; }")
    assert facts.synapse == []  # never "msc4143 not enabled" for a flag Nix computes


def test_a_computed_location_is_unknown_and_stays_quiet(tmp_path):
    result = run(tmp_path, {"configuration.nix": """
        { config, ... }:
        let port = config.services.livekit.settings.port; in {
          services.nginx.virtualHosts."rtc.example.com" = {
            forceSSL = true;
            locations."^~ /livekit/sfu/".proxyPass = "http://127.0.0.1:${toString port}/";
          };
          networking.firewall.allowedUDPPortRanges = config.x.ranges;
          services.livekit = { enable = true; keyFile = "/k"; };
        }
        """})
    codes = {d.code for d in result.diagnostics}
    assert not codes & {"RTC205", "RTC206", "RTC207"}
    # the UDP ranges are computed: only the TCP port nothing opens is reported
    [firewalled] = [d for d in result.diagnostics if d.code == "RTC415"]
    assert "7881/tcp" in firewalled.message and "udp" not in firewalled.message
    sfu = next(r for s in result.deployment.sites for r in s.routes if "/livekit/sfu/" in r.name)
    assert sfu.proxy is None and sfu.respond is not None and sfu.respond.templated  # answers "unknown"


def test_a_let_bound_attribute_name_is_known():
    _doc, facts = read('let host = "rtc.example.com"; in { services.nginx.virtualHosts.${host}.root = "/srv"; }')
    assert [s.hosts for s in facts.sites] == [["rtc.example.com"]]


def test_a_virtual_host_with_a_computed_server_part_is_left_out():
    _doc, facts = read("""{ config, ... }: {
      services.nginx.virtualHosts = {
        "a.example".listen = config.listens;
        "b.example".locations."/".return = "200 ok";
        ${config.name} = { };
      };
    }""")
    assert sorted(h for s in facts.sites for h in s.hosts) == ["b.example"]


def test_enable_false_reads_nothing_and_a_firewall_that_is_off_says_nothing():
    _doc, facts = read("""{
      services.livekit = { enable = false; keyFile = "/k"; };
      networking.firewall = { enable = false; allowedTCPPorts = [ 80 ]; };
    }""")
    assert facts.livekit == [] and facts.firewalls == []


def test_interface_ports_are_conditional_and_computed_lists_make_ports_unknown():
    _doc, facts = read("""{ config, ... }: {
      networking.firewall.interfaces.eth0.allowedUDPPortRanges = [ { from = 50000; to = 60000; } ];
      networking.firewall.allowedTCPPorts = [ 443 config.services.x.port ];
    }""")
    [fw] = facts.firewalls
    assert fw.admits("udp", 50001) is None  # only on eth0: rtclint cannot tell
    assert fw.admits("tcp", 443) is True and fw.admits("tcp", 7881) is None


def test_parse_errors_are_rtc001_with_position_never_an_exception():
    for text in ("{ a = 1 }", "{", "''", "{ a = \"x\u00e9; }", "\x00\x01{", "{" * 400 + "}" * 400, ""):
        doc, facts = read(text)
        for d in facts.diagnostics:
            assert d.code == "RTC001" and 0 <= d.span.start <= len(text)


def test_a_missing_semicolon_is_reported_at_the_next_binding():
    doc, facts = read("{\n  a = 1\n  b = 2;\n}\n")
    [d] = facts.diagnostics
    assert doc.line_col(d.span.start) == (3, 5)  # where nix-instantiate --parse also stops


def test_indented_strings_lose_their_common_indentation():
    doc, facts = read("{ x = ''\n    a\n      b ''${c} '''q'''\n  ''; }")
    value = parse(doc).root.get("x")
    assert value.value == "a\n  b ${c} ''q''\n"
    assert [doc.text[o] for o in value.offsets[:3]] == ["a", "\n", " "]


def test_offsets_are_characters_not_bytes():
    text = ('{ # é—ü\n  services.nginx.virtualHosts."x.example".locations."/".proxyPass'
            ' = "http://127.0.0.1:9000";\n}')
    doc, facts = read(text)
    [site] = facts.sites
    [route] = site.routes
    assert at(doc, route.proxy.upstream.port_span) == "9000"


def test_let_strings_and_to_string_of_literals_are_interpolated():
    doc, _facts = read('let d = "example.com"; p = 7880; in { a = "https://m.${d}:${toString p}/"; b = "${x}"; }')
    root = parse(doc).root
    assert root.get("a").value == "https://m.example.com:7880/"
    assert doc.text[root.get("a").offsets[0]] == "h" and doc.text[root.get("a").offsets[10]] == "$"
    assert root.get("b").kind == "unknown"


def test_strings_with_escapes_and_let_bindings():
    doc, _facts = read('let a = "x\\ty\\${z}"; b = a; in { v = b; w = [ a 1 (-2) 1.5 null true ./p ]; }')
    root = parse(doc).root
    assert root.get("v").value == "x\ty${z}"
    assert root.get("w").python() == ["x\ty${z}", 1, -2, 1.5, None, True, "./p"]


def test_no_fix_is_offered_for_a_nix_file(tmp_path):
    result = run(tmp_path, {"configuration.nix": """
        {
          services.matrix-synapse.settings = {
            server_name = "example.com";
            experimental_features.msc3266_enabled = true;
          };
        }
        """})
    flagged = [d for d in result.diagnostics if d.code == "RTC503"]
    assert flagged and all(d.fix is None for d in flagged)


def test_nginx_upstreams_listen_options_and_default_server():
    doc, facts = read("""{
      services.nginx.upstreams.synapse.servers."127.0.0.1:8008" = { max_fails = 3; backup = false; };
      services.nginx.virtualHosts."m.example" = {
        default = true;
        listen = [ { addr = "0.0.0.0"; port = 8448; ssl = true; } { addr = "0.0.0.0"; port = 8008; } ];
        locations."/_matrix".proxyPass = "http://synapse";
      };
    }""")
    [site] = facts.sites
    assert sorted((listen.port, listen.tls) for listen in site.listens) == [(8008, False), (8448, True)]
    [route] = site.routes
    assert route.proxy.backend_name == "synapse"
    assert [(s.host, s.port) for s in route.facts["servers"]] == [("127.0.0.1", 8008)]
    assert at(doc, route.facts["servers"][0].span) == "127.0.0.1:8008"  # the attribute name, unquoted


def test_caddy_open_firewall_opens_its_ports_as_the_module_does():
    _doc, facts = read("{ services.caddy = { openFirewall = true; httpPort = null; httpsPort = 8443; }; }")
    [fw] = facts.firewalls
    assert fw.admits("tcp", 8443) and fw.admits("udp", 8443) and fw.admits("tcp", 80) is False


def test_null_settings_are_unset_as_the_modules_drop_them():
    _doc, facts = read("""{
      services.matrix-synapse.settings = { server_name = "x.example"; public_baseurl = null; };
      services.conduwuit.settings.global = { server_name = "y.example"; well_known.client = null; };
    }""")
    [hs] = facts.synapse
    assert "public_baseurl" not in hs.keys and hs.public_baseurl is None
    [toml] = facts.toml_homeservers
    assert toml.flavor == "continuwuity" and "well_known.client" not in toml.keys and not facts.well_knowns


def test_livekit_secrets_in_nix_are_masked_in_every_report(tmp_path):
    result = run(tmp_path, {"configuration.nix": """
        {
          services.livekit = {
            enable = true;
            settings.keys.lk = "s3cr3t";
            settings.development = true;
          };
          services.lk-jwt-service.environment.LIVEKIT_SECRET = "an0th3rsecretvalue";
        }
        """})
    from rtclint.model.secrets import of  # what every report masks through

    secrets = of(result.deployment)
    text = (tmp_path / "configuration.nix").read_text()
    line = next(i for i, ln in enumerate(text.splitlines()) if "s3cr3t" in ln)
    start = sum(len(ln) + 1 for ln in text.splitlines()[:line])
    masked = secrets.mask_line("configuration.nix", start, text.splitlines()[line])
    assert "s3cr3t" not in masked and "3" not in masked.split("=")[1].replace("*", "")
    assert "an0th3rsecretvalue" not in secrets.mask(text)
