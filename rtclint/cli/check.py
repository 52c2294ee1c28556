"""`rtclint check`: settings, the engine, fixes, the report and the exit status."""

from __future__ import annotations

import os

import click

from rtclint.cli.output import Output
from rtclint.cli.settings import configure

TEXT_FORMATS = ("full", "concise")


def run_check(opts: dict) -> int:
    """The check command; a crash is reported as an rtclint bug (exit 2), never a traceback."""
    import gc

    # A check builds a model whose objects all live until the report is written, so the
    # cyclic collector only walks them again and again: a quarter of the time of a big
    # tree. Only the CLI process does this; library callers keep their settings.
    gc.disable()
    opts["fmt"] = "full" if opts["fmt"] == "text" else opts["fmt"]
    _refuse_combinations(opts)
    paths = list(opts["paths"]) or ["."]
    _refuse_missing(paths)
    out = Output(opts)
    try:
        if paths == ["-"]:
            from rtclint.cli.stdin import check_stdin

            return check_stdin(opts, out)
        return _check(paths, opts, out)
    except (click.ClickException, BrokenPipeError, KeyboardInterrupt):
        raise
    except Exception as exc:  # an rtclint bug: say so plainly, exit 2
        out.error(f"rtclint: internal error: {type(exc).__name__}: {exc}")
        return 2


# Options that cannot go together, named both ways in the error.
INCOMPATIBLE = [
    ("diff", "fix", "--diff shows what --fix would write; give one of them"),
    ("diff", "statistics", "--diff prints a diff, not a table"),
    ("diff", "write_baseline", "--diff writes nothing"),
    ("fix", "write_baseline", "a baseline records findings as they are"),
    ("quiet", "verbose", "they ask for less and more"),
    ("silent", "verbose", "they ask for nothing and more"),
]


def _refuse_combinations(opts: dict) -> None:
    def flag(name: str) -> str:
        return "--" + name.replace("_", "-")

    for a, b, why in INCOMPATIBLE:
        if opts[a] and opts[b]:
            raise click.UsageError(f"{flag(a)} cannot be used with {flag(b)}: {why}")
    fmt = opts["fmt"]
    if opts["diff"] and fmt not in TEXT_FORMATS:
        raise click.UsageError(f"--diff cannot be used with --output-format {fmt}: a diff is text "
                               "(use --fix, or --output-format full)")
    if opts["statistics"] and fmt not in TEXT_FORMATS + ("json",):
        raise click.UsageError(f"--statistics cannot be used with --output-format {fmt} "
                               "(statistics are a table or JSON)")
    if opts["stdin_filename"] and list(opts["paths"]) != ["-"]:
        raise click.UsageError("--stdin-filename is for reading stdin: give `-` as the only path")
    if "-" in opts["paths"] and len(opts["paths"]) > 1:
        raise click.UsageError("`-` (stdin) must be the only path")
    if "-" in opts["paths"] and (opts["fix"] or opts["diff"] or opts["write_baseline"]):
        raise click.UsageError("--fix, --diff and --write-baseline need files, not stdin (`-`)")


def _refuse_missing(paths: list[str]) -> None:
    """A path that does not exist is a mistake on the command line, not a finding."""
    for path in paths:
        if path != "-" and not os.path.lexists(path):
            raise click.BadParameter(f"'{path}' does not exist", param_hint="'[PATH]...'")


def _check(paths: list[str], opts: dict, out: Output) -> int:
    from rtclint.engine import check as run_engine

    config, paths = configure(paths, opts, out)
    if opts["diff"]:
        return _diff(paths, config, opts, out)
    fix_outcome = None
    with out.progress(f"Checking {_describe(paths)}"):
        if opts["fix"]:
            fix_outcome, result = _fix(paths, config, opts, out)
        else:
            result = run_engine(paths, config, use_cache=not opts["no_cache"])
            if not opts["write_baseline"]:
                result = _keep_promises(paths, config, opts, result)
    if opts["write_baseline"]:
        return _write_baseline(opts["write_baseline"], result, out)
    out.verbose(f"rtclint: {result.files_checked} file{'s' if result.files_checked != 1 else ''} read")
    from rtclint.cli.report import render

    out.deliver(render(result, config, opts, out, fix_outcome))
    failing = [d for d in result.diagnostics if d.severity.rank >= config.fail_on.rank]
    if config.fail_on.value == "info" and not failing:  # "nothing recognised" counts as information
        from rtclint.report.summary import nothing_recognised

        failing = nothing_recognised(result)
    return 0 if opts["exit_zero"] or not failing else 1


def _keep_promises(paths: list[str], config, opts: dict, result):
    """`[*]` and fix data promise what --fix will do (fix/promises.py). A run offering
    no fix does not load the fixer at all."""
    from rtclint.diagnostics import applicable

    if not any(applicable(d, True) for d in result.diagnostics):
        return result
    from rtclint.fix.promises import keep_promises

    return keep_promises(paths, config, result, opts["unsafe_fixes"])


def _describe(paths: list[str]) -> str:
    return paths[0] if len(paths) == 1 else f"{len(paths)} paths"


def _fix(paths: list[str], config, opts: dict, out: Output):
    """--fix: apply fixes and write; returns the outcome and the check of what remains."""
    from rtclint.engine import check as run_engine
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import failure_lines

    outcome = fix_paths(paths, config, unsafe=opts["unsafe_fixes"])
    for line in failure_lines(outcome):
        out.error(line)
    result = outcome.result
    if outcome.failures:  # something was not written: report what is really on disk
        result = run_engine(paths, config)
    return outcome, result


def _diff(paths: list[str], config, opts: dict, out: Output) -> int:
    """--diff: print (or write to -o) what --fix would change; exit 1 when it would change
    anything. The count goes to stderr so the diff stays a clean patch."""
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import diff_text, failure_lines, would_fix_line

    with out.progress(f"Checking {_describe(paths)}"):
        outcome = fix_paths(paths, config, unsafe=opts["unsafe_fixes"], write=False)
    out.deliver(diff_text(outcome))
    for line in failure_lines(outcome):
        out.error(line)
    out.note(would_fix_line(outcome))
    return 1 if outcome.plan.changed() else 0


def _write_baseline(path: str, result, out: Output) -> int:
    from rtclint import baseline

    try:
        count = baseline.write(path, result.diagnostics, result.documents)
    except OSError as exc:
        raise click.FileError(path, exc.strerror) from None
    out.note(f"rtclint: recorded {count} finding{'s' if count != 1 else ''} in {path}")
    return 0
