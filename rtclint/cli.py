"""The command line: `rtclint check`, `rtclint rules`, `rtclint rule CODE`, `rtclint probe`.

Exit codes: 0 nothing at or above the fail level, 1 findings, 2 usage/config/internal
error. Each command's options are declared once (`Option` tables below) and read two ways: an
ordinary command line by `quick_parse`, anything else (help, errors, abbreviations) by
argparse. A pre-commit run on one file starts a fresh interpreter per commit; a CLI
library's import and set-up (click ~25 ms, argparse ~10 ms) was a tenth of such a run. Heavy modules are imported inside the commands
so `--version` stays instant."""

from __future__ import annotations

import sys

from rtclint import __version__

FORMATS = ("text", "json", "sarif", "github")
DESCRIPTION = ("Lint and fix the configuration of self-hosted Matrix calls (Element Call / MatrixRTC with "
               "LiveKit): reverse proxy, well-known, lk-jwt-service, LiveKit, Synapse.")


class UsageError(Exception):
    """A bad command line: reported like argparse's own errors, exit 2."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the `rtclint` command."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()
    except BrokenPipeError:  # `rtclint check | head`: the reader left; not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    sys.exit(code)


def run() -> None:
    """The installed `rtclint` command: `main()`, then leave without tearing the
    interpreter down. A check's model and every imported module would otherwise be freed
    one object at a time at exit: by instruction count, 10% of a one-file check and 9% of
    a 60-file nginx tree (mypy exits the same way). Output is flushed first, and rtclint
    registers no `atexit` work. `python -m rtclint` and `main()` exit normally, for
    callers that catch SystemExit."""
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):  # what the interpreter does with a message as exit code
        sys.stderr.write(code + "\n")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or 1
    import os

    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(_top_help())
        return 0 if args else 2
    if args[0] == "--version":
        print(f"rtclint, version {__version__}")
        return 0
    command = COMMANDS.get(args[0])
    if command is None:
        _echo_err(f"rtclint: error: no such command '{args[0]}'\n\n{_top_help()}")
        return 2
    # options may follow the paths (intermixed); argparse only when the quick reading
    # cannot decide (help, errors, abbreviations)
    options = quick_parse(command, args[1:]) or argparser(command).parse_intermixed_args(args[1:])
    try:
        return command.run(options)
    except UsageError as exc:
        parser = argparser(command)
        parser.print_usage(sys.stderr)
        _echo_err(f"{parser.prog}: error: {exc}")
        return 2


def _top_help() -> str:
    rows = "\n".join(f"  {name:<7} {command.summary}" for name, command in COMMANDS.items())
    return (f"usage: rtclint [--version] [-h] COMMAND [ARGS]...\n\n{DESCRIPTION}\n\ncommands:\n{rows}\n\n"
            "Run `rtclint COMMAND --help` for a command's options.")


class Option:
    """One option of a command: `kind` is 'flag' (store_true), 'value' or 'append'."""

    def __init__(self, *flags: str, dest: str | None = None, kind: str = "value", choices=None, default=None,
                 metavar: str | None = None, help: str | None = None) -> None:
        self.flags = flags
        self.dest = dest or flags[0].lstrip("-").replace("-", "_")
        self.kind = kind
        self.choices = choices
        self.default = [] if kind == "append" else (False if kind == "flag" else default)
        self.metavar = metavar
        self.help = help


class Command:
    """A subcommand: its positional argument (`many`: any number of them, else exactly one),
    its options, and the function that runs it with the parsed options."""

    def __init__(self, name: str, summary: str, positional: tuple[str, str, bool], options: list[Option],
                 run) -> None:
        self.name = name
        self.summary = summary
        self.positional = positional  # (dest, metavar, many)
        self.options = options
        self.run = run


def argparser(command: Command):
    """The argparse parser of a command: help text, abbreviations and error messages."""
    import argparse

    def formatter(prog: str):
        # with the width given, argparse does not import shutil (and bz2, lzma, zlib) for it
        return argparse.HelpFormatter(prog, width=_help_width())

    parser = argparse.ArgumentParser(prog=f"rtclint {command.name}", description=command.summary,
                                     formatter_class=formatter)
    dest, metavar, many = command.positional
    if dest:
        parser.add_argument(dest, nargs="*" if many else None, metavar=metavar)
    for opt in command.options:
        extra = {"action": "store_true"} if opt.kind == "flag" else {
            "action": "append" if opt.kind == "append" else "store", "choices": opt.choices, "metavar": opt.metavar}
        shown = opt.help
        if opt.default not in (None, False, []):
            shown = f"{shown or ''} (default: {opt.default})".strip()
        parser.add_argument(*opt.flags, dest=opt.dest, default=opt.default, help=shown, **extra)
    return parser


def quick_parse(command: Command, args: list[str]):
    """The options of an ordinary command line, read without argparse (whose import and
    set-up are ~10 ms of a one-file pre-commit run), or None when argparse must decide:
    help, an unknown or abbreviated option, a missing or invalid value, `--`."""
    from types import SimpleNamespace

    by_flag = {flag: opt for opt in command.options for flag in opt.flags}
    values = {opt.dest: list(opt.default) if opt.kind == "append" else opt.default for opt in command.options}
    positionals: list[str] = []
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-") or arg == "-":
            positionals.append(arg)
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        opt = by_flag.get(name)
        if opt is None:
            return None
        if opt.kind == "flag":
            if eq:
                return None
            values[opt.dest] = True
            continue
        value = inline if eq else next(rest, None)
        if value is None or (not eq and value.startswith("-")) or (opt.choices and value not in opt.choices):
            return None
        if opt.kind == "append":
            values[opt.dest].append(value)
        else:
            values[opt.dest] = value
    dest, _, many = command.positional
    if many:
        values[dest] = positionals
    elif dest:
        if len(positionals) != 1:
            return None
        values[dest] = positionals[0]
    elif positionals:
        return None
    return SimpleNamespace(**values)


def _help_width() -> int:
    """The terminal's width less 2, as argparse computes it (COLUMNS, else the terminal, else 80)."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (ValueError, OSError, AttributeError):
        columns = 80
    return max(columns - 2, 11)


def _echo(text: str) -> None:
    sys.stdout.write(text)


def _echo_err(text: str) -> None:
    from rtclint.model.secrets import scrub  # errors may quote what they choked on

    sys.stderr.write(scrub(text) + "\n")


def _codes(value: str | None) -> list[str]:
    if not value:
        return []
    return [c.strip().upper() for c in value.replace(" ", ",").split(",") if c.strip()]


# ---- check -------------------------------------------------------------------------


CHECK_OPTIONS = [
    Option("--format", dest="fmt", choices=FORMATS, default="text", help="How to report findings."),
    Option("--output", "-o", metavar="FILE", help="Write the report to FILE."),
    Option("--select", help="Only these codes or prefixes (comma-separated), e.g. RTC1,RTC301."),
    Option("--ignore", help="Skip these codes or prefixes (comma-separated)."),
    Option("--exit-zero", kind="flag", help="Exit 0 even when problems are found."),
    Option("--statistics", kind="flag", help="Count findings per rule."),
    Option("--config", dest="config_path", metavar="FILE", help="Configuration file to use."),
    Option("--no-cache", kind="flag", help="Parse every file again; do not read or write .rtclint_cache/."),
    Option("--no-suppressions", kind="flag", help="Ignore `# rtclint: disable=…` comments; show everything."),
    Option("--baseline", dest="baseline_path", metavar="FILE", help="Hide the findings recorded in this baseline file."),
    Option("--write-baseline", metavar="FILE",
           help="Record every current finding in FILE (for --baseline) and exit 0."),
    Option("--context", dest="context_dir", metavar="DIR",
           help="Read the whole tree under DIR (for cross-file rules) but report only findings that involve the "
                "PATHS given. The pre-commit hook runs `rtclint check --context . FILES`."),
    Option("--fix", kind="flag", help="Apply the safe fixes, then report what remains."),
    Option("--unsafe-fixes", kind="flag", help="With --fix or --diff: also the unsafe fixes."),
    Option("--diff", kind="flag",
           help="Print the changes --fix would make as a unified diff and write nothing (exit 1 if any)."),
]


def run_check(opts) -> int:
    """The check command; a crash is reported as an rtclint bug (exit 2), never a traceback."""
    import gc

    # A check builds a model whose objects all live until the report is written, so the
    # cyclic collector only walks them again and again: a quarter of the time of a big
    # tree. Measured on the bench's x3 corpus: 11.2 s -> 8.5 s, the same peak memory
    # (293 MB). Only the CLI process does this; library callers keep their settings.
    gc.disable()
    _check_paths(opts)
    try:
        return _check(opts.paths, opts)
    except (UsageError, BrokenPipeError):
        raise
    except Exception as exc:  # an rtclint bug: say so plainly, exit 2
        _echo_err(f"rtclint: internal error: {type(exc).__name__}: {exc}")
        return 2


def _check_paths(opts) -> None:
    """The path options' own errors, before any work (what click's Path types checked)."""
    import os

    if opts.context_dir is not None and not os.path.isdir(opts.context_dir):
        raise UsageError(f"--context: '{opts.context_dir}' is not a directory")
    for name in ("output", "config_path", "baseline_path", "write_baseline"):
        value = getattr(opts, name)
        if value is not None and os.path.isdir(value):
            raise UsageError(f"'{value}' is a directory, not a file")


def _check(paths: list[str], opts) -> int:
    """The check command's work."""
    from rtclint.engine import check as run_engine
    from rtclint.rules.registry import all_rules

    config, paths = _configure(paths, opts)
    if config is None:
        return 2
    known = all_rules()
    for code in _codes(opts.select) + _codes(opts.ignore):
        if not any(k.startswith(code) for k in known):
            raise UsageError(f"unknown rule code or prefix '{code}' (see `rtclint rules`)")
    if opts.select:
        config.select = _codes(opts.select)
    if opts.ignore:
        config.ignore += _codes(opts.ignore)
    if opts.diff:
        return _diff(paths or ["."], config, opts)
    if opts.fix:
        result, fixed_line = _fix(paths or ["."], config, opts)
    else:
        result, fixed_line = run_engine(paths or ["."], config, use_cache=not opts.no_cache), None
    if opts.write_baseline:
        return _write_baseline(opts.write_baseline, result)
    rendered = _render(result, config, opts)
    if fixed_line is not None:
        if opts.fmt == "text":
            rendered += fixed_line + "\n"
        else:  # keep machine-readable output pure
            _echo_err(fixed_line)
    if not _deliver(rendered, opts.output):
        return 2
    failing = [d for d in result.diagnostics if d.severity.rank >= config.fail_on.rank]
    return 0 if opts.exit_zero or not failing else 1


def _render(result, config, opts) -> str:
    from rtclint.report import emitter

    module = emitter(opts.fmt)
    if opts.fmt != "text":
        return module.render(result, config)
    import os

    colour = opts.output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return module.render(result, config, colour=colour, statistics=opts.statistics)


def _deliver(rendered: str, output: str | None) -> bool:
    """Print the report or write it to --output; False (after saying why) if it cannot."""
    if not output:
        _echo(rendered)
        return True
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(rendered)
    except OSError as exc:  # a usage problem (missing directory, no permission), not findings
        _echo_err(f"rtclint: error: cannot write the report to '{output}': {exc.strerror}")
        return False
    return True


def _fix(paths: list[str], config, opts):
    """--fix: apply fixes and write; returns the check of what remains and the summary."""
    from rtclint.engine import check as run_engine
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import failure_lines, fixed_line

    outcome = fix_paths(paths, config, unsafe=opts.unsafe_fixes)
    for line in failure_lines(outcome):
        _echo_err(line)
    result = outcome.result
    if outcome.failures:  # something was not written: report what is really on disk
        result = run_engine(paths, config)
    return result, fixed_line(outcome)


def _diff(paths: list[str], config, opts) -> int:
    """--diff: print what --fix would change; exit 1 when it would change anything."""
    from rtclint.fix import fix_paths
    from rtclint.fix.summary import diff_text, failure_lines, would_fix_line

    outcome = fix_paths(paths, config, unsafe=opts.unsafe_fixes, write=False)
    _echo(diff_text(outcome))
    for line in failure_lines(outcome):
        _echo_err(line)
    _echo_err(would_fix_line(outcome))
    return 1 if outcome.plan.changed() else 0


def _configure(paths: list[str], opts):
    """The settings file (--config, else the nearest one) with the ecosystem options
    applied; prints the error and returns (None, paths) when it is unusable."""
    import os

    from rtclint.config_file import ConfigError, load_config

    context = opts.context_dir
    try:
        config = load_config([context] if context else (paths or ["."]), opts.config_path)
    except ConfigError as exc:
        _echo_err(f"rtclint: error: {exc}")
        return None, paths
    config.use_suppressions = not opts.no_suppressions
    if opts.write_baseline:
        config.baseline = None  # record everything, including what an old baseline hides
    elif opts.baseline_path:
        from rtclint.baseline import BaselineError, read

        try:
            read(opts.baseline_path)
        except BaselineError as exc:
            _echo_err(f"rtclint: error: {exc}")
            return None, paths
        config.baseline = opts.baseline_path
    if context:
        config.report_on = [os.path.abspath(p) for p in paths] if paths else None
        paths = [context, *paths]
    return config, paths


def _write_baseline(path: str, result) -> int:
    from rtclint import baseline

    count = baseline.write(path, result.diagnostics, result.documents)
    _echo_err(f"rtclint: recorded {count} finding{'s' if count != 1 else ''} in {path}")
    return 0


# ---- rules, rule ---------------------------------------------------------------------


RULES_OPTIONS = [Option("--format", dest="fmt", choices=("text", "json"), default="text", help="Output format.")]


def run_rules(opts) -> int:
    import json

    from rtclint.rules.registry import all_rules

    catalogue = all_rules().values()
    if opts.fmt == "json":
        rows = [{"code": r.code, "name": r.name, "severity": r.severity.value, "fix": r.fix,
                 "fixable": r.fix != "manual", "summary": r.summary, "where": list(r.where)} for r in catalogue]
        _echo(json.dumps(rows, indent=2) + "\n")
        return 0
    for r in catalogue:
        _echo(f"{r.code}  {r.name:<32} {r.severity.value:<8} {r.fix:<7} {r.summary}\n")
    return 0


def run_rule(opts) -> int:
    from rtclint.rules.docs import render_page
    from rtclint.rules.registry import get_rule

    found = get_rule(opts.code)
    if found is None:
        _echo_err(f"rtclint: unknown rule '{opts.code}' (see `rtclint rules`)")
        return 2
    _echo(render_page(found) + "\n")
    return 0


# ---- probe ---------------------------------------------------------------------------


PROBE_OPTIONS = [
    Option("--format", dest="fmt", choices=("text", "json"), default="text", help="Output format."),
    Option("--access-token", help="A Matrix access token, to read the transports endpoint."),
    Option("--livekit-url", help="The JWT service's LIVEKIT_URL (it only reveals it for a valid OpenID token)."),
    Option("--origin", default="https://app.element.io", help="Origin header sent like a browser."),
    Option("--insecure", kind="flag", help="Accept certificates that do not verify (labs); reported as warnings."),
    Option("--cacert", metavar="FILE", help="Also trust this CA bundle (PEM)."),
    Option("--resolve", dest="resolves", kind="append", metavar="HOST:PORT:ADDR",
           help="Connect to ADDR for HOST:PORT, keeping Host and SNI (like curl). Repeatable."),
    Option("--connect-to", dest="connects", kind="append", metavar="HOST:PORT:ADDR:PORT2",
           help="Connect to ADDR:PORT2 for HOST:PORT, keeping Host and SNI (like curl). Repeatable."),
]


def run_probe(opts) -> int:
    import os

    from rtclint.probe import main as probe_main

    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return probe_main(opts.server_name, fmt=opts.fmt, access_token=opts.access_token, livekit_url=opts.livekit_url,
                      origin=opts.origin, insecure=opts.insecure, cacert=opts.cacert, resolves=opts.resolves,
                      connects=opts.connects, colour=colour)


COMMANDS = {command.name: command for command in (
    Command("check", "Check PATHS (default: the current directory).", ("paths", "PATH", True), CHECK_OPTIONS,
            run_check),
    Command("rules", "List every rule: code, name, severity, fix and summary.", ("", "", False), RULES_OPTIONS,
            run_rules),
    Command("rule", "Explain one rule (its documentation page).", ("code", "CODE", False), [], run_rule),
    Command("probe", "Walk a live deployment the way Element Call does and pin the first place it breaks.",
            ("server_name", "SERVER_NAME", False), PROBE_OPTIONS, run_probe),
)}


if __name__ == "__main__":
    main()
