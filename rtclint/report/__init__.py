"""Step 6 of the pipeline: emitters, one module per output format, over the same
diagnostics. Each exposes `render(result, config) -> str`."""

from __future__ import annotations

import importlib

EMITTERS = {
    "text": "rtclint.report.text",
    "json": "rtclint.report.json_report",
    "sarif": "rtclint.report.sarif",
    "github": "rtclint.report.github",
}


def emitter(fmt: str):
    return importlib.import_module(EMITTERS[fmt])
