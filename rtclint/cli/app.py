"""The commands and their options, declared with click. Each command's work is imported
when it runs, so `--help` and `--version` load no engine, parser or rule."""

from __future__ import annotations

import click

from rtclint import __version__
from rtclint.cli.check_options import check_options

DESCRIPTION = ("Lint and fix the configuration of self-hosted Matrix calls (Element Call / MatrixRTC with "
               "LiveKit): reverse proxy, well-known, lk-jwt-service, LiveKit, Synapse.")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Commands(click.Group):
    """`rtclint` alone prints the help (exit 2, as a usage error); commands in the order
    they are declared."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=Commands, context_settings=CONTEXT, help=DESCRIPTION, no_args_is_help=True,
             epilog="Run `rtclint COMMAND --help` for a command's options.")
@click.version_option(__version__, "--version", prog_name="rtclint", message="%(prog)s, version %(version)s",
                      help="Print rtclint's version and exit.")
def rtclint() -> None:
    pass


@rtclint.command(context_settings=CONTEXT, short_help="Check files and directories (default: the current one).")
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@check_options
def check(**options) -> int:
    """Check PATHS (files or directories; default: the current directory; `-` reads stdin).

    Exit status: 0 no finding at or above the fail level, 1 findings, 2 a usage,
    configuration or internal error, 130 interrupted."""
    from rtclint.cli.check import run_check

    return run_check(options)


@rtclint.command(context_settings=CONTEXT)
@click.option("--output-format", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="How to list the rules.")
def rules(fmt: str) -> int:
    """List every rule: code, name, severity, fix and summary."""
    from rtclint.cli.rules import list_rules

    return list_rules(fmt)


@rtclint.command(context_settings=CONTEXT)
@click.argument("rule_id", metavar="CODE|NAME", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print the page of every rule.")
@click.option("--output-format", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Text (the rule's page) or JSON (code, name, severity, fix, summary, page).")
def rule(rule_id: str | None, show_all: bool, fmt: str) -> int:
    """Explain a rule: by code (`RTC101`) or by name (`missing-rtc-foci`)."""
    from rtclint.cli.rules import explain

    if show_all == (rule_id is not None):
        raise click.UsageError("give a rule's CODE or NAME, or --all (not both)")
    return explain(rule_id, fmt)


@rtclint.command(context_settings=CONTEXT, short_help="Walk a live deployment as Element Call does.")
@click.argument("server_name", metavar="SERVER_NAME")
@click.option("--output-format", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--access-token", metavar="TOKEN", help="A Matrix access token, to read the transports endpoint.")
@click.option("--livekit-url", metavar="URL",
              help="The JWT service's LIVEKIT_URL (it only reveals it for a valid OpenID token).")
@click.option("--origin", default="https://app.element.io", show_default=True,
              help="Origin header sent like a browser.")
@click.option("--insecure", is_flag=True, help="Accept certificates that do not verify (labs); reported as warnings.")
@click.option("--cacert", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
              help="Also trust this CA bundle (PEM).")
@click.option("--resolve", "resolves", multiple=True, metavar="HOST:PORT:ADDR",
              help="Connect to ADDR for HOST:PORT, keeping Host and SNI (like curl). Repeatable.")
@click.option("--connect-to", "connects", multiple=True, metavar="HOST:PORT:ADDR:PORT2",
              help="Connect to ADDR:PORT2 for HOST:PORT, keeping Host and SNI (like curl). Repeatable.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output: auto = only on a terminal (NO_COLOR and FORCE_COLOR honoured).")
def probe(**options) -> int:
    """Walk a live deployment the way Element Call does and pin the first place it breaks."""
    from rtclint.cli.probe import run_probe

    return run_probe(options)


@rtclint.command(context_settings=CONTEXT, short_help="Run the language server (LSP over stdio) for editors.")
@click.option("--stdio", is_flag=True, help="Talk on stdin/stdout (the only transport; accepted as editors pass it).")
def lsp(stdio: bool) -> int:
    """Serve rtclint's findings, fixes and rule pages to an editor over the Language Server
    Protocol on stdin/stdout (needs the `lsp` extra: pip install 'rtclint[lsp]')."""
    from rtclint.cli.output import CommandError

    try:
        from rtclint.lsp.server import serve
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        raise CommandError(f"`rtclint lsp` needs {missing}: pip install 'rtclint[lsp]'") from None
    return serve()
