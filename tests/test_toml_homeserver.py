"""The TOML homeserver reader (Continuwuity, conduwuit, Tuwunel): the same facts as
homeserver.yaml gives (server_name, transports, the well-known the server serves), with
spans into the .toml; other TOML files are not taken for homeservers. The rules'
behaviour on whole trees is in tests/fixtures/rules/RTC70x and the RTC1xx Continuwuity cases."""

import os

from conftest import check_json
from rtclint.document import Document
from rtclint.model import FileFacts
from rtclint.parsers import toml as toml_parser
from rtclint.parsers.base import Tree

CONTINUWUITY = """\
# a comment that mentions server_name = "decoy.example"
[global]
server_name = "example.com"
port = [8008]

[global.well_known]
client = "https://matrix.example.com"

[global.matrix_rtc]
foci = [
    { type = "livekit", livekit_service_url = "https://rtc.example.com/livekit/jwt" },
]
"""

TUWUNEL = """\
[global]
server_name = "example.org"

[global.well_known]
client = "https://matrix.example.org"
livekit_url = "https://jwt.example.org"

[[global.well_known.rtc_transports]]
type = "livekit"
livekit_service_url = "https://other.example.org"
"""


def read(name: str, text: str) -> FileFacts:
    doc = Document(path=name, abspath=os.path.abspath(name), kind="toml", text=text)
    return toml_parser.read(doc, Tree([os.getcwd()], lambda p: None))


def spanned(text: str, located) -> str:
    return text[located.span.start:located.span.end]


def test_continuwuity_reads_server_name_transports_and_its_well_known():
    facts = read("continuwuity.toml", CONTINUWUITY)
    assert facts.subkind == "continuwuity" and not facts.synapse and not facts.diagnostics
    [cfg] = facts.toml_homeservers
    assert cfg.flavor == "continuwuity"
    assert cfg.server_name.value == "example.com"
    assert spanned(CONTINUWUITY, cfg.server_name) == '"example.com"'  # not the comment's decoy
    assert [t.value["livekit_service_url"] for t in cfg.transports] == ["https://rtc.example.com/livekit/jwt"]
    url = cfg.keys["matrix_rtc.transports[0].livekit_service_url"]
    assert spanned(CONTINUWUITY, url) == '"https://rtc.example.com/livekit/jwt"'
    assert spanned(CONTINUWUITY, cfg.keys["matrix_rtc.foci"]).startswith("[\n") and \
        spanned(CONTINUWUITY, cfg.keys["matrix_rtc.foci"]).endswith("]")
    [wk] = facts.well_knowns
    assert wk.source == "continuwuity" and wk.hosts == ["matrix.example.com"]
    assert wk.value["m.homeserver"]["base_url"] == "https://matrix.example.com/"
    assert wk.value["org.matrix.msc4143.rtc_foci"][0]["livekit_service_url"] == "https://rtc.example.com/livekit/jwt"


def test_tuwunel_livekit_url_and_rtc_transports_are_its_transports_in_order():
    facts = read("tuwunel.toml", TUWUNEL)
    [cfg] = facts.toml_homeservers
    assert cfg.flavor == "tuwunel"
    urls = [t.value["livekit_service_url"] for t in cfg.transports]
    assert urls == ["https://jwt.example.org", "https://other.example.org"]
    assert spanned(TUWUNEL, cfg.keys["matrix_rtc.transports[1].livekit_service_url"]) == '"https://other.example.org"'
    assert TUWUNEL.count("\n", 0, cfg.keys["matrix_rtc.transports[1].livekit_service_url"].span.start) == 9


def test_without_client_the_server_serves_no_well_known():
    facts = read("conduwuit.toml", '[global]\nserver_name = "example.com"\n')
    assert facts.toml_homeservers[0].flavor == "continuwuity"
    assert facts.toml_homeservers[0].transports == []
    assert facts.well_knowns == []


def test_dotted_keys_under_global_are_located():
    text = '[global]\nserver_name = "example.com"\nwell_known.client = "https://m.example.com"\n' \
           'matrix_rtc.foci = [{ type = "livekit", livekit_service_url = "https://rtc.example.com" }]\n'
    [cfg] = read("continuwuity.toml", text).toml_homeservers
    assert spanned(text, cfg.keys["well_known.client"]) == '"https://m.example.com"'
    assert spanned(text, cfg.keys["matrix_rtc.transports[0].livekit_service_url"]) == '"https://rtc.example.com"'


def test_other_toml_files_are_not_homeservers():
    assert read("traefik.toml", '[global]\ncheckNewVersion = false\n').toml_homeservers == []
    assert read("app.toml", '[server]\nserver_name = "x"\n').toml_homeservers == []
    traefik = read("dynamic.toml", '[http.routers.r]\nrule = "Host(`a.example.com`)"\nservice = "s"\n'
                                   '[http.services.s.loadBalancer]\n[[http.services.s.loadBalancer.servers]]\n'
                                   'url = "http://app:80"\n')
    assert traefik.subkind == "traefik" and traefik.toml_homeservers == []


def test_a_broken_homeserver_toml_is_rtc001_at_its_line(tmp_path):
    (tmp_path / "continuwuity.toml").write_text('[global]\nserver_name = "example.com"\nport = \n')
    payload = check_json(".", cwd=str(tmp_path))
    [d] = [d for d in payload["diagnostics"] if d["code"] == "RTC001"]
    assert (d["path"], d["line"]) == ("continuwuity.toml", 3)


def test_rtc701_fix_writes_valid_toml_with_the_same_foci(tmp_path):
    import tomllib

    (tmp_path / "continuwuity.toml").write_text(
        '[global]\nserver_name = "example.com"\nwell_known.client = "https://m.example.com"\n'
        'well_known.rtc_focus_server_urls = [{ type = "livekit", livekit_service_url = "https://rtc.example.com" }]\n'
        'port = 8008\n')
    check_json(".", cwd=str(tmp_path), extra=("--fix",))
    data = tomllib.loads((tmp_path / "continuwuity.toml").read_text())
    assert "rtc_focus_server_urls" not in data["global"]["well_known"]
    assert data["global"]["matrix_rtc"]["foci"] == [{"type": "livekit", "livekit_service_url": "https://rtc.example.com"}]
    assert data["global"]["port"] == 8008


def test_rtc700_fix_on_dotted_tuwunel_keeps_the_toml_valid(tmp_path):
    import tomllib

    (tmp_path / "tuwunel.toml").write_text('[global]\nserver_name = "example.com"\n'
                                           'well_known.client = "https://m.example.com"\n')
    (tmp_path / "Caddyfile").write_text("rtc.example.com {\n\thandle_path /livekit/jwt/* {\n"
                                        "\t\treverse_proxy lk-jwt-service:8080\n\t}\n}\n")
    payload = check_json(".", cwd=str(tmp_path))
    assert [d["line"] for d in payload["diagnostics"] if d["code"] == "RTC700"] == [2]
    check_json(".", cwd=str(tmp_path), extra=("--fix",))
    data = tomllib.loads((tmp_path / "tuwunel.toml").read_text())
    assert data["global"]["well_known"] == {"client": "https://m.example.com",
                                            "livekit_url": "https://rtc.example.com/livekit/jwt"}
