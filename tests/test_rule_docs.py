"""Rule documentation: every code in the catalogue is implemented, documented in its
docstring (the sections users read) and has its generated page in rules/. Fixture cases
for every rule are required by test_rule_meta.py."""

import os
import re

import pytest

from conftest import ROOT, SHARED
from rtclint.rules.docs import render_page
from rtclint.rules.registry import all_rules

RULES = all_rules()
CATALOGUE = os.path.join(SHARED, "spec", "RULES.md")
SECTIONS = ("## What it does", "## Why", "## Fix")


def catalogue_codes() -> dict[str, tuple[str, str]]:
    """code -> (name, severity letter(s)) from the shared catalogue."""
    out = {}
    with open(CATALOGUE, encoding="utf-8") as fh:
        for line in fh:
            m = re.match(r"\| (RTC\d{3}) \| ([a-z0-9-]+) \| ([^|]+) \|", line)
            if m:
                out[m.group(1)] = (m.group(2), m.group(3).strip())
    return out


def test_every_catalogue_code_is_implemented_under_its_name():
    for code, (name, _sev) in catalogue_codes().items():
        assert code in RULES, f"{code} not implemented"
        assert RULES[code].name == name, (code, RULES[code].name, name)


def test_severities_match_the_catalogue():
    letters = {"error": "E", "warning": "W", "info": "I"}
    for code, (_name, sev) in catalogue_codes().items():
        assert sev.startswith(letters[RULES[code].severity.value]), (code, sev, RULES[code].severity)


@pytest.mark.parametrize("code", sorted(RULES))
def test_docstring_has_the_sections(code):
    doc = RULES[code].doc
    for section in SECTIONS:
        assert section in doc, f"{code} docstring lacks {section}"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_page_is_generated_from_the_docstring(code):
    path = os.path.join(ROOT, "rules", f"{code}.md")
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == render_page(RULES[code]), f"rules/{code}.md is stale: run `make docs`"
