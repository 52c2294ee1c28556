"""The options of `rtclint check`, with ruff's names and meanings where ruff has them."""

from __future__ import annotations

import click

OUTPUT_FORMATS = ("full", "concise", "text", "json", "sarif", "github", "html", "mermaid")
FILE = click.Path(dir_okay=False, writable=False)


def _option(*decls, **kwargs):
    return click.option(*decls, **kwargs)


OPTIONS = [
    # output
    _option("--output-format", "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="full",
            show_default=True,
            help="full: each finding with its source line and a caret; concise: one line per finding (`text` is "
                 "an alias of full); json: the documented contract (docs/json.md); sarif: SARIF 2.1.0 for code "
                 "scanning; github: workflow annotations; html: a page that draws each deployment's call path and "
                 "where it breaks (with -o report.html); mermaid: the call path as a Mermaid flowchart."),
    _option("-o", "--output-file", "--output", "output", metavar="FILE", type=FILE,
            help="Write the report (or, with --diff, the diff) to FILE instead of stdout."),
    _option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
            help="Colour the text report: auto = only on a terminal; NO_COLOR and FORCE_COLOR are honoured."),
    _option("-q", "--quiet", is_flag=True, help="Print the findings and nothing else (no summary, no progress)."),
    _option("-s", "--silent", is_flag=True,
            help="Print nothing; the exit status still says whether there were findings."),
    _option("-v", "--verbose", is_flag=True, help="Also say which settings file was used and what was read."),
    _option("--statistics", is_flag=True,
            help="Print a table of counts per rule (count, code, name, fixable) instead of the findings."),
    _option("--show-fixes", is_flag=True, help="Show each finding's fix, and after --fix, what was fixed."),
    # which rules
    _option("--select", multiple=True, metavar="CODES",
            help="Only these codes or prefixes (comma-separated, repeatable), e.g. RTC1,RTC301. Replaces the "
                 "settings file's `select`."),
    _option("--extend-select", multiple=True, metavar="CODES",
            help="Add these codes or prefixes to the selection (repeatable)."),
    _option("--show-unknown", is_flag=True,
            help="Also report (RTC006) each route whose answer to a client request rtclint cannot evaluate."),
    _option("--ignore", multiple=True, metavar="CODES",
            help="Skip these codes or prefixes (comma-separated, repeatable); adds to the settings file's `ignore`."),
    _option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
            help="The lowest severity that makes the exit status 1 (default: the settings file's, else warning)."),
    _option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    # settings and scope
    _option("--config", "config_path", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
            help="Settings file to use instead of the nearest rtclint.toml, .rtclint.toml or pyproject.toml."),
    _option("--context", "context_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False),
            help="Read the whole tree under DIR (for cross-file rules) but report only findings that involve "
                 "the PATHS given. The pre-commit hook runs `rtclint check --context . FILES`."),
    _option("--stdin-filename", metavar="NAME",
            help="With `-` as the path: the name of the file read from stdin (it decides the file kind)."),
    _option("--no-cache", is_flag=True, help="Parse every file again; do not read or write .rtclint_cache/."),
    _option("--no-suppressions", is_flag=True, help="Ignore `# rtclint: disable=…` comments; show everything."),
    _option("--baseline", "baseline_path", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
            help="Hide the findings recorded in this baseline file (the summary says how many)."),
    _option("--write-baseline", metavar="FILE", type=FILE,
            help="Record every current finding in FILE (for --baseline) and exit 0."),
    # fixes
    _option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains."),
    _option("--unsafe-fixes", is_flag=True,
            help="Also the unsafe fixes: applied with --fix or --diff; alone, shown as available."),
    _option("--diff", is_flag=True,
            help="Print the changes --fix would make as a unified diff and write nothing (exit 1 if any). "
                 "A diff is text: only with the full or concise format."),
]


def check_options(func):
    """Decorate the check command with every option, in the order --help lists them."""
    for option in reversed(OPTIONS):
        func = option(func)
    return func
