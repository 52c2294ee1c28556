"""Discovery details that reports depend on."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtclint.discover import display_path


@pytest.mark.parametrize("abspath,cwd", [
    ("/a/b/c", "/a"), ("/a/b", "/a/b"), ("/a/bc", "/a/b"), ("/x/y", "/a"), ("/a/b/../c", "/a"),
    ("/a/b", "/"), ("/", "/"), ("/a/b/", "/a"), ("/a/b", "/a/"), ("/a", "/a/b"), ("/a/b", "/a/b/"),
    ("/tmp/x/y.conf", "/work/main"), ("/a/bc/d", "/a/b"), ("/", "/a"), ("/a/./b", "/c"),
])
def test_display_path_is_relpath_inside_the_working_directory_else_absolute(abspath, cwd):
    rel = os.path.relpath(abspath, cwd)
    expected = abspath if rel == ".." or rel.startswith(".." + os.sep) else rel
    assert display_path(abspath, cwd) == expected


LINE_STARTS = ["", " ", "\t", "  "]
LINE_WORDS = ["<VirtualHost *:443>", "<Location /x>", "ProxyPass / http://a/", "ServerName a.b", "RewriteRule a b",
              "DocumentRoot /srv", 'server.modules += ("x")', 'server.port = 80', '$HTTP["host"] == "a" {',
              '$SERVER["socket"] == ":443" {', 'proxy.server = ()', "global", "defaults", "frontend web",
              "backend b", "listen 443", "listen stats", "  bind :443", "  server s 1.2.3.4:80", "server {",
              "location / {", "proxy_pass http://x;", "}", "# ProxyPass", "mode http", "use_backend b"]


@settings(max_examples=400)
@given(st.lists(st.tuples(st.sampled_from(LINE_STARTS), st.sampled_from(LINE_WORDS)), max_size=8),
       st.sampled_from(["a.conf", "haproxy.cfg", "site", "httpd.conf"]))
def test_the_word_gates_decide_as_the_patterns_alone(lines, name):
    """foreign_config and kind_from_content first ask C substring tests whether a costly
    multi-line pattern can match at all; without those gates they decide the same."""
    from rtclint import sniff as d

    text = "\n".join(indent + word for indent, word in lines)
    gated = (d.foreign_config(text, name), d.kind_from_content(text, name))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(d, "_FOREIGN_WORDS", {})
        m.setattr(d, "_may_start_a_line", lambda text, words: True)
        assert (d.foreign_config(text, name), d.kind_from_content(text, name)) == gated
