"""One deployment at a time, on real trees: every folder of the upstream corpus, the
examples and the rule fixtures reports from above exactly what it reports checked by
itself — the same findings, with the same deployment names in their messages."""

import os

import pytest

from conftest import ROOT, SHARED
from rtclint import engine
from rtclint.config import Config

UPSTREAM = os.path.join(SHARED, "corpus", "upstream")
PARENTS = [UPSTREAM, os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "fixtures", "rules", "RTC105"),
           os.path.join(ROOT, "tests", "fixtures", "rules", "RTC304")]


def _found(paths):
    result = engine.check(paths, Config())
    # RTC007 says that two deployments claim one host: a finding only a run holding both can make
    return {(d.code, d.span, d.message) for d in result.diagnostics if d.code != "RTC007"}


@pytest.mark.parametrize("parent", PARENTS, ids=os.path.basename)
def test_each_folder_reports_from_above_what_it_reports_alone(parent):
    whole = _found([parent])
    folders = sorted(e.path for e in os.scandir(parent) if e.is_dir())
    assert len(folders) >= 2
    for folder in folders:
        prefix = os.path.relpath(folder) + "/" if not os.path.relpath(folder).startswith("..") else folder + "/"
        mine = {f for f in whole if f[1].path.startswith(prefix)}
        assert _found([folder]) == mine, folder
