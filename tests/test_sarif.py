"""SARIF 2.1.0: valid against the official OASIS schema (shared/schemas) and shaped for
GitHub code scanning's ingestion rules."""

import json
import os
from types import SimpleNamespace

import pytest
from conftest import ROOT, SHARED, run_rtclint

from rtclint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Severity
from rtclint.document import Document
from rtclint.report import sarif
from rtclint.rules.registry import Rule

SCHEMA_PATH = os.path.join(SHARED, "schemas", "sarif-schema-2.1.0.json")
BROKEN_YAML = "services:\n  a: [\n"
STALE = "notes:\n  # rtclint: disable=RTC001 -- stale\n  a:\n    b: x\n"  # YAML no reader claims


@pytest.fixture(scope="module")
def validator():
    from jsonschema.validators import validator_for

    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        schema = json.load(fh)
    cls = validator_for(schema)  # the file declares draft-04 ("$schema"), with an "id"
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(validator, log):
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def sarif_of(cwd, *paths):
    proc = run_rtclint(["check", "--format", "sarif", *paths], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def make_tree(tmp_path):
    """A git checkout (just the .git marker) with findings in a subdirectory."""
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra dir"
    infra.mkdir()
    (infra / "compose.yaml").write_text(BROKEN_YAML)
    (infra / "notes.yaml").write_text(STALE)
    return infra


def test_cli_output_is_schema_valid_and_meets_github_rules(tmp_path, validator):
    infra = make_tree(tmp_path)
    log = sarif_of(infra, ".")
    assert_valid(validator, log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "rtclint" and driver["semanticVersion"].count(".") == 2
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert {"RTC001", "RTC010"} <= set(ids)
    for r in driver["rules"]:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"].startswith(f"# {r['id']} ")
        assert r["helpUri"].startswith("https://") and r["id"] in r["helpUri"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert isinstance(r["properties"]["tags"], list)
        if r["id"].startswith("RTC9"):
            assert isinstance(r["properties"]["security-severity"], str)
            float(r["properties"]["security-severity"])
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    results = run["results"]
    assert {r["ruleId"] for r in results} == {"RTC001", "RTC010"}
    for r in results:
        assert ids[r["ruleIndex"]] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note") and r["message"]["text"]
        loc = r["locations"][0]["physicalLocation"]
        # Relative to the repository root, not the working directory; spaces encoded.
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["artifactLocation"]["uri"].startswith("infra%20dir/")
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] >= region["startLine"] and "endColumn" in region
        assert r["partialFingerprints"]
    stale = next(r for r in results if r["ruleId"] == "RTC010")
    assert stale["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_fixable_results_carry_fixes(tmp_path, validator):
    infra = make_tree(tmp_path)
    log = sarif_of(infra, ".")
    stale = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "RTC010")
    [fix] = stale["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "infra%20dir/notes.yaml"
    [replacement] = change["replacements"]
    assert replacement["insertedContent"]["text"] == ""
    assert replacement["deletedRegion"]["startLine"] == 2 and replacement["deletedRegion"]["endLine"] == 3
    broken = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "RTC001")
    assert "fixes" not in broken


def test_fingerprints_survive_unrelated_line_shifts(tmp_path):
    infra = make_tree(tmp_path)
    before = {r["ruleId"]: r for r in sarif_of(infra, ".")["runs"][0]["results"]}
    (infra / "notes.yaml").write_text("# notes for example.com\n\n" + STALE)
    after = {r["ruleId"]: r for r in sarif_of(infra, ".")["runs"][0]["results"]}
    old, new = before["RTC010"], after["RTC010"]
    assert new["locations"][0]["physicalLocation"]["region"]["startLine"] == 4  # it moved ...
    assert new["partialFingerprints"] == old["partialFingerprints"]  # ... and is the same alert


def test_identical_findings_get_distinct_fingerprints(tmp_path):
    (tmp_path / "notes.yaml").write_text(
        "notes:\n  a: 1 # rtclint: disable=RTC003\n  b: 1 # rtclint: disable=RTC003\n")
    results = sarif_of(tmp_path, ".")["runs"][0]["results"]
    prints = [json.dumps(r["partialFingerprints"]) for r in results]
    assert len(results) == 2 and len(set(prints)) == 2


def fake_result(diagnostics, documents):
    return SimpleNamespace(diagnostics=diagnostics, documents=documents, files_checked=len(documents))


def test_related_locations_and_multi_file_fixes(tmp_path, validator, monkeypatch):
    monkeypatch.chdir(tmp_path)
    caddy = Document("Caddyfile", str(tmp_path / "Caddyfile"), "caddy", "example.com {\n\trespond 200\n}\n")
    env = Document(".env", str(tmp_path / ".env"), "env", "LIVEKIT_URL=wss://x\n")
    diag = Diagnostic(
        "RTC003", "include-not-found", Severity.WARNING, caddy.span(15, 26), "it differs",
        fix=Fix(Applicability.UNSAFE, "make them agree", (Edit(caddy.span(24, 27), "204"), Edit(env.span(12, 19), "a"))),
        related=(Related(env.span(0, 11), "the JWT service reads this"),),
    )
    log = sarif.build(fake_result([diag], {caddy.path: caddy, env.path: env}))
    assert_valid(validator, log)
    [result] = log["runs"][0]["results"]
    [related] = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == ".env"
    assert related["message"]["text"] == "the JWT service reads this" and related["id"] == 1
    [fix] = result["fixes"]
    assert [c["artifactLocation"]["uri"] for c in fix["artifactChanges"]] == ["Caddyfile", ".env"]
    assert "unsafe" in fix["description"]["text"]
    assert "snippet" not in result["locations"][0]["physicalLocation"]["region"]  # could be a secret


def test_security_severity_is_a_string_for_secret_rules():
    secret = Rule("RTC901", "placeholder-secret", Severity.ERROR, "manual", ("all",), None,
                  "A secret is a placeholder.\n\n## What it does\nFinds `changeme`.\n")
    entry = sarif._rule(secret, "# RTC901 placeholder-secret\n", "https://example.invalid/RTC901.md")
    assert entry["properties"]["security-severity"] == "8.0"
    assert "security" in entry["properties"]["tags"]
    assert entry["name"] == "PlaceholderSecret" and entry["fullDescription"]["text"] == "Finds `changeme`."
    plain = sarif._rule(Rule("RTC101", "x", Severity.ERROR, "safe", ("all",), None, "X."), "# RTC101 x\n", "u")
    assert "security-severity" not in plain["properties"]


def test_at_most_25000_results_most_severe_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = Document("compose.yaml", str(tmp_path / "compose.yaml"), "yaml", "a: 1\n")
    notes = [Diagnostic("RTC010", "n", Severity.INFO, doc.span(0, 1), f"n{i}") for i in range(sarif.MAX_RESULTS)]
    errors = [Diagnostic("RTC001", "e", Severity.ERROR, doc.span(0, 1), "e")]
    log = sarif.build(fake_result(notes + errors, {doc.path: doc}))
    run = log["runs"][0]
    assert len(run["results"]) == sarif.MAX_RESULTS
    assert any(r["ruleId"] == "RTC001" for r in run["results"])
    [notice] = run["invocations"][0]["toolExecutionNotifications"]
    assert "1 results were left out" in notice["message"]["text"]


def test_the_schema_check_itself_rejects_broken_logs(tmp_path, validator):
    infra = make_tree(tmp_path)
    log = sarif_of(infra, ".")
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(validator.iter_errors(log))
    log = sarif_of(infra, ".")
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(log))


def test_shipped_examples_give_valid_sarif(validator):
    """Whatever the rules find in examples/ (cross-file findings with related locations,
    fixes), the log stays schema-valid with unique fingerprints and in-file regions."""
    log = sarif_of(ROOT, "examples")
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    prints = [json.dumps(r["partialFingerprints"], sort_keys=True) for r in results]
    assert len(set(prints)) == len(prints)
    for r in results:
        for loc in r["locations"] + r.get("relatedLocations", []):
            assert loc["physicalLocation"]["artifactLocation"]["uri"].startswith("examples/")
