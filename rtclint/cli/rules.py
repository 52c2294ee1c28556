"""`rtclint rules` (the catalogue) and `rtclint rule` (one rule's page, by code or name)."""

from __future__ import annotations

import json
import sys

import click

from rtclint.cli.output import CommandError


def _row(r) -> dict:
    return {"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix,
            "fixable": r.fix != "manual", "summary": r.summary, "where": list(r.where)}


def list_rules(fmt: str) -> int:
    from rtclint.rules.registry import all_rules

    catalogue = all_rules().values()
    if fmt == "json":
        sys.stdout.write(json.dumps([_row(r) for r in catalogue], indent=2, ensure_ascii=False) + "\n")
        return 0
    for r in catalogue:
        sys.stdout.write(f"{r.code}  {r.name:<32} {r.severity.value:<8} {r.fix:<7} {r.summary}\n")
    return 0


def find_rule(rule_id: str):
    """The rule with this code (any case) or name, or None."""
    from rtclint.rules.registry import all_rules, get_rule

    found = get_rule(rule_id.upper())
    if found is None:
        found = next((r for r in all_rules().values() if r.name == rule_id.lower()), None)
    return found


def explain(rule_id: str | None, fmt: str) -> int:
    from rtclint.rules.docs import render_page
    from rtclint.rules.registry import all_rules

    if rule_id is None:
        chosen = list(all_rules().values())
    else:
        found = find_rule(rule_id)
        if found is None:
            raise CommandError(f"unknown rule '{rule_id}' (see `rtclint rules` for codes and names)")
        chosen = [found]
    if fmt == "json":
        pages = [dict(_row(r), page=render_page(r)) for r in chosen]
        sys.stdout.write(json.dumps(pages if rule_id is None else pages[0], indent=2, ensure_ascii=False) + "\n")
    else:
        click.echo("\n\n".join(render_page(r) for r in chosen))
    return 0
