"""The command line: `rtclint check`, `rtclint rules`, `rtclint rule CODE`.

Exit codes: 0 nothing at or above the fail level, 1 findings, 2 usage/config/internal
error. Heavy modules are imported inside the commands so `--version` stays instant."""

from __future__ import annotations

import sys

import click

from rtclint import __version__

FORMATS = ("text", "json", "sarif", "github")


def _codes(value: str | None) -> list[str]:
    if not value:
        return []
    return [c.strip().upper() for c in value.replace(" ", ",").split(",") if c.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="rtclint")
def main() -> None:
    """Lint and fix the configuration of self-hosted Matrix calls (Element Call /
    MatrixRTC with LiveKit): reverse proxy, well-known, lk-jwt-service, LiveKit, Synapse."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--select", help="Only these codes or prefixes (comma-separated), e.g. RTC1,RTC301.")
@click.option("--ignore", help="Skip these codes or prefixes (comma-separated).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file to use.")
@click.option("--no-cache", is_flag=True, help="Parse every file again; do not read or write .rtclint_cache/.")
@click.option("--no-suppressions", is_flag=True, help="Ignore `# rtclint: disable=…` comments; show everything.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
              help="Hide the findings recorded in this baseline file.")
@click.option("--write-baseline", "write_baseline", type=click.Path(dir_okay=False),
              help="Record every current finding in FILE (for --baseline) and exit 0.")
@click.option("--context", "context_dir", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Read the whole tree under DIR (for cross-file rules) but report only findings that "
                   "involve the PATHS given. The pre-commit hook runs `rtclint check --context . FILES`.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: also the unsafe fixes.")
@click.option("--diff", is_flag=True,
              help="Print the changes --fix would make as a unified diff and write nothing (exit 1 if any).")
def check(paths, **opts) -> None:
    """Check PATHS (default: the current directory)."""
    try:
        code = _check(list(paths), opts)
    except click.ClickException:
        raise
    except Exception as exc:  # an rtclint bug: say so plainly, exit 2
        click.echo(f"rtclint: internal error: {type(exc).__name__}: {exc}", err=True)
        code = 2
    sys.exit(code)


def _check(paths: list[str], opts: dict) -> int:
    """The check command's work; `opts` holds every option by its parameter name."""
    from rtclint.engine import check as run_check
    from rtclint.report import emitter
    from rtclint.rules.registry import all_rules

    fmt, output = opts["fmt"], opts["output"]
    config, paths = _configure(paths, opts)
    if config is None:
        return 2
    known = all_rules()
    for code in _codes(opts["select"]) + _codes(opts["ignore"]):
        if not any(k.startswith(code) for k in known):
            raise click.UsageError(f"unknown rule code or prefix '{code}' (see `rtclint rules`)")
    if opts["select"]:
        config.select = _codes(opts["select"])
    if opts["ignore"]:
        config.ignore += _codes(opts["ignore"])
    if opts.get("diff"):
        return _diff(paths or ["."], config, opts)
    if opts.get("fix"):
        result, fixed_line = _fix(paths or ["."], config, opts)
    else:
        result, fixed_line = run_check(paths or ["."], config, use_cache=not opts["no_cache"]), None
    if opts.get("write_baseline"):
        return _write_baseline(opts["write_baseline"], result)
    to_tty = output is None and sys.stdout.isatty()
    module = emitter(fmt)
    if fmt == "text":
        rendered = module.render(result, config, colour=to_tty, statistics=opts["statistics"])
    else:
        rendered = module.render(result, config)
    if fixed_line is not None:
        if fmt == "text":
            rendered += fixed_line + "\n"
        else:  # keep machine-readable output pure
            click.echo(fixed_line, err=True)
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(rendered)
        except OSError as exc:
            error = click.FileError(output, exc.strerror)
            error.exit_code = 2  # a usage problem, not findings
            raise error from None
    else:
        click.echo(rendered, nl=False)
    failing = [d for d in result.diagnostics if d.severity.rank >= config.fail_on.rank]
    return 0 if opts["exit_zero"] or not failing else 1


def _fix(paths: list[str], config, opts: dict):
    """--fix: apply fixes and write; returns the check of what remains and the summary."""
    from rtclint.engine import check as run_check
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import failure_lines, fixed_line

    outcome = fix_paths(paths, config, unsafe=opts.get("unsafe_fixes", False))
    for line in failure_lines(outcome):
        click.echo(line, err=True)
    result = outcome.result
    if outcome.failures:  # something was not written: report what is really on disk
        result = run_check(paths, config)
    return result, fixed_line(outcome)


def _diff(paths: list[str], config, opts: dict) -> int:
    """--diff: print what --fix would change; exit 1 when it would change anything."""
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import diff_text, failure_lines, would_fix_line

    outcome = fix_paths(paths, config, unsafe=opts.get("unsafe_fixes", False), write=False)
    click.echo(diff_text(outcome), nl=False)
    for line in failure_lines(outcome):
        click.echo(line, err=True)
    click.echo(would_fix_line(outcome), err=True)
    return 1 if outcome.plan.changed() else 0


def _configure(paths: list[str], opts: dict):
    """The settings file (--config, else the nearest one) with the ecosystem options
    applied; prints the error and returns (None, paths) when it is unusable."""
    import os

    from rtclint.config_file import ConfigError, load_config

    context = opts.get("context_dir")
    try:
        config = load_config([context] if context else (paths or ["."]), opts.get("config_path"))
    except ConfigError as exc:
        click.echo(f"rtclint: error: {exc}", err=True)
        return None, paths
    config.use_suppressions = not opts.get("no_suppressions")
    if opts.get("write_baseline"):
        config.baseline = None  # record everything, including what an old baseline hides
    elif opts.get("baseline_path"):
        from rtclint.baseline import BaselineError, read

        try:
            read(opts["baseline_path"])
        except BaselineError as exc:
            click.echo(f"rtclint: error: {exc}", err=True)
            return None, paths
        config.baseline = opts["baseline_path"]
    if context:
        config.report_on = [os.path.abspath(p) for p in paths] if paths else None
        paths = [context, *paths]
    return config, paths


def _write_baseline(path: str, result) -> int:
    from rtclint import baseline

    count = baseline.write(path, result.diagnostics, result.documents)
    click.echo(f"rtclint: recorded {count} finding{'s' if count != 1 else ''} in {path}", err=True)
    return 0


@main.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(fmt) -> None:
    """List every rule: code, name, severity, fix and summary."""
    import json

    from rtclint.rules.registry import all_rules

    catalogue = all_rules().values()
    if fmt == "json":
        rows = [{"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix,
                 "fixable": r.fix != "manual", "summary": r.summary, "where": list(r.where)} for r in catalogue]
        click.echo(json.dumps(rows, indent=2))
        return
    for r in catalogue:
        click.echo(f"{r.code}  {r.name:<32} {r.severity.value:<8} {r.fix:<7} {r.summary}")


@main.command()
@click.argument("code")
def rule(code) -> None:
    """Explain one rule (its documentation page)."""
    from rtclint.rules.docs import render_page
    from rtclint.rules.registry import get_rule

    found = get_rule(code)
    if found is None:
        click.echo(f"rtclint: unknown rule '{code}' (see `rtclint rules`)", err=True)
        sys.exit(2)
    click.echo(render_page(found))


@main.command()
@click.argument("server_name")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--access-token", help="A Matrix access token, to read the transports endpoint.")
@click.option("--livekit-url", help="The JWT service's LIVEKIT_URL (it only reveals it for a valid OpenID token).")
@click.option("--origin", default="https://app.element.io", show_default=True, help="Origin header sent like a browser.")
@click.option("--insecure", is_flag=True, help="Accept certificates that do not verify (labs); reported as warnings.")
@click.option("--cacert", type=click.Path(exists=True, dir_okay=False), help="Also trust this CA bundle (PEM).")
@click.option("--resolve", "resolves", multiple=True, metavar="HOST:PORT:ADDR",
              help="Connect to ADDR for HOST:PORT, keeping Host and SNI (like curl). Repeatable.")
@click.option("--connect-to", "connects", multiple=True, metavar="HOST:PORT:ADDR:PORT2",
              help="Connect to ADDR:PORT2 for HOST:PORT, keeping Host and SNI (like curl). Repeatable.")
def probe(server_name, fmt, access_token, livekit_url, origin, insecure, cacert, resolves, connects) -> None:
    """Walk a live deployment the way Element Call does and pin the first place it breaks."""
    from rtclint.probe import MISSING_HTTPX, AddressMap, ProbeOptions, ProbeUsageError, httpx_missing, run_probe
    from rtclint.probe.render import render_json, render_text

    if httpx_missing():
        click.echo(f"rtclint: {MISSING_HTTPX}", err=True)
        sys.exit(2)
    addresses = AddressMap()
    try:
        for spec in resolves:
            addresses.add_resolve(spec)
        for spec in connects:
            addresses.add_connect_to(spec)
    except ProbeUsageError as exc:
        raise click.UsageError(str(exc)) from None
    options = ProbeOptions(server_name.strip().rstrip("/"), origin, access_token, livekit_url, insecure, cacert, addresses)
    try:
        report = run_probe(options)
    except Exception as exc:  # an rtclint bug, not a finding about the deployment: exit 2 like `check`
        click.echo(f"rtclint: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
    click.echo(render_json(report) if fmt == "json" else render_text(report, colour=sys.stdout.isatty()), nl=False)
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
