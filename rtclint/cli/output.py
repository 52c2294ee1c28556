"""Where a command's words go: the report to stdout or `-o FILE`, notes and errors to
stderr, as -q/-s/-v ask; whether to colour; how wide the terminal is; the progress
display of long runs."""

from __future__ import annotations

import contextlib
import os
import sys

import click

# The width of reports that go to no terminal (a pipe, a file, CI logs) and no COLUMNS says
# otherwise: wide enough for a one-line JSON well-known's span with some context.
NO_TERMINAL_WIDTH = 120


class CommandError(click.ClickException):
    """A command that cannot do its work (an unwritable report, an unusable settings
    file): the message on stderr, exit 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"rtclint: error: {self.format_message()}", err=True, file=file)


def use_colour(choice: str, stream, to_file: bool = False) -> bool:
    """`--color`: always/never as asked; auto colours a terminal only, and NO_COLOR (any
    non-empty value, no-color.org) beats FORCE_COLOR, which beats the terminal test."""
    if choice in ("always", "never"):
        return choice == "always"
    if to_file or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_width() -> int:
    """COLUMNS, else the terminal's width, else NO_TERMINAL_WIDTH (shutil's rule, without
    importing shutil and the compression modules it loads)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return max(20, columns or NO_TERMINAL_WIDTH)


def on_ci_or_hook() -> bool:
    """CI systems set CI; pre-commit sets PRE_COMMIT in its hooks' environment."""
    return bool(os.environ.get("CI") or os.environ.get("PRE_COMMIT"))


class Output:
    def __init__(self, opts: dict) -> None:
        self.file = opts.get("output")
        self.quiet = opts.get("quiet", False) or opts.get("silent", False)
        self.silent = opts.get("silent", False)
        self.verbose_on = opts.get("verbose", False)
        self.colour = use_colour(opts.get("color", "auto"), sys.stdout, to_file=self.file is not None)
        self.width = terminal_width()
        self.text_report = opts.get("fmt") in ("full", "concise")

    def deliver(self, text) -> None:
        """The report (a text, or its chunks) to `-o FILE` (even when silent) or stdout
        (unless silent)."""
        if self.file:
            try:
                with open(self.file, "w", encoding="utf-8") as fh:
                    _write_in_slices(fh, text)
            except OSError as exc:  # a usage problem (missing directory, no permission), not findings
                raise CommandError(f"cannot write the report to '{self.file}': {exc.strerror}") from None
            self.verbose(f"rtclint: report written to {self.file}")
        elif not self.silent:
            _write_in_slices(sys.stdout, text)

    def note(self, line: str) -> None:
        """A side remark on stderr (counts, what was recorded); not with -q or -s."""
        if not self.quiet:
            sys.stderr.write(line + "\n")

    def error(self, line: str) -> None:
        """Something went wrong or was not done; said unless --silent. Errors may quote
        what they choked on, so secrets known from the run are masked first."""
        if not self.silent:
            from rtclint.model.secrets import scrub

            sys.stderr.write(scrub(line) + "\n")

    def verbose(self, line: str) -> None:
        if self.verbose_on:
            sys.stderr.write(line + "\n")

    def progress(self, message: str):
        """A spinner on stderr while a long run works: only on a terminal, only for the
        text report (rich is not loaded for machine formats), never with -q/-s, in CI or
        in a pre-commit hook."""
        if self.quiet or not self.text_report or on_ci_or_hook() or not _isatty(sys.stderr):
            return contextlib.nullcontext()
        from rtclint.cli.progress import Progress

        return Progress(message, colour=use_colour("auto", sys.stderr))


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


SLICE = 1 << 20  # characters


def _write_in_slices(stream, text) -> None:
    """`stream.write` of a text or of each of its chunks, a megabyte at a time: the stream
    encodes what it is given at once, and a big report's bytes next to its text were the
    peak of a big run."""
    for chunk in [text] if isinstance(text, str) else text:
        for start in range(0, len(chunk), SLICE):
            stream.write(chunk[start:start + SLICE])
