"""Inline suppressions in every format with `#` comments, RTC010 for unused ones, and
`--no-suppressions`. Format-level tests build the finding directly (the rules that will
flag these lines are written elsewhere); the end-to-end tests use parse errors."""

import json

import pytest
from conftest import run_rtclint

from rtclint import suppress
from rtclint.config import Config
from rtclint.diagnostics import Diagnostic, Severity
from rtclint.document import Document


def make_doc(kind, text, path="cfg"):
    return Document(path=path, abspath="/x/" + path, kind=kind, text=text)


def finding_at(doc, needle, code="RTC003", nth=0):
    """A finding on the `nth` occurrence of `needle` in the document."""
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(needle, start + 1)
    return Diagnostic(code, "x", Severity.WARNING, doc.span(start, start + len(needle)), "m")


def run(doc, diags, config=None):
    return suppress.apply(diags, {doc.path: doc}, config or Config())


def codes(diags):
    return sorted(d.code for d in diags)


def kept(doc, diags):
    """The findings left after suppression, without the RTC010 reports."""
    return [d.code for d in run(doc, diags) if d.code != "RTC010"]


def apply_fix(doc, diag):
    text = doc.text
    for edit in sorted(diag.fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.content + text[edit.span.end :]
    return text


# --- each format ------------------------------------------------------------------------

CADDY = """example.com {
\t# rtclint: disable=RTC003 -- the CDN adds CORS
\trespond /.well-known/matrix/client `{
\t\t"m.homeserver": {"base_url": "https://matrix.example.com"}
\t}`
\theader X-Note "# rtclint: disable=RTC001"
\treverse_proxy /x localhost:8080 # rtclint: disable=RTC001 -- trailing
}
"""


def test_caddy_comment_above_directive_covers_the_json_body():
    doc = make_doc("caddy", CADDY)
    inside_body = finding_at(doc, '"base_url"')
    assert kept(doc, [inside_body]) == []


def test_caddy_hash_inside_a_quoted_token_is_not_a_comment():
    doc = make_doc("caddy", CADDY)
    starts = suppress.scan(doc).comments
    quoted = doc.text.index('"# rtclint: disable=RTC001"')
    assert quoted + 1 not in starts
    header = finding_at(doc, "header X-Note", code="RTC001")
    # The quoted text suppresses nothing; the real trailing comment on the next line
    # covers only its own line.
    assert kept(doc, [header]) == ["RTC001"]


def test_caddy_trailing_comment_covers_its_line():
    doc = make_doc("caddy", CADDY)
    proxy = finding_at(doc, "reverse_proxy", code="RTC001")
    body = finding_at(doc, '"base_url"')
    assert run(doc, [proxy, body]) == []


def test_caddy_heredoc_body_is_not_comments_and_anchors_to_its_directive():
    text = ("example.com {\n\t# rtclint: disable=RTC003\n\trespond <<JSON\n\t\t# rtclint: disable=RTC001\n"
            "\t\t{\"m.homeserver\": {}}\n\t\tJSON 200\n}\n")
    doc = make_doc("caddy", text)
    heredoc_line_hash = text.index("# rtclint: disable=RTC001")
    assert heredoc_line_hash not in suppress.scan(doc).comments
    assert run(doc, [finding_at(doc, '"m.homeserver"')]) == []


def test_nginx_multiline_return_and_quoted_hash():
    text = ("server {\n    # rtclint: disable=RTC003 -- reason\n    return 200 '{\n      \"a\": \"#x\"\n    }';\n"
            "    add_header X \"# rtclint: disable=RTC001\";\n    listen 80;# rtclint: disable=RTC001\n}\n")
    doc = make_doc("nginx", text)
    assert run(doc, [finding_at(doc, '"a"'), finding_at(doc, "listen 80", code="RTC001")]) == []
    assert kept(doc, [finding_at(doc, "add_header", code="RTC001")]) == ["RTC001"]


def test_haproxy_hash_in_quotes_and_trailing_comment():
    text = ("frontend https\n    http-request return status 200 content-type application/json "
            "string '{\"a\":\"# rtclint: disable=RTC003\"}' if { path /x }\n"
            "    bind :443 # rtclint: disable=RTC003 -- reason\n")
    doc = make_doc("haproxy", text)
    [only] = suppress.read_file(doc).suppressions
    assert only.targets == frozenset({3})
    assert kept(doc, [finding_at(doc, "http-request")]) == ["RTC003"]
    assert run(doc, [finding_at(doc, "bind :443")]) == []


def test_yaml_quoted_and_block_scalars_are_not_comments():
    text = ("well_known: |\n  # rtclint: disable=RTC001\n  {\"m.homeserver\": {}}\n"
            "name: \"a # rtclint: disable=RTC001\"\n"
            "# rtclint: disable=RTC003 -- the chart fills this in\n"
            "client: |\n  {\"org.matrix.msc4143.rtc_foci\": []}\n")
    doc = make_doc("yaml", text)
    found = suppress.read_file(doc)
    assert len(found.suppressions) == 1 and not found.malformed
    # A finding inside the block scalar belongs to the key's line.
    assert run(doc, [finding_at(doc, "org.matrix.msc4143.rtc_foci")]) == []
    assert kept(doc, [finding_at(doc, "m.homeserver", code="RTC001")]) == ["RTC001"]


def test_env_file_comments():
    text = 'A="value # rtclint: disable=RTC001"\nLIVEKIT_SECRET=changeme # rtclint: disable=RTC003 -- dev only\n'
    doc = make_doc("env", text)
    assert len(suppress.read_file(doc).suppressions) == 1
    assert run(doc, [finding_at(doc, "changeme")]) == []
    assert kept(doc, [finding_at(doc, "value", code="RTC001")]) == ["RTC001"]


def test_json_files_have_no_comments():
    doc = make_doc("json", '{"a": "# rtclint: disable=RTC003"}')
    assert codes(run(doc, [finding_at(doc, '"a"')])) == ["RTC003"]


# --- scope -------------------------------------------------------------------------------


def test_disable_file_covers_every_line():
    text = "# rtclint: disable-file=RTC003 -- generated\nservices:\n  a:\n    image: x\n"
    doc = make_doc("yaml", text)
    assert run(doc, [finding_at(doc, "image"), finding_at(doc, "services")]) == []


def test_comment_two_lines_above_does_not_count_unless_stacked():
    text = "# rtclint: disable=RTC003\n\nkey: 1\n"
    doc = make_doc("yaml", text)
    assert codes(run(doc, [finding_at(doc, "key")])) == ["RTC003", "RTC010"]
    stacked = "# rtclint: disable=RTC003 -- one\n# rtclint: disable=RTC001 -- two\nkey: 1\n"
    doc = make_doc("yaml", stacked)
    assert run(doc, [finding_at(doc, "key"), finding_at(doc, "key", code="RTC001")]) == []


def test_other_codes_on_the_line_are_not_suppressed():
    doc = make_doc("yaml", "key: 1 # rtclint: disable=RTC003\n")
    assert codes(run(doc, [finding_at(doc, "key"), finding_at(doc, "key", code="RTC001")])) == ["RTC001"]


# --- RTC010 ------------------------------------------------------------------------------


def test_unused_own_line_suppression_is_reported_and_removed_by_its_fix():
    text = "a: 1\n# rtclint: disable=RTC003 -- stale\nb: 2\n"
    doc = make_doc("yaml", text)
    [diag] = run(doc, [])
    assert diag.code == "RTC010" and "RTC003" in diag.message
    assert diag.fix.applicability.value == "safe"
    assert apply_fix(doc, diag) == "a: 1\nb: 2\n"


def test_unused_trailing_suppression_fix_keeps_the_code():
    doc = make_doc("nginx", "listen 80;  # rtclint: disable=RTC003\n")
    [diag] = run(doc, [])
    assert apply_fix(doc, diag) == "listen 80;\n"


def test_partly_used_suppression_drops_only_the_unused_codes():
    doc = make_doc("yaml", "# rtclint: disable=RTC001, RTC003 -- why\nkey: 1\n")
    [diag] = run(doc, [finding_at(doc, "key")])
    assert diag.code == "RTC010" and "RTC001" in diag.message and "RTC003" not in diag.message
    assert apply_fix(doc, diag) == "# rtclint: disable=RTC003 -- why\nkey: 1\n"


def test_unknown_code_and_malformed_directive_are_reported():
    doc = make_doc("yaml", "a: 1 # rtclint: disable=RTC777\nb: 2 # rtclint: disabel=RTC003\n")
    found = run(doc, [])
    assert codes(found) == ["RTC010", "RTC010"]
    assert any("not a rule code" in d.message for d in found)
    assert any("not a valid suppression" in d.message for d in found)


def test_codes_switched_off_in_this_run_are_not_called_unused():
    doc = make_doc("yaml", "a: 1 # rtclint: disable=RTC003\n")
    assert run(doc, [], Config(ignore=["RTC003"])) == []
    assert run(doc, [], Config(ignore=["RTC010"])) == []


def test_no_suppressions_keeps_everything():
    doc = make_doc("yaml", "a: 1 # rtclint: disable=RTC003\n")
    diag = finding_at(doc, "a: 1")
    assert run(doc, [diag], Config(use_suppressions=False)) == [diag]


# --- end to end through the CLI ----------------------------------------------------------

BROKEN = "services:\n  jwt:\n    image: x\n    ports: [\n"


@pytest.fixture
def broken_compose(tmp_path):
    (tmp_path / "compose.yaml").write_text(BROKEN)
    proc = run_rtclint(["check", "--format", "json", "compose.yaml"], cwd=tmp_path)
    [diag] = json.loads(proc.stdout)["diagnostics"]
    assert diag["code"] == "RTC001"
    return tmp_path, diag["line"]


def test_cli_suppresses_a_parse_error_and_no_suppressions_shows_it(broken_compose):
    tmp_path, line = broken_compose
    lines = BROKEN.splitlines(keepends=True)
    lines.insert(line - 1, "# rtclint: disable=RTC001 -- vendored file, fixed upstream\n")
    (tmp_path / "compose.yaml").write_text("".join(lines))
    quiet = run_rtclint(["check", "--format", "json", "compose.yaml"], cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stdout
    assert json.loads(quiet.stdout)["diagnostics"] == []
    loud = run_rtclint(["check", "--format", "json", "--no-suppressions", "compose.yaml"], cwd=tmp_path)
    assert loud.returncode == 1
    assert [d["code"] for d in json.loads(loud.stdout)["diagnostics"]] == ["RTC001"]


def test_cli_reports_an_unused_suppression(tmp_path):
    (tmp_path / "notes.yaml").write_text("notes:\n  # rtclint: disable=RTC001 -- stale\n  a:\n    b: x\n")
    proc = run_rtclint(["check", "--format", "json", "notes.yaml"], cwd=tmp_path)
    payload = json.loads(proc.stdout)
    assert proc.returncode == 1
    [diag] = payload["diagnostics"]
    assert (diag["code"], diag["line"], diag["fix"]["applicability"]) == ("RTC010", 2, "safe")


# --- never crash ---------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PIECES = st.sampled_from(["# rtclint: disable=RTC003", "# rtclint: disable-file=RTC001 -- x", "#", "\"", "'",
                          "`", "\\", "<<EOF\n", "EOF", "\n", "\r\n", " ", "\t", "=", ";", "{", "}", "|\n", "- ",
                          "a: ", "key", "rtclint:", ",RTC", "--"])


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(["caddy", "nginx", "haproxy", "yaml", "env", "json"]),
       parts=st.lists(PIECES, max_size=30), start=st.integers(0, 400), width=st.integers(0, 20))
def test_arbitrary_text_never_crashes_and_spans_stay_inside(kind, parts, start, width):
    doc = make_doc(kind, "".join(parts))
    n = len(doc.text)
    diag = Diagnostic("RTC003", "x", Severity.WARNING, doc.span(min(start, n), min(start + width, n)), "m")
    for out in run(doc, [diag]):
        assert 0 <= out.span.start <= out.span.end <= n
        if out.fix is not None:
            for edit in out.fix.edits:
                assert 0 <= edit.span.start <= edit.span.end <= n
            [edit] = out.fix.edits
            if not edit.content:  # removing the comment deletes it and whitespace, nothing else
                assert edit.span.start <= out.span.start and out.span.end <= edit.span.end
                outside = doc.text[edit.span.start : out.span.start] + doc.text[out.span.end : edit.span.end]
                assert not outside.strip()
