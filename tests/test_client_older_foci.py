"""RTC110's older-client half held to the real code of the clients that read `rtc_foci`.

Element Call 0.19.1–0.23 (and every client that bundles it) takes its focus from the client
well-known: `RtcTransportAutoDiscovery.tryWellKnownTransports` in
@element-hq/element-call-embedded@0.19.1 and @0.22.0 returns `fociConfig[0]` of
`org.matrix.msc4143.rtc_foci`, type unchecked, as fetched by matrix-js-sdk's
`AutoDiscovery.getRawClientConfig` (the fetcher its `LocalTransport.ts` passes in).
tests/js/older_foci.mjs runs that class, compiled from the source its npm package ships in
its source map, against each client well-known rtclint reads from a fixture tree, both
embedded (a widget: no transports endpoint) and standalone (the endpoint lists none).

rtclint must agree: RTC110 on a well-known exactly when the focus the client picks is not
the tree's own JWT service (https://rtc.example.com/livekit/jwt in every case here).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from conftest import ROOT, check_json
from rtclint import engine
from rtclint.config import Config

NODE_DIR = os.path.join(ROOT, "tests", "js")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
OLDER_CLIENTS = ("element-call-embedded-0.19.1", "element-call-embedded-0.22.0")
OWN_JWT = "https://rtc.example.com/livekit/jwt"  # the fixtures' own JWT service

CASES = [
    "RTC110/nginx-foreign-first",  # fires
    "RTC110/caddy-foreign-first",  # fires
    "RTC110/nginx-untyped-foreign-first",  # fires: an entry without `type` is used all the same
    "RTC110/nginx-local-first",  # look-alike: own service first, a foreign one second
    "RTC110/nginx-untyped-local-first",  # look-alike: own service first under another type
    "RTC102/nginx-clean",
    "RTC111/caddy-clean",
    "RTC201/haproxy-clean",
]


def client_well_knowns(tree: str) -> list[dict]:
    """Each client well-known body rtclint reads, with the domain it is served for and the
    lines (1-based) it spans in its file."""
    out = []
    for wk in engine.check([tree], Config()).deployment.well_knowns("client"):
        body = wk.body if wk.value is None else json.dumps(wk.value)
        hosts = [h for h in wk.hosts if h not in ("*", "", "_")]
        where = os.path.relpath(os.path.abspath(wk.span.path), tree)  # as the report names it
        with open(os.path.join(tree, where), encoding="utf-8") as fh:
            text = fh.read()
        first = text.count("\n", 0, wk.span.start) + 1
        lines = range(first, text.count("\n", 0, wk.span.end) + 2)
        out.append({"domain": hosts[0] if hosts else "example.com", "body": body, "path": where,
                    "lines": lines})
    return out


def chosen_by(package: str, well_knowns: list[dict], embedded: bool) -> list:
    cases = [{"domain": w["domain"], "status": 200, "body": w["body"], "embedded": embedded} for w in well_knowns]
    proc = subprocess.run(["node", "older_foci.mjs", json.dumps({"package": package, "cases": cases})],
                          cwd=NODE_DIR, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    answer = json.loads(proc.stdout)
    assert answer["source"].endswith("src/state/CallViewModel/localMember/RtcTransportAutoDiscovery.ts")
    return answer["chosen"]


@pytest.fixture(scope="module")
def older_clients_pick() -> dict[str, list[tuple[dict, object]]]:
    """case -> [(well-known, the focus the older clients take from it)]: one node run per
    version and mode for all cases, each version and mode required to give the same answer."""
    well_knowns = {case: client_well_knowns(os.path.join(FIXTURES, case, "tree")) for case in CASES}
    flat = [wk for case in CASES for wk in well_knowns[case]]
    picks = [chosen_by(p, flat, embedded) for p in OLDER_CLIENTS for embedded in (True, False)]
    assert all(p == picks[0] for p in picks), picks
    chosen = iter(picks[0])
    return {case: [(wk, next(chosen)) for wk in well_knowns[case]] for case in CASES}


@pytest.mark.parametrize("case", CASES)
def test_rtc110_flags_the_well_known_whose_first_focus_the_older_client_takes_elsewhere(case, older_clients_pick):
    tree = os.path.join(FIXTURES, case, "tree")
    assert older_clients_pick[case], "the case must serve a client well-known"
    found = [d for d in check_json(".", cwd=tree)["diagnostics"] if d["code"] == "RTC110"]
    for wk, focus in older_clients_pick[case]:
        flagged = [d for d in found if d["path"] == wk["path"] and d["line"] in wk["lines"]]
        url = focus.get("livekit_service_url") if isinstance(focus, dict) else None
        elsewhere = url is not None and url.rstrip("/") != OWN_JWT
        assert bool(flagged) == elsewhere, (case, wk["body"], focus, flagged)


def test_the_cases_cover_both_answers():
    """Guards the table: a fixture edit must not leave only one side tested."""
    verdicts = set()
    for case in CASES:
        body = client_well_knowns(os.path.join(FIXTURES, case, "tree"))[0]["body"]
        verdicts.add(json.loads(body)["org.matrix.msc4143.rtc_foci"][0]["livekit_service_url"] == OWN_JWT)
    assert verdicts == {True, False}
