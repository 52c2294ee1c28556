"""Discovery details that reports depend on."""

import os

import pytest

from rtclint.discover import display_path


@pytest.mark.parametrize("abspath,cwd", [
    ("/a/b/c", "/a"), ("/a/b", "/a/b"), ("/a/bc", "/a/b"), ("/x/y", "/a"), ("/a/b/../c", "/a"),
    ("/a/b", "/"), ("/", "/"), ("/a/b/", "/a"), ("/a/b", "/a/"),
])
def test_display_path_is_relpath_inside_the_working_directory_else_absolute(abspath, cwd):
    rel = os.path.relpath(abspath, cwd)
    expected = abspath if rel == ".." or rel.startswith(".." + os.sep) else rel
    assert display_path(abspath, cwd) == expected
