"""The import contracts of pyproject.toml ([tool.importlinter]) hold: `lint-imports`, the
ecosystem's checker, run over the package as installed in .venv. One test per contract,
so a broken one names itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

LINT_IMPORTS = os.path.join(os.path.dirname(sys.executable), "lint-imports")

with open(os.path.join(ROOT, "pyproject.toml"), "rb") as _fh:
    CONTRACTS = {c["id"]: c["name"] for c in tomllib.load(_fh)["tool"]["importlinter"]["contracts"]}

@pytest.fixture(scope="module")
def verdicts() -> dict[str, str]:
    """Contract name -> 'KEPT' or 'BROKEN', from one run of lint-imports."""
    if not os.path.exists(LINT_IMPORTS):
        pytest.fail(f"{LINT_IMPORTS} missing: `make setup` installs the test extras (import-linter)")
    env = dict(os.environ, COLUMNS="400")
    proc = subprocess.run([LINT_IMPORTS, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    text = " ".join(proc.stdout.split())  # names wrapped over lines read as one
    found = {}
    for name in CONTRACTS.values():
        match = re.search(re.escape(name) + r" (KEPT|BROKEN)", text)
        assert match, f"lint-imports did not report on {name!r}:\n{proc.stdout}\n{proc.stderr}"
        found[name] = match.group(1)
    assert (proc.returncode == 0) == all(v == "KEPT" for v in found.values()), proc.stdout
    return found


@pytest.mark.parametrize("contract_id", list(CONTRACTS))
def test_contract_holds(verdicts, contract_id):
    assert verdicts[CONTRACTS[contract_id]] == "KEPT", f"run `.venv/bin/lint-imports` for the imports that break it"


def test_the_contracts_cover_every_layer():
    """Every module directly under rtclint/ sits in the layers contract (the package root
    aside)."""
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        contracts = tomllib.load(fh)["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["id"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    package = os.path.join(ROOT, "rtclint")
    present = {f"rtclint.{name[:-3] if name.endswith('.py') else name}" for name in os.listdir(package)
               if (name.endswith(".py") and name != "__init__.py")
               or os.path.isfile(os.path.join(package, name, "__init__.py"))}
    assert present - placed == set()
