"""The call path (model/callpath.py, `call_paths` in the JSON report): the hops of each
deployment, their states and the findings on them.

The answers the hops rest on are the answer model's; the last test has the real Caddy
and nginx answer the same requests (tools/replay) and agree with it."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, check_json
from rtclint.engine import check
from rtclint.model.callpath import build
from rtclint.report.json_report import call_paths

HOPS = ["well-known", "transports", "jwt", "sfu", "media"]
FIXED = os.path.join(ROOT, "examples", "caddy-compose-fixed")
SEED = os.path.join(ROOT, "examples", "caddy-compose-seed")
ESS = os.path.join(ROOT, "examples", "ess-nginx-8443")


def states(payload, index=0):
    return {hop["hop"]: hop["state"] for hop in payload["call_paths"][index]["hops"]}


def codes_on(payload, hop_name, index=0):
    hop = next(h for h in payload["call_paths"][index]["hops"] if h["hop"] == hop_name)
    return sorted({payload["diagnostics"][i]["code"] for i in hop["findings"]})


def copy_fixed(tmp_path, caddyfile=None, drop=()):
    tree = tmp_path / "tree"
    shutil.copytree(FIXED, tree)
    if caddyfile is not None:
        (tree / "Caddyfile").write_text(caddyfile((tree / "Caddyfile").read_text()))
    for name in drop:
        (tree / name).unlink()
    return str(tree)


def hop_of(tree, name):
    result = check([tree])
    [dep] = result.deployments
    return next(h for h in build(dep).hops if h.hop == name)


def test_the_fixed_example_works_at_every_hop():
    payload = check_json(FIXED)
    assert payload["version"] == 1 and payload["minor_version"] == 1
    [path] = payload["call_paths"]
    assert path["server_name"] == "example.net"
    assert [h["hop"] for h in path["hops"]] == HOPS
    assert states(payload) == dict.fromkeys(HOPS, "ok")
    jwt = path["hops"][2]
    assert [r["url"] for r in jwt["requests"]] == ["https://jwt.matrixrtc.example.net/sfu/get",
                                                   "https://jwt.matrixrtc.example.net/get_token"]
    route, url, service = jwt["decided_at"]
    assert (route["path"].endswith("caddy-compose-fixed/Caddyfile"), route["line"], route["column"]) == (True, 21, 2)
    assert (url["path"].endswith("homeserver.yaml"), url["what"]) == (True, "livekit_service_url")
    assert (service["path"].endswith("docker-compose.yml"), service["line"]) == (True, 8)
    assert path["hops"][3]["requests"][0]["url"] == "wss://matrixrtc.example.net/rtc/v1"


def test_the_seed_example_shows_where_it_breaks():
    payload = check_json(SEED)
    assert states(payload) == {"well-known": "broken", "transports": "broken", "jwt": "broken",
                               "sfu": "broken", "media": "ok"}
    # the server_name serves no well-known (RTC105); the one on matrix. is broken JSON (RTC100)
    assert {"RTC100", "RTC105", "RTC106"} <= set(codes_on(payload, "well-known"))
    assert codes_on(payload, "transports") == ["RTC108"]
    assert "msc4143_enabled" in payload["call_paths"][0]["hops"][1]["reason"]
    assert "RTC301" in codes_on(payload, "jwt")  # the JWT service's dead variables
    assert codes_on(payload, "media") == ["RTC404"]


def test_every_finding_is_placed_once(tmp_path):
    for tree in (SEED, FIXED, ESS):
        payload = check_json(tree)
        for path in payload["call_paths"]:
            placed = [i for hop in path["hops"] for i in hop["findings"]] + path["other_findings"]
            assert sorted(placed) == list(range(len(payload["diagnostics"]))), tree
            for hop in path["hops"]:
                assert hop["state"] in ("ok", "broken", "unknown") and hop["reason"], hop
                errors = [i for i in hop["findings"] if payload["diagnostics"][i]["severity"] == "error"]
                assert not errors or hop["state"] == "broken", hop  # an error on a hop breaks it


def test_each_deployment_has_its_own_path(tmp_path):
    shutil.copytree(FIXED, tmp_path / "prod")
    shutil.copytree(SEED, tmp_path / "staging")
    payload = check_json(["prod", "staging"], cwd=tmp_path)
    assert [p["deployment"] for p in payload["call_paths"]] == payload["deployments"] == ["prod", "staging"]
    assert states(payload, 0) == dict.fromkeys(HOPS, "ok")
    assert states(payload, 1)["well-known"] == "broken"
    for index, path in enumerate(payload["call_paths"]):
        for hop in path["hops"]:
            assert {payload["diagnostics"][i]["deployment"] for i in hop["findings"]} <= {path["deployment"]}


def test_a_jwt_host_the_proxy_answers_itself_is_broken(tmp_path):
    tree = copy_fixed(tmp_path, lambda text: text.replace("reverse_proxy lk-jwt-service:8080", 'respond "no" 404'))
    hop = hop_of(tree, "jwt")
    assert hop.state == "broken" and "answers 404 itself" in hop.reason


def test_a_jwt_url_routed_to_livekit_is_broken(tmp_path):
    tree = copy_fixed(tmp_path, lambda text: text.replace("reverse_proxy lk-jwt-service:8080",
                                                          "reverse_proxy livekit:7880"))
    hop = hop_of(tree, "jwt")
    assert hop.state == "broken" and "is LiveKit, not the JWT service" in hop.reason


def test_an_upstream_the_tree_does_not_name_is_unknown(tmp_path):
    tree = copy_fixed(tmp_path, lambda text: text.replace("reverse_proxy lk-jwt-service:8080",
                                                          "reverse_proxy 10.0.0.9:9000"))
    hop = hop_of(tree, "jwt")
    assert hop.state == "unknown" and "cannot tell" in hop.reason


def test_a_server_name_no_site_serves_is_unknown_to_the_model(tmp_path):
    tree = copy_fixed(tmp_path, lambda text: text.replace("example.net {", "example.org {", 1))
    hop = hop_of(tree, "well-known")
    assert hop.state == "unknown" and "no site serves example.net:443" in hop.reason
    # no other host serves the well-known either (no RTC105): the proxy of example.net may be
    # outside the tree, so the report does not call the hop broken
    payload = check_json(tree)
    assert states(payload)["well-known"] == "unknown" and codes_on(payload, "well-known") == []


def test_msc4143_off_breaks_the_transports_hop(tmp_path):
    tree = copy_fixed(tmp_path)
    hs = os.path.join(tree, "homeserver.yaml")
    with open(hs, encoding="utf-8") as fh:
        text = fh.read()
    with open(hs, "w", encoding="utf-8") as fh:
        fh.write(text.replace("msc4143_enabled: true", "msc4143_enabled: false"))
    hop = hop_of(tree, "transports")
    assert hop.state == "broken" and "msc4143_enabled" in hop.reason
    assert hop.decided_at[0][0].path.endswith("homeserver.yaml")


def test_without_the_homeserver_or_livekit_the_hops_are_unknown(tmp_path):
    tree = copy_fixed(tmp_path, drop=("homeserver.yaml", "docker-compose.yml", "livekit.yaml"))
    result = check([tree])
    [dep] = result.deployments
    path = build(dep)
    assert path.server_name is None
    assert {h.hop: h.state for h in path.hops} == dict.fromkeys(HOPS, "unknown")


def test_an_sfu_route_without_the_websocket_upgrade_is_broken():
    tree = os.path.join(ROOT, "tests", "fixtures", "rules", "RTC205", "nginx-no-upgrade", "tree")
    payload = check_json(tree)
    hop = payload["call_paths"][0]["hops"][3]
    assert hop["state"] == "broken" and "upgrade" in hop["reason"] and "RTC205" in codes_on(payload, "sfu")


def test_an_empty_run_has_no_call_path(tmp_path):
    payload = check_json(str(tmp_path))
    assert payload["call_paths"] == []


@pytest.mark.servers
def test_the_real_servers_answer_the_hops_requests_as_the_model_does():
    """tools/replay sends every client request (the hops' among them) to the real Caddy
    and nginx of the examples: no disagreement with the answer model the hops read."""
    from tools.replay.run import sites_of, targets

    configs = [("caddy", os.path.join(FIXED, "Caddyfile")), ("caddy", os.path.join(SEED, "Caddyfile")),
               ("nginx", os.path.join(ESS, "nginx.conf"))]
    asked = set()
    for kind, config in configs:
        asked |= {(host, port) for _scheme, host, port, _bases in targets(sites_of(kind, config))}
    for tree in (FIXED, SEED):
        for hop in check_json(tree)["call_paths"][0]["hops"][:4]:
            for req in hop["requests"]:
                if not req["answer"].startswith("unknown"):
                    host = re.match(r"\w+://([^/:]+)", req["url"]).group(1)
                    assert (host, 443) in asked, req
    proc = subprocess.run([sys.executable, "-m", "tools.replay", *[c for _k, c in configs]], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    last = proc.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"replay: 3 configs, (\d+) requests on nginx, caddy: 0 disagreements, \d+ unknown", last)
    assert m and int(m.group(1)) >= 150, proc.stdout[-5000:] + proc.stderr[-3000:]
