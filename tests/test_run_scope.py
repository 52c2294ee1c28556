"""What "the other files of the run" are: the files discovered from the paths given,
never whatever else the working directory holds."""

import json

from conftest import run_rtclint

NGINX_CONF = "events {}\nhttp {\n    include sites/*.conf;\n}\n"
SITE = "server {\n    listen 80;\n    server_name example.com;\n}\n"


def test_a_lone_file_a_tree_and_the_hook_shape_report_what_they_were_given(tmp_path):
    (tmp_path / "sites").mkdir()
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    (tmp_path / "sites" / "a.conf").write_text(SITE)
    for _ in range(30):  # siblings in the working directory: reported only when asked for
        (tmp_path / "sites" / f"other{_}.conf").write_text(SITE.replace("example.com", f"o{_}.example.com"))
    lone = run_rtclint(["check", "--no-cache", "--format", "json", "sites/a.conf"], cwd=tmp_path)
    tree = run_rtclint(["check", "--no-cache", "--format", "json", "."], cwd=tmp_path)
    assert json.loads(lone.stdout)["files_checked"] == 1
    assert json.loads(tree.stdout)["files_checked"] == 32
    # the pre-commit shape reads the tree for context and reports on the file given
    hook = run_rtclint(["check", "--no-cache", "--format", "json", "--context", ".", "sites/a.conf"], cwd=tmp_path)
    assert hook.returncode in (0, 1), hook.stderr
    assert {d["path"] for d in json.loads(hook.stdout)["diagnostics"]} <= {"sites/a.conf", "nginx.conf"}


def test_no_parser_walks_the_working_directory_for_a_lone_file(tmp_path, monkeypatch):
    """Checking one nginx file used to discover the whole working directory to look for
    files including it (320 ms for one file in a big checkout)."""
    import rtclint.discover
    from rtclint import engine

    (tmp_path / "sites").mkdir()
    (tmp_path / "nginx.conf").write_text(NGINX_CONF)
    (tmp_path / "sites" / "a.conf").write_text(SITE)
    monkeypatch.chdir(tmp_path)
    walked = []
    real = rtclint.discover.discover
    monkeypatch.setattr(rtclint.discover, "discover", lambda paths, *a: walked.append(list(paths)) or real(paths, *a))
    monkeypatch.setattr(engine, "discover", rtclint.discover.discover)
    result = engine.check(["sites/a.conf"])
    assert result.files_checked == 1 and walked == [["sites/a.conf"]]
