"""rtclint's HAProxy parser against the real HAProxy (`haproxy -c -f`, Debian's 2.6).

- every HAProxy fixture under tests/fixtures that rtclint parses without RTC001, and
  that is a whole configuration (not a section body kept on its own), is accepted by
  `haproxy -c` after environment-only substitutions (certificate files → a temporary
  self-signed PEM, server host names → 127.0.0.1);
- every file in tests/fixtures/haproxy/broken is rejected by HAProxy, rtclint reports
  RTC001 for it on the line HAProxy names, and where HAProxy names a position in the
  line ("at position N"), rtclint's column is N.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from servers import is_literal_host as _resolvable

from rtclint.document import Document
from rtclint.parsers import haproxy as haproxy_parser

HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
BROKEN = os.path.join(FIXTURES, "haproxy", "broken")


def read(path: str):
    with open(path, "rb") as fh:
        doc = Document.from_bytes(path, os.path.abspath(path), "haproxy", fh.read())
    return haproxy_parser.read(doc, None), doc


def haproxy_files() -> list[str]:
    from rtclint.discover import discover

    found = []
    for base in (os.path.join(FIXTURES, "haproxy", "good"), os.path.join(FIXTURES, "rules")):
        found += [c.abspath for c in discover([base]) if c.kind == "haproxy"]
    return sorted(found)


@pytest.fixture(scope="module")
def pem(tmp_path_factory):
    d = tmp_path_factory.mktemp("haproxy-cert")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem"), "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True, timeout=60)
    combined = d / "combined.pem"
    combined.write_text((d / "cert.pem").read_text() + (d / "key.pem").read_text())
    return combined


def substitute(doc: Document, pem) -> str:
    """Replace certificate paths and unresolvable server hosts at the tokenizer's spans."""
    text = doc.text
    edits = []
    for section in haproxy_parser.parse_config(doc).sections:
        for line in section.lines:
            words = line.words
            for k, w in enumerate(words[:-1]):
                if line.keyword == "bind" and w.value in ("crt", "ca-file", "crt-list"):
                    edits.append((words[k + 1].start, words[k + 1].end, str(pem)))
            if line.keyword == "server" and len(words) >= 3:
                host = words[2].value.rsplit(":", 1)[0]
                if host and not host.startswith("[") and not _resolvable(host):
                    edits.append((words[2].start, words[2].start + len(host), "127.0.0.1"))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def run_haproxy(path: str, text: str | None = None, tmp_path=None) -> subprocess.CompletedProcess:
    if text is not None:
        copy = tmp_path / os.path.basename(path)
        copy.write_text(text)
        path = str(copy)
    return subprocess.run([HAPROXY, "-c", "-f", path], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(path))


def sort_fixtures(files: list[str]) -> tuple[list[str], list[str]]:
    """(accepted, refused): whole configurations rtclint reads cleanly, which HAProxy must
    accept, and files where rtclint reports a syntax error (RTC001), which it must refuse.
    Sorted here, at collection, so that no test is generated only to be skipped. Left out:
    section bodies kept on their own and files without a frontend (not a whole
    configuration: HAProxy refuses them for that alone)."""
    accepted, refused = [], []
    for src in files:
        facts, doc = read(src)
        if any(d.code == "RTC001" for d in facts.diagnostics):
            refused.append(src)
        elif facts.subkind != "fragment" and any(s.kind in ("frontend", "listen")
                                                  for s in haproxy_parser.parse_config(doc).sections):
            accepted.append(src)
    return accepted, refused


GOOD = haproxy_files()
ACCEPTED, REFUSED = sort_fixtures(GOOD)


def test_haproxy_is_installed():
    """`make test` installs it (tools/install-system-deps.sh): a missing haproxy fails here."""
    assert HAPROXY is not None, "haproxy is not installed (run `make test-deps`)"


@pytest.mark.parametrize("src", ACCEPTED, ids=[os.path.relpath(f, FIXTURES) for f in ACCEPTED])
def test_haproxy_accepts_what_rtclint_parses(src, tmp_path, pem):
    _facts, doc = read(src)
    proc = run_haproxy(src, substitute(doc, pem), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("src", REFUSED, ids=[os.path.relpath(f, FIXTURES) for f in REFUSED])
def test_haproxy_refuses_what_rtclint_reports_broken(src, tmp_path, pem):
    _facts, doc = read(src)
    proc = run_haproxy(src, substitute(doc, pem), tmp_path)
    assert proc.returncode != 0, f"HAProxy accepts {src}, which rtclint reports as broken"


def test_good_fixtures_exist():
    assert len([f for f in ACCEPTED if "/haproxy/good/" in f]) >= 2


BROKEN_FILES = sorted(os.listdir(BROKEN))


def test_enough_broken_files():
    assert len(BROKEN_FILES) >= 15


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_haproxy_and_rtclint_reject_at_the_same_place(name):
    src = os.path.join(BROKEN, name)
    facts, doc = read(src)
    errors = sorted((d for d in facts.diagnostics if d.code == "RTC001"), key=lambda d: d.span.start)
    assert errors, f"rtclint finds nothing wrong in {name}"
    proc = run_haproxy(src)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"haproxy accepts {name}"
    m = re.search(r"\[(?:[^\]:]*/)?" + re.escape(name) + r":(\d+)\]\s*:?\s*(.*)", out)
    assert m, out
    line, col = doc.line_col(errors[0].span.start)
    assert line == int(m.group(1)), f"haproxy: {m.group(0)}\nrtclint: {line}:{col} {errors[0].message}"
    position = re.search(r"at position (\d+)", m.group(2))
    if position:
        assert col == int(position.group(1)), f"haproxy: {m.group(0)}\nrtclint: column {col}"


def test_tokenizer_agrees_with_haproxy_on_random_input(tmp_path):
    """Differential fuzzing of parse_line: random quotes, escapes, `${…}` and comments;
    HAProxy and rtclint must report the same tokenizer errors at the same line:column."""
    import random

    rng = random.Random(20261122)
    alphabet = ["a", "b", '"', "'", "\\", "#", " ", "x", "$", "{", "}", "\\x4", "1", "-", "_", "[*]", '\\"', "\\'"]
    kinds = re.compile(r"(unmatched quote|unmatched brace|forbidden first char|hexadecimal|word expansion)")
    head = ("defaults\n    mode http\n    timeout connect 5s\n    timeout client 5s\n    timeout server 5s\n"
            "frontend fe\n    bind 127.0.0.1:18082\n")
    disagreements = []
    for k in range(60):
        junk = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10)))
        text = head + "    http-request set-header X-Test " + junk + "\n"
        path = tmp_path / f"h{k}.cfg"
        path.write_text(text)
        proc = run_haproxy(str(path))
        m = re.search(r"h%d\.cfg:(\d+)\]\s*:?\s*(.*)" % k, proc.stdout + proc.stderr)
        theirs = None
        if m and kinds.search(m.group(2)):
            theirs = (int(m.group(1)), int(re.search(r"position (\d+)", m.group(2)).group(1)))
        facts, doc = read(str(path))
        errors = [d for d in facts.diagnostics if d.code == "RTC001" and kinds.search(d.message)]
        ours = doc.line_col(errors[0].span.start) if errors else None
        if theirs != ours:
            disagreements.append((junk, m.group(0) if m else "", ours))
    assert not disagreements
