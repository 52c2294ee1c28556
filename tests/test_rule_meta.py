"""The rules' house rules, checked over every registered rule (as gixy's plugin meta-test):

- each rule lives in its own module, rtclint/rules/<family>/rtcNNN_<name>.py, named in
  RULE_MODULES, and every such file is registered;
- each rule has fixture cases under tests/fixtures/rules/<CODE>/: one where it fires, one
  look-alike where it must not (its code in `must_not`, nothing of it in `must`), and,
  when it offers a fix, one with the `fixed/` tree (proven by test_fix_proof.py);
- rule modules keep no state between runs and stay under ~400 lines;
- a finding's "see" notes point at other places than the finding itself;
- what rules compute once per run (ctx.memo) is computed again for the next run.
"""

from __future__ import annotations

import ast
import json
import os
import re

import pytest

from conftest import ROOT
from expectations import cases, load
from rtclint import engine
from rtclint.config import Config
from rtclint.rules import READS, RULE_MODULES, code_of
from rtclint.model import Deployment
from rtclint.rules.registry import RuleContext, all_rules

RULES = all_rules()
RULES_DIR = os.path.join(ROOT, "rtclint", "rules")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
REPORTED_BY_PARSERS = {"RTC001", "RTC002", "RTC003", "RTC010"}
MAX_LINES = 400


def _fixture_coverage(code: str) -> dict[str, int]:
    found = {"fires": 0, "look-alike": 0, "fixed": 0}
    for case in cases(os.path.join(FIXTURES, code)):
        expected = load(os.path.join(case, "expected.json"))
        must = [m["code"] for m in expected.get("must", [])]
        found["fires"] += code in must
        found["look-alike"] += code in expected.get("must_not", []) and code not in must
        found["fixed"] += os.path.isdir(os.path.join(case, "fixed"))
    return found


def test_every_rule_has_fixtures_that_fire_stay_quiet_and_fix():
    lacking = []
    for code, rule in RULES.items():
        found = _fixture_coverage(code)
        wanted = ["fires", "look-alike"] + (["fixed"] if rule.fix != "manual" else [])
        missing = [what for what in wanted if not found[what]]
        if missing:
            lacking.append(f"{code} ({rule.fix} fix): no {', no '.join(missing)} case")
    assert not lacking, "rules without their fixture cases in tests/fixtures/rules/<CODE>/:\n" + "\n".join(lacking)


def test_one_module_per_rule_named_for_its_code_and_name():
    by_module = {}
    for module in RULE_MODULES:
        parts = module.split(".")
        assert parts[:2] == ["rtclint", "rules"] and len(parts) == 4, f"{module}: not rtclint.rules.<family>.<rule>"
        by_module[parts[3]] = module
    for code, rule in RULES.items():
        name = f"rtc{code[3:]}_{rule.name.replace('-', '_')}"
        assert name in by_module, f"{code}: no module {name} in RULE_MODULES"
        assert (rule.check is None) == (code in REPORTED_BY_PARSERS), f"{code}: check() present iff not parser-reported"
    on_disk = {f[:-3] for _d, _s, files in os.walk(RULES_DIR) for f in files if re.match(r"rtc\d{3}_\w+\.py$", f)}
    assert on_disk == set(by_module), f"rule files not in RULE_MODULES: {sorted(on_disk - set(by_module))}"
    assert len(RULE_MODULES) == len(set(RULE_MODULES)) == len(RULES)


def test_the_registry_says_what_each_rule_reads_as_its_module_does():
    """rules.READS decides which rules a run imports (rules/scope.py): it must say what
    each module's WHERE says, and name each module's code."""
    for module, name in zip(RULE_MODULES, READS):
        rule = RULES[code_of(module)]
        assert READS[name] == " ".join(rule.where), f"{module}: READS says {READS[name]!r}, WHERE {rule.where}"


def _python_files():
    for dirpath, _dirs, files in os.walk(RULES_DIR):
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


def _module_state(path: str) -> list[str]:
    """Module-level caches in a rules module: `global`, memoising decorators, empty
    containers bound at module level, attributes set on the deployment. The registry
    itself (filled once when the rules load, the same for every run) is not a cache."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global) and os.path.basename(path) != "__init__.py":
            found.append(f"line {node.lineno}: global {', '.join(node.names)}")
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            for dec in node.decorator_list:
                text = ast.unparse(dec)
                if re.search(r"\b(lru_cache|cache|cached_property)\b", text):
                    found.append(f"line {dec.lineno}: @{text}")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and ast.unparse(target.value) in ("dep", "deployment"):
                    found.append(f"line {node.lineno}: sets {ast.unparse(target)}")
    for node in tree.body:
        value = getattr(node, "value", None) if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        empty = isinstance(value, (ast.Dict, ast.List, ast.Set)) and not (
            getattr(value, "keys", None) or getattr(value, "elts", None))
        called = isinstance(value, ast.Call) and ast.unparse(value.func) in ("dict", "list", "set")
        if (empty or called) and not (os.path.basename(path) == "registry.py" and "_RULES" in ast.unparse(node)):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: os.path.relpath(p, RULES_DIR))
def test_rule_modules_keep_no_state_and_stay_small(path):
    state = _module_state(path)
    assert not state, "per-run caches belong on the RuleContext (ctx.memo):\n" + "\n".join(state)
    with open(path, encoding="utf-8") as fh:
        lines = sum(1 for _ in fh)
    assert lines <= MAX_LINES, f"{lines} lines: split it into modules named for what they do"


def test_module_state_check_sees_the_kinds_it_names(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import functools\n_SEEN = {}\n_ALL = list()\n\n@functools.lru_cache\ndef f(dep):\n"
                      "    global _SEEN\n    dep._mine = 1\n")
    assert len(_module_state(str(sample))) == 5


def test_notes_point_elsewhere_than_the_finding():
    """RTC105 once had a "see" note at its own span (a Caddy site block it would add)."""
    case = os.path.join(FIXTURES, "RTC105", "caddy-new-site-block", "tree")
    found = engine.check([case], Config()).diagnostics
    rtc105 = [d for d in found if d.code == "RTC105"]
    assert rtc105 and all(r.span != d.span for d in found for r in d.related)
    assert any(r.message.startswith("server_name") for d in rtc105 for r in d.related)


def test_fixture_expectations_name_registered_codes():
    unknown = set()
    for case in cases(FIXTURES):
        with open(os.path.join(case, "expected.json"), encoding="utf-8") as fh:
            expected = json.load(fh)
        unknown |= {m["code"] for m in expected.get("must", [])} - set(RULES)
        unknown |= set(expected.get("must_not", [])) - set(RULES)
    assert not unknown, sorted(unknown)


def test_memo_computes_once_per_run_and_again_for_the_next():
    calls = []
    first = RuleContext(Deployment(), Config())
    assert first.memo("k", lambda: calls.append(1) or len(calls)) == 1
    assert first.memo("k", lambda: calls.append(1) or len(calls)) == 1
    assert RuleContext(Deployment(), Config()).memo("k", lambda: calls.append(1) or len(calls)) == 2
