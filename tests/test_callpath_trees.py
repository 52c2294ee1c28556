"""The call path on every test tree: the JSON, the HTML page and the Mermaid flowchart
never fail and always agree; a sample with every combination of hop states seen is
opened in the real Chromium and rendered by the real mermaid-cli."""

import os
import re
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import ROOT
from rtclint.engine import check
from rtclint.report import emitter
from rtclint.report.json_report import call_paths
from rtclint.report.summary import recognised_files

pytestmark = pytest.mark.browser

FIXTURES = os.path.join(ROOT, "tests", "fixtures")
MERMAID = os.path.join(ROOT, "tests", "mermaid")
NODE_LINE = re.compile(r'^    d(\d+)_(\w+)\["([^"]*)"\]:::(ok|broken|unknown)$')


def trees():
    found = [os.path.join(ROOT, "examples", name) for name in sorted(os.listdir(os.path.join(ROOT, "examples")))
             if os.path.isdir(os.path.join(ROOT, "examples", name))]
    for directory, dirs, files in os.walk(FIXTURES):
        dirs.sort()
        if files and not dirs:
            found.append(directory)
    return found


class Hops(HTMLParser):
    """The (data-hop, data-state) of every diagram node of the page, per deployment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[list[tuple[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-deployment" in attrs:
            self.found.append([])
        elif tag == "li" and "data-hop" in attrs:
            self.found[-1].append((attrs["data-hop"], attrs["data-state"]))


def outputs(tree):
    result = check([tree])
    if not recognised_files(result):  # nothing of a call setup (RTC004's look-alikes): no path to draw
        return None
    return (call_paths(result), emitter("html").render(result, None), emitter("mermaid").render(result, None))


@pytest.fixture(scope="module")
def every_tree():
    drawn = {tree: outputs(tree) for tree in trees()}
    return {tree: pictures for tree, pictures in drawn.items() if pictures is not None}


def test_every_tree_has_a_path_and_both_pictures_agree_with_it(every_tree):
    assert len(every_tree) >= 300
    for tree, (paths, html, mermaid) in every_tree.items():
        assert paths, tree
        parser = Hops()
        parser.feed(html)
        expected = [[(h["hop"], h["state"]) for h in p["hops"]] for p in paths]
        assert parser.found == expected, tree
        drawn = [(int(d), hop.replace("_", "-"), state) for d, hop, _label, state in
                 (m.groups() for m in map(NODE_LINE.match, mermaid.splitlines()) if m)]
        assert drawn == [(i, hop, state) for i, hops in enumerate(expected) for hop, state in hops], tree


def test_a_sample_of_every_state_combination_renders_in_the_real_programs(every_tree, tmp_path):
    from playwright.sync_api import sync_playwright

    sample = {}
    for tree, (paths, html, mermaid) in every_tree.items():
        sample.setdefault(tuple(h["state"] for p in paths for h in p["hops"]), (tree, html, mermaid))
    assert len(sample) >= 8  # enough different pictures to mean something
    blocks = "\n".join(f"```mermaid\n{mermaid}```\n" for _tree, _html, mermaid in sample.values())
    (tmp_path / "all.md").write_text(blocks, encoding="utf-8")
    proc = subprocess.run([os.path.join(MERMAID, "node_modules", ".bin", "mmdc"), "-q", "-i", str(tmp_path / "all.md"),
                           "-o", str(tmp_path / "out.md"), "-p", os.path.join(MERMAID, "puppeteer.json")],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    svgs = sorted(p for p in os.listdir(tmp_path) if p.endswith(".svg"))
    assert len(svgs) == len(sample)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            errors, requests = [], []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            for index, (tree, html, _mermaid) in enumerate(sample.values()):
                path = tmp_path / f"page{index}.html"
                path.write_text(html, encoding="utf-8")
                page.goto(f"file://{path}")
                states = page.evaluate("[...document.querySelectorAll('.path [data-hop]')].map(e => e.dataset.state)")
                assert states == [s for s in list(sample)[index]], tree
                assert errors == [] and requests[-1] == f"file://{path}", tree
            assert len(requests) == len(sample)
        finally:
            browser.close()
