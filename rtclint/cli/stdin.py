"""`rtclint check -`: check text read from stdin, as editors and scripts pipe it.

`--stdin-filename` names the file: when it exists, the tree around it is checked with the
piped text in its place (so cross-file rules see the real neighbours); when it does not,
the text is checked alone under that name. Without it the kind is sniffed from the
content and the file is shown as `stdin`."""

from __future__ import annotations

import os
import sys
import tempfile

from rtclint.cli.output import Output
from rtclint.cli.settings import configure


def check_stdin(opts: dict, out: Output) -> int:
    from rtclint.cli.report import render
    from rtclint.engine import check as run_engine
    from rtclint.engine import overlaid

    data = sys.stdin.buffer.read()
    name = opts["stdin_filename"] or "stdin"
    if os.path.isfile(name):
        config, paths = configure([name], opts, out)
        with overlaid({os.path.abspath(name): data}):
            result = run_engine(paths, config)
    else:
        result, config = _alone(name, data, opts, out, run_engine)
    out.deliver(render(result, config, opts, out))
    failing = [d for d in result.diagnostics if d.severity.rank >= config.fail_on.rank]
    if config.fail_on.value == "info" and not failing:  # "nothing recognised" counts as information
        from rtclint.report.summary import nothing_recognised

        failing = nothing_recognised(result)
    return 0 if opts["exit_zero"] or not failing else 1


def _alone(name: str, data: bytes, opts: dict, out: Output, run_engine):
    """Check the text as a file `name` in an empty directory, shown under `name`."""
    config, _ = configure(["."], opts, out)
    relative = os.path.normpath(name).lstrip(os.sep)
    if relative.startswith(".."):
        relative = os.path.basename(relative)
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="rtclint-stdin-") as scratch:
        target = os.path.join(scratch, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
        os.chdir(scratch)  # paths are shown relative to the working directory: as `name`
        try:
            config.exclude = []  # the settings file's excludes are relative to its own directory
            result = run_engine([relative], config)
        finally:
            os.chdir(here)
    return result, config
