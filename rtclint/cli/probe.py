"""`rtclint probe SERVER_NAME`: the probe's options turned into its settings."""

from __future__ import annotations

import sys

import click

from rtclint.cli.output import use_colour


def run_probe(opts: dict) -> int:
    from rtclint.probe import MISSING_HTTPX, AddressMap, ProbeOptions, ProbeUsageError, httpx_missing
    from rtclint.probe import run_probe as walk

    if httpx_missing():
        click.echo(f"rtclint: {MISSING_HTTPX}", err=True)
        return 2
    addresses = AddressMap()
    try:
        for spec in opts["resolves"]:
            addresses.add_resolve(spec)
        for spec in opts["connects"]:
            addresses.add_connect_to(spec)
    except ProbeUsageError as exc:
        raise click.UsageError(str(exc)) from None
    options = ProbeOptions(opts["server_name"].strip().rstrip("/"), opts["origin"], opts["access_token"],
                           opts["livekit_url"], opts["insecure"], opts["cacert"], addresses)
    try:
        report = walk(options)
    except Exception as exc:  # an rtclint bug, not a finding about the deployment: exit 2 like `check`
        click.echo(f"rtclint: internal error: {type(exc).__name__}: {exc}", err=True)
        return 2
    from rtclint.probe.render import render_json, render_text

    if opts["fmt"] == "json":
        sys.stdout.write(render_json(report))
    else:
        sys.stdout.write(render_text(report, colour=use_colour(opts["color"], sys.stdout)))
    return 0 if report.ok else 1
