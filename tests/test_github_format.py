"""`--format github`: workflow-command annotations with the runner's escaping."""

import re
from types import SimpleNamespace

from conftest import run_rtclint

from rtclint.diagnostics import Diagnostic, Severity
from rtclint.document import Document
from rtclint.report import github

ANNOTATION = re.compile(
    r"^::(?P<cmd>error|warning|notice) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
    r"endLine=(?P<end_line>\d+),endColumn=(?P<end_col>\d+),title=(?P<title>[^:]+)::(?P<msg>.+)$"
)


def test_escaping_follows_the_runner():
    assert github.escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert github.escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_cli_annotations_for_errors_and_warnings(tmp_path):
    (tmp_path / ".git").mkdir()
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "compose.yaml").write_text("services:\n  a: [\n")
    (infra / "notes.yaml").write_text("note: 7880 # rtclint: disable=RTC001\n")
    proc = run_rtclint(["check", "--format", "github", "."], cwd=infra)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    parsed = [ANNOTATION.match(line) for line in lines]
    assert all(parsed), lines
    by_title = {m["title"]: m for m in parsed}
    assert by_title["RTC001"]["cmd"] == "error" and by_title["RTC001"]["file"] == "infra/compose.yaml"
    stale = by_title["RTC010"]
    assert (stale["cmd"], stale["file"], stale["line"], stale["col"]) == ("warning", "infra/notes.yaml", "1", "12")
    assert int(stale["end_col"]) > int(stale["col"])


def test_messages_and_paths_are_escaped_and_info_is_a_notice(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = Document("we,ird:name.yaml", str(tmp_path / "we,ird:name.yaml"), "yaml", "a: 1\n")
    diag = Diagnostic("RTC010", "x", Severity.INFO, doc.span(0, 1), "line one\nline two, 50%")
    line = github.render(SimpleNamespace(diagnostics=[diag], documents={doc.path: doc}))
    assert line == ("::notice file=we%2Cird%3Aname.yaml,line=1,col=1,endLine=1,endColumn=2,title=RTC010"
                    "::line one%0Aline two, 50%25\n")


def test_clean_tree_prints_nothing(tmp_path):
    (tmp_path / "notes.yaml").write_text("note: 7880\n")
    proc = run_rtclint(["check", "--format", "github", "."], cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
