"""The command line: `rtclint check`, `rtclint rules`, `rtclint rule`, `rtclint probe`,
`rtclint lsp`.

click parses every command line (rtclint/cli/app.py declares the commands and their
options); the work of `check` is in rtclint/cli/check.py. Exit codes, as ruff's: 0 nothing
at or above the fail level, 1 findings, 2 a usage, configuration or internal error, 130
interrupted (Ctrl-C). Heavy modules are imported inside the commands, so `--version` and
`--help` stay quick."""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = 130


def execute(argv: list[str] | None = None) -> int:
    """Run one command line and return its exit code (nothing is raised)."""
    import click

    from rtclint.cli.app import rtclint

    args = sys.argv[1:] if argv is None else list(argv)
    previous = _stop_at_once_on_ctrl_c()
    try:
        code = rtclint.main(args, prog_name="rtclint", standalone_mode=False)
        sys.stdout.flush()
    except click.exceptions.Exit as exc:  # --help, --version
        code = exc.exit_code
    except click.ClickException as exc:  # a bad command line: click's message, exit 2
        exc.show()
        code = exc.exit_code
    except click.exceptions.Abort:  # click's own Ctrl-C (in a prompt)
        code = _interrupted()
    except KeyboardInterrupt:
        code = _interrupted()
    except BrokenPipeError:  # `rtclint check | head`: the reader left; not an error of ours
        _silence_stdout()
        code = 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    return code if isinstance(code, int) else 0


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m rtclint`: run the command line and exit with its code
    (SystemExit, so callers that embed rtclint can catch it; `execute` returns it)."""
    sys.exit(execute(argv))


def run() -> None:
    """The installed `rtclint` command: `execute()`, flush, then leave without tearing the
    interpreter down. A check's model and every imported module would otherwise be freed
    one object at a time at exit: by instruction count, 10% of a one-file check (mypy exits
    the same way). rtclint registers no `atexit` work."""
    if sys.argv[1:2] == ["check"]:
        import gc

        # `check` runs without the cyclic collector (run_check says why); turned off
        # before the imports too, it spares their collections (~1% of a one-file check).
        gc.disable()
    code = execute()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or 1
    os._exit(code)


def _stop_at_once_on_ctrl_c():
    """Ctrl-C ends the run at once: one line on stderr, exit 130, no traceback, even in
    the middle of parsing (worker processes forked from here leave silently: the parent
    says it once). Files being fixed are written to a temporary file and renamed, so
    leaving mid-way never leaves half a file. Returns the previous handler."""
    if not hasattr(signal, "SIGINT") or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return None
    parent = os.getpid()

    def stop(signum, frame):
        if os.getpid() == parent:
            _interrupted()
        os._exit(INTERRUPTED)

    try:
        return signal.signal(signal.SIGINT, stop)
    except ValueError:  # not the main thread: leave Python's KeyboardInterrupt in place
        return None


def _interrupted() -> int:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    try:
        sys.stderr.write("\nrtclint: interrupted\n")
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        pass
    return INTERRUPTED


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush
    does not complain."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
