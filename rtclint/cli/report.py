"""The report of a check in the format asked for. Machine formats (json, sarif, github)
are plain `json`/strings and never load rich; the text formats are rendered by rich."""

from __future__ import annotations

from rtclint.cli.output import Output


def render(result, config, opts: dict, out: Output, fix_outcome=None):
    """The report's text, or for a machine format its text in chunks (Output.deliver
    writes either)."""
    fmt = opts["fmt"]
    fixed = _fixed_line(fix_outcome)
    if fmt in ("full", "concise"):
        return _text(result, opts, out, fix_outcome, fixed)
    if fixed:  # keep machine-readable output pure
        out.note(fixed)
    if fmt == "json" and opts["statistics"]:
        from rtclint.report.json_report import render_statistics

        return render_statistics(result, opts["unsafe_fixes"])
    from rtclint.report import emitter

    return emitter(fmt).render_chunks(result, config)


def _fixed_line(fix_outcome) -> str | None:
    if fix_outcome is None:
        return None
    from rtclint.fix.summary import fixed_line

    return fixed_line(fix_outcome)


def _text(result, opts: dict, out: Output, fix_outcome, fixed: str | None) -> str:
    from rtclint.report.summary import summary_lines
    from rtclint.report.text import TextOptions, console, render_findings

    options = TextOptions(fmt=opts["fmt"], colour=out.colour, width=out.width, show_fixes=opts["show_fixes"],
                          unsafe_fixes=opts["unsafe_fixes"] and not opts["fix"])
    con = console(options)
    if fix_outcome is not None and opts["show_fixes"]:
        _fixed_findings(con, fix_outcome)
    if opts["statistics"]:
        from rtclint.report.statistics import table

        if result.diagnostics:
            con.print(table(result.diagnostics, options.unsafe_fixes))
    else:
        render_findings(result, options, con)
    if not out.quiet:
        if result.diagnostics:
            con.print()
        if fixed:
            con.print(fixed, soft_wrap=True)
        paths = list(opts["paths"]) or ["."]
        for text, style in summary_lines(result, unsafe_fixes=options.unsafe_fixes, baseline=opts["baseline_path"],
                                         paths=paths, after_fix=fix_outcome is not None):
            con.print(text, style=style or None, soft_wrap=True)
    return con.file.getvalue()


def _fixed_findings(con, fix_outcome) -> None:
    """--fix --show-fixes: what was fixed, by file, as ruff lists it."""
    if not fix_outcome.fixed:
        return
    con.print("Fixed:", style="bold")
    for diag in fix_outcome.fixed:
        con.print(f"  {diag.path}: {diag.code} {diag.fix.message if diag.fix else diag.message}", soft_wrap=True)
    con.print()
