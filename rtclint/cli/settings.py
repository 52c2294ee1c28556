"""The settings of one check: the settings file, then the command line over it, with
ruff's meanings: `--select` replaces the file's `select`, `--extend-select` adds to it,
`--ignore` adds to the file's `ignore`; each is comma-separated and repeatable, and the
repeats add up."""

from __future__ import annotations

import os

import click

from rtclint.cli.output import CommandError, Output


def codes(values) -> list[str]:
    """The codes of repeated, comma- (or space-) separated values, upper-cased."""
    found: list[str] = []
    for value in values or ():
        found += [c.strip().upper() for c in value.replace(" ", ",").split(",") if c.strip()]
    return found


def configure(paths: list[str], opts: dict, out: Output):
    """(Config, paths to check) for this command line; raises a usage error (exit 2) for an
    unknown code and CommandError for an unusable settings or baseline file."""
    from rtclint.config_file import ConfigError, load_config
    from rtclint.diagnostics import Severity

    context = opts["context_dir"]
    try:
        config = load_config([context] if context else paths, opts["config_path"])
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    out.verbose(f"rtclint: settings from {config.source}" if config.source else "rtclint: no settings file found")
    _select(config, opts)
    if opts["fail_on"]:
        config.fail_on = Severity(opts["fail_on"])
    config.use_suppressions = not opts["no_suppressions"]
    if opts["write_baseline"]:
        config.baseline = None  # record everything, including what an old baseline hides
    elif opts["baseline_path"]:
        from rtclint.baseline import BaselineError, read

        try:
            read(opts["baseline_path"])
        except BaselineError as exc:
            raise CommandError(str(exc)) from None
        config.baseline = opts["baseline_path"]
    if context:
        config.report_on = [os.path.abspath(p) for p in opts["paths"]] if opts["paths"] else None
        paths = [context, *opts["paths"]]
    return config, paths


def _select(config, opts: dict) -> None:
    from rtclint.rules import known_codes

    known = known_codes()
    for option in ("select", "extend_select", "ignore"):
        for code in codes(opts[option]):
            if not any(k.startswith(code) for k in known):
                raise click.BadParameter(f"unknown rule code or prefix '{code}' (see `rtclint rules`)",
                                         param_hint=f"'--{option.replace('_', '-')}'")
    if opts["select"]:
        config.select = codes(opts["select"])
    extend = codes(opts["extend_select"])
    if extend and config.select:  # an empty selection already means every rule
        config.select = config.select + extend
    config.opt_in = config.opt_in + extend + (["RTC006"] if opts.get("show_unknown") else [])
    config.ignore = config.ignore + codes(opts["ignore"])
