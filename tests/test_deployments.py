"""One deployment at a time (docs/deployments.md): a tree holding a correct deployment and a
broken copy with the same host names reports each exactly as when it is checked alone,
from the root, and through the pre-commit hook (`--context .`)."""

import os
import shutil

import pytest

from conftest import ROOT, check_json, run_rtclint
from rtclint.model import FileFacts, Site, SynapseConfig
from rtclint.model.partition import partition


@pytest.fixture
def two_deployments(tmp_path):
    """prod/: the fixed example; staging/: the broken seed, moved onto prod's host names."""
    shutil.copytree(os.path.join(ROOT, "examples", "caddy-compose-fixed"), tmp_path / "prod")
    shutil.copytree(os.path.join(ROOT, "examples", "caddy-compose-seed"), tmp_path / "staging")
    for path in (tmp_path / "staging").iterdir():
        path.write_text(path.read_text().replace("example.com", "example.net"))
    return tmp_path


def _findings(payload, without=("RTC007",)):
    return {(d["code"], d["path"], d["line"], d["column"], d["message"])
            for d in payload["diagnostics"] if d["code"] not in without}


def _files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_each_deployment_is_reported_as_when_checked_alone(two_deployments):
    prod = _findings(check_json("prod", cwd=two_deployments))
    staging = _findings(check_json("staging", cwd=two_deployments))
    whole = check_json(".", cwd=two_deployments)
    assert _findings(whole) == prod | staging
    # the broken copy's own defects are not hidden by prod's well-known (they were, merged)
    assert any(code == "RTC105" and path == "staging/Caddyfile" for code, path, *_ in staging)
    assert not any(path.startswith("prod/") for _, path, *_ in staging)
    assert whole["deployments"] == ["prod", "staging"]
    assert {d["deployment"] for d in whole["diagnostics"]} <= {"prod", "staging"}
    assert all(d["deployment"] == d["path"].split("/")[0] for d in whole["diagnostics"])


def test_shared_hosts_are_said_once_naming_both(two_deployments):
    found = [d for d in check_json(".", cwd=two_deployments)["diagnostics"] if d["code"] == "RTC007"]
    assert len(found) == 1
    assert found[0]["path"].startswith("staging/")
    assert "`prod`" in found[0]["message"] and "`staging`" in found[0]["message"]
    assert "matrix.example.net" in found[0]["message"]


def test_the_pre_commit_hook_reports_what_the_root_run_does(two_deployments):
    whole = _findings(check_json(".", cwd=two_deployments), without=())
    files = _files(two_deployments)
    hooked = _findings(check_json(files, cwd=two_deployments, extra=("--context", ".")), without=())
    assert hooked == whole
    per_file = set()
    for path in files:  # the hook given one changed file at a time
        found = _findings(check_json(path, cwd=two_deployments, extra=("--context", ".")), without=())
        assert found <= whole, path
        per_file |= found
    assert per_file == whole


def test_text_report_groups_findings_by_deployment(two_deployments):
    proc = run_rtclint(["check", "--no-cache", "--output-format", "concise", "."], cwd=two_deployments)
    lines = proc.stdout.splitlines()
    headings = [line for line in lines if line.startswith("── deployment ")]
    assert [h.split()[2] for h in headings] == ["staging"]  # prod has no finding
    assert all(line.startswith("staging/") for line in lines[1:lines.index("") if "" in lines else None])


def test_sarif_results_name_their_deployment(two_deployments):
    import json

    proc = run_rtclint(["check", "--no-cache", "--output-format", "sarif", "."], cwd=two_deployments)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert results and all(r["properties"]["deployment"] == "staging" for r in results)


def test_one_deployment_adds_no_names(two_deployments):
    payload = check_json("prod", cwd=two_deployments, extra=("--select", "RTC"))
    assert "deployments" not in payload
    assert all(d["deployment"] is None for d in payload["diagnostics"])


# -- the partition itself ------------------------------------------------------------


def _proxy(path):
    from rtclint.document import Span

    return FileFacts(path, sites=[Site("nginx", ["matrix.example.org"], [], [], Span(path, 0, 0))])


def _homeserver(path):
    from rtclint.document import Span

    return FileFacts(path, synapse=[SynapseConfig(path, Span(path, 0, 0))], subkind="synapse")


def _roots(facts):
    return {part.root: sorted(f.path for f in part.files) for part in partition(facts)}


def test_sibling_folders_with_their_own_proxy_are_split():
    facts = [_proxy("prod/nginx.conf"), _homeserver("prod/hs/homeserver.yaml"),
             _proxy("staging/nginx.conf"), FileFacts("README.env"), FileFacts("docs/x.env")]
    assert _roots(facts) == {".": ["README.env"], "docs": ["docs/x.env"],
                             "prod": ["prod/hs/homeserver.yaml", "prod/nginx.conf"],
                             "staging": ["staging/nginx.conf"]}


def test_one_proxy_beside_two_homeservers_is_one_deployment():
    facts = [_proxy("tree/nginx.conf"), _homeserver("tree/a/homeserver.yaml"), _homeserver("tree/b/homeserver.yaml")]
    assert list(_roots(facts)) == ["tree"]


def test_parts_of_one_deployment_in_sub_folders_stay_together():
    facts = [_proxy("caddy/Caddyfile"), _homeserver("synapse/homeserver.yaml"), FileFacts("compose.yaml", subkind="compose")]
    assert list(_roots(facts)) == ["."]


def test_a_split_folder_stays_split_beside_folders_that_anchor_nothing():
    deploy = [_proxy("deploy/prod/nginx.conf"), _homeserver("deploy/prod/homeserver.yaml"),
              _proxy("deploy/staging/nginx.conf"), _homeserver("deploy/staging/homeserver.yaml")]
    others = [FileFacts("k8s/jwt.yaml", subkind="k8s"), FileFacts("README.env")]
    alone = _roots(deploy)
    assert list(alone) == ["deploy/prod", "deploy/staging"]
    from_above = _roots(deploy + others)
    assert {root: files for root, files in from_above.items() if root.startswith("deploy/")} == alone
    assert from_above["k8s"] == ["k8s/jwt.yaml"] and from_above["."] == ["README.env"]


def test_a_proxy_folder_beside_a_folder_of_homeservers_is_one_deployment():
    facts = [_proxy("proxy/nginx.conf"), _homeserver("homeservers/a/homeserver.yaml"),
             _homeserver("homeservers/b/homeserver.yaml")]
    assert list(_roots(facts)) == ["."]  # that proxy may serve both
    assert list(_roots(facts[1:])) == ["homeservers/a", "homeservers/b"]


def test_two_deployments_under_one_folder_beside_another_are_reported_as_alone(two_deployments):
    os.makedirs(two_deployments / "deploy")
    for name in ("prod", "staging"):
        shutil.move(str(two_deployments / name), str(two_deployments / "deploy" / name))
    os.makedirs(two_deployments / "ci")  # files that anchor no deployment of their own
    (two_deployments / "ci" / "docker-compose.yml").write_text(
        "services:\n  lint:\n    image: ghcr.io/example/rtclint:1\n")
    alone = _findings(check_json("deploy", cwd=two_deployments))
    whole = check_json(".", cwd=two_deployments)
    assert {f for f in _findings(whole) if f[1].startswith("deploy/")} == alone
    assert any(code == "RTC105" and path == "deploy/staging/Caddyfile" for code, path, *_ in alone)
    assert whole["deployments"] == ["ci", "deploy/prod", "deploy/staging"]


def test_a_deployment_is_named_by_the_deepest_folder_holding_its_files():
    lone = [FileFacts("tools/ci/compose.yaml", subkind="compose")]
    assert list(_roots(lone)) == ["tools/ci"]  # checked by itself
    split = [_proxy("deploy/prod/nginx.conf"), _proxy("deploy/staging/nginx.conf")]
    assert list(_roots(split + lone)) == ["deploy/prod", "deploy/staging", "tools/ci"]  # from above: the same name
