"""Step 6 of the pipeline: emitters, one module per output format, over the same
diagnostics. The machine formats expose `render(result, config) -> str` and use `json`
only; the text report (`full`, `concise`) is rendered with rich by rtclint/report/text.py."""

from __future__ import annotations

import importlib

EMITTERS = {
    "json": "rtclint.report.json_report",
    "sarif": "rtclint.report.sarif",
    "github": "rtclint.report.github",
}


def emitter(fmt: str):
    return importlib.import_module(EMITTERS[fmt])
