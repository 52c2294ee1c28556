"""`--output-format html` in a real browser: Debian's Chromium, driven by playwright
(browser downloads are impossible here, so playwright launches /usr/bin/chromium).

The page loads with no console error and no request besides itself, its hops carry the
states of the JSON report, it fits 375 px and 1440 px, follows the dark scheme, works
without JavaScript and quotes no secret. The screenshots land in build/screenshots/
(git-ignored) for a person to look at; docs/callpath-report.png is one of them."""

import json
import os
import shutil

import pytest

from conftest import ROOT, run_rtclint

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.path.join(ROOT, "build", "screenshots")
EXAMPLES = os.path.join(ROOT, "examples")
TREES = ["caddy-compose-seed", "caddy-compose-fixed", "ess-nginx-8443"]
SECRET = "7f3c9a2e5b8d1f4a6c0e9b2d5f8a1c3e"  # examples/caddy-compose-fixed/livekit.env
SHORT_SECRET = "Zq8vR2mK7tX4pL9wB3nJ"  # 20 characters: RTC401 (livekit-secret-short)


def reports(tree, out_dir, cwd=None):
    """(path of the HTML page, the JSON payload) of one check."""
    page = os.path.join(out_dir, "report.html")
    proc = run_rtclint(["check", "--no-cache", "--output-format", "html", "-o", page, tree], cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    proc = run_rtclint(["check", "--no-cache", "--output-format", "json", tree], cwd=cwd)
    return page, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # --no-sandbox: the suite runs as root, where Chromium's sandbox refuses to start
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def open_page(browser, path, width=1440, scheme="light", javascript=True):
    """The page at `path`, with every console error, page error and request recorded."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                  java_script_enabled=javascript)
    page = context.new_page()
    seen = {"errors": [], "requests": []}
    page.on("console", lambda msg: seen["errors"].append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on("request", lambda req: seen["requests"].append(req.url))
    page.goto("file://" + path)
    page.wait_for_load_state("load")
    return context, page, seen


def drawn_states(page):
    return page.evaluate("""() => [...document.querySelectorAll('section.deployment')].map(s =>
        [s.dataset.deployment,
         [...s.querySelectorAll('.path [data-hop]')].map(e => [e.dataset.hop, e.dataset.state])])""")


def json_states(payload):
    return [[p["deployment"], [[h["hop"], h["state"]] for h in p["hops"]]] for p in payload["call_paths"]]


@pytest.mark.parametrize("name", TREES)
def test_the_page_draws_the_json_hops_and_loads_nothing(browser, tmp_path, name):
    path, payload = reports(os.path.join(EXAMPLES, name), str(tmp_path))
    context, page, seen = open_page(browser, path)
    try:
        assert seen["errors"] == []
        assert seen["requests"] == ["file://" + path]  # the page itself, nothing else
        assert drawn_states(page) == json_states(payload)
        # each hop's details carry the same state, and every finding is shown once
        details = page.evaluate("""() => [...document.querySelectorAll('article.detail')].map(
            e => [e.dataset.hop, e.dataset.state])""")
        assert details == [hop for _dep, hops in json_states(payload) for hop in hops]
        assert page.locator(".finding").count() == len(payload["diagnostics"])
        assert page.locator("script").count() == 0
    finally:
        context.close()


def test_the_broken_hop_is_marked_and_shows_source_and_fix(browser, tmp_path):
    path, payload = reports(os.path.join(EXAMPLES, "caddy-compose-seed"), str(tmp_path))
    context, page, _seen = open_page(browser, path)
    try:
        node = page.locator('.path [data-hop="well-known"]')
        assert node.get_attribute("data-state") == "broken"
        assert "broken" in node.inner_text()
        broken_border = node.locator(".node").evaluate("e => getComputedStyle(e).borderTopColor")
        ok_border = page.locator('.path [data-hop="media"] .node').evaluate("e => getComputedStyle(e).borderTopColor")
        assert broken_border != ok_border
        rtc100 = page.locator('article[data-hop="well-known"] .finding[data-code="RTC100"]')
        assert "respond /.well-known/matrix/client" in rtc100.locator("pre.snippet").inner_text()
        diff = rtc100.locator("pre.diff").inner_text()
        assert "+++ b/examples/caddy-compose-seed/Caddyfile" in diff
        assert any(line.startswith("+") and line.rstrip().endswith("}]}`") for line in diff.splitlines())
        # the diagram's hops link to their details: usable without a script
        node.locator("a").click()
        assert page.evaluate("location.hash") == "#d0-well-known"
    finally:
        context.close()


def test_readable_at_375_and_1440_and_in_both_schemes(browser, tmp_path):
    path, _payload = reports(os.path.join(EXAMPLES, "caddy-compose-seed"), str(tmp_path))
    os.makedirs(SHOTS, exist_ok=True)
    backgrounds = {}
    for width in (375, 1440):
        for scheme in ("light", "dark"):
            context, page, seen = open_page(browser, path, width=width, scheme=scheme)
            try:
                assert seen["errors"] == []
                # nothing wider than the window: long lines scroll inside their own box
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                boxes = page.evaluate("""() => [...document.querySelectorAll('.path li.hop')].map(e => {
                    const r = e.getBoundingClientRect(); return [r.left, r.top, r.width]; })""")
                if width == 375:  # stacked: one hop under the other, each the full width
                    assert all(b[1] > a[1] for a, b in zip(boxes, boxes[1:]))
                    assert min(b[2] for b in boxes) > 300
                else:  # side by side on one row
                    assert len({round(b[1]) for b in boxes}) == 1
                    assert all(b[0] > a[0] for a, b in zip(boxes, boxes[1:]))
                backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
                for suffix, whole in (("", True), ("-top", False)):  # the whole page; the first screen
                    shot = os.path.join(SHOTS, f"callpath-{width}-{scheme}{suffix}.png")
                    page.screenshot(path=shot, full_page=whole)
                    assert os.path.getsize(shot) > 10_000
            finally:
                context.close()
    assert backgrounds["light"] == "rgb(255, 255, 255)"
    assert backgrounds["dark"] == "rgb(13, 17, 23)"


def test_without_javascript_the_page_is_the_same(browser, tmp_path):
    path, payload = reports(os.path.join(EXAMPLES, "caddy-compose-seed"), str(tmp_path))
    context, page, seen = open_page(browser, path, javascript=False)
    try:
        assert seen["errors"] == []
        assert drawn_states(page) == json_states(payload)
        assert page.locator("article.detail").first.is_visible()
    finally:
        context.close()


def test_every_deployment_gets_its_diagram(browser, tmp_path):
    shutil.copytree(os.path.join(EXAMPLES, "caddy-compose-fixed"), tmp_path / "prod")
    shutil.copytree(os.path.join(EXAMPLES, "caddy-compose-seed"), tmp_path / "staging")
    out = tmp_path / "out"
    out.mkdir()
    path, payload = reports(".", str(out), cwd=str(tmp_path))
    context, page, seen = open_page(browser, path)
    try:
        assert seen["errors"] == [] and len(seen["requests"]) == 1
        states = drawn_states(page)
        assert [name for name, _hops in states] == ["prod", "staging"]
        assert states == json_states(payload)
    finally:
        context.close()


def test_a_secret_on_a_quoted_line_is_masked(browser, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(os.path.join(EXAMPLES, "caddy-compose-fixed"), tree)
    env = tree / "livekit.env"
    env.write_text(env.read_text().replace(SECRET, SHORT_SECRET))  # RTC401 quotes the line
    path, payload = reports(str(tree), str(tmp_path))
    assert "RTC401" in {d["code"] for d in payload["diagnostics"]}
    with open(path, encoding="utf-8") as fh:
        html = fh.read()
    assert SHORT_SECRET not in html and "*" * len(SHORT_SECRET) in html
    context, page, seen = open_page(browser, path)
    try:
        snippet = page.locator('.finding[data-code="RTC401"] pre.snippet').first.inner_text()
        assert "LIVEKIT_KEYS=callkey: " + "*" * len(SHORT_SECRET) in snippet
    finally:
        context.close()


def test_an_empty_tree_says_so(browser, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    path, payload = reports(str(empty), str(tmp_path))
    context, page, seen = open_page(browser, path)
    try:
        assert seen["errors"] == [] and payload["call_paths"] == []
        assert "no call path" in page.inner_text("main")
    finally:
        context.close()
