"""Step 6 of the pipeline: emitters, one module per output format, over the same
diagnostics. The machine formats expose `render(result, config) -> str` and use `json`
only; the text report (`full`, `concise`) is rendered with rich by rtclint/report/text.py."""

from __future__ import annotations

import importlib

EMITTERS = {
    "json": "rtclint.report.json_report",
    "sarif": "rtclint.report.sarif",
    "github": "rtclint.report.github",
    "html": "rtclint.report.html",
    "mermaid": "rtclint.report.mermaid",
}


def emitter(fmt: str):
    return Masked(importlib.import_module(EMITTERS[fmt]))


class Masked:
    """An emitter whose output has every secret of the checked tree masked, whatever the
    format quotes (source lines, fix contents, messages)."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def render(self, result, config, **options) -> str:
        from rtclint.model.secrets import of, scrub

        text = self._module.render(result, config, **options)
        deployment = getattr(result, "deployment", None)
        return of(deployment).mask(text) if deployment is not None else scrub(text)

    def render_chunks(self, result, config):
        """`render` in pieces, each masked (an emitter that has no pieces gives one). A
        chunk never splits a JSON string, so no secret is cut in two."""
        chunked = getattr(self._module, "render_chunks", None)
        if chunked is None:
            yield self.render(result, config)
            return
        from rtclint.model.secrets import mask_chunks

        yield from mask_chunks(chunked(result, config), getattr(result, "deployment", None))
