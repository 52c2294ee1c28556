"""Every example and every rule fixture with a fix, as the language server would serve it
(in process, without the wire: tests/test_lsp.py covers the exchange): each finding
becomes a diagnostic whose range lies inside its file, hovering its start shows its
rule's page, and each quick fix's workspace edit, applied with LSP's semantics (ranges
in UTF-16 code units on the original text), writes exactly the text rtclint's own fixer
writes for that fix."""

from __future__ import annotations

import glob
import os

import pytest
from lsprotocol import types as lsp
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec

from conftest import ROOT
from rtclint.fix.edits import apply_edits, edits_by_path
from rtclint.lsp.checks import Workspace
from rtclint.lsp.convert import diagnostic
from rtclint.lsp.features import code_actions, hover
from test_lsp import apply_text_edits

TREES = sorted(glob.glob(os.path.join(ROOT, "examples", "*", "")) +
               [os.path.join(os.path.dirname(f), "tree", "") for f in
                glob.glob(os.path.join(ROOT, "tests", "fixtures", "rules", "*", "*", "fixed"))])
CODEC = PositionCodec(lsp.PositionEncodingKind.Utf16)


@pytest.mark.parametrize("tree", TREES, ids=lambda t: os.path.relpath(t, ROOT))
def test_every_finding_and_fix_converts_faithfully(tree):
    folder = os.path.abspath(tree)
    snapshot = Workspace([folder]).check({})
    assert snapshot.documents and not snapshot.problems
    fixes = 0
    for path, found in snapshot.diagnostics.items():
        doc = snapshot.documents.get(path)
        for diag in found:
            item = diagnostic(diag, snapshot, folder, CODEC)
            if doc is not None:
                assert 0 <= item.range.start.line <= item.range.end.line < doc.line_count + 1
                page = hover(snapshot, path, item.range.start, CODEC)
                assert page is not None and diag.code in page.contents.value
        if doc is None:
            continue
        whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=doc.line_count, character=0))
        for action in code_actions(snapshot, path, whole, CODEC, True):
            fixed = next(d for d in found if d.fix and d.code == action.diagnostics[0].code
                         and diagnostic(d, snapshot, folder, CODEC).range == action.diagnostics[0].range)
            for change in action.edit.document_changes:
                target, target_doc = snapshot.locate(folder, os.path.relpath(to_fs_path(change.text_document.uri), folder))
                edits = edits_by_path([fixed.fix])[target_doc.path]
                assert apply_text_edits(target_doc.text, change.edits) == apply_edits(target_doc.text, edits,
                                                                                      target_doc.newline)
                fixes += 1
    assert fixes or "fixed" not in os.listdir(os.path.dirname(os.path.dirname(tree)))
