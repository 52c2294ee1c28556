"""rtclint.ignore (pathspec, plus git's rule for excluded directories) against git itself: every pattern set below is written to a real
repository's .gitignore and `git check-ignore` decides for every path of a real tree."""

import os
import shutil
import subprocess

import pytest

from rtclint.ignore import GitIgnore

GIT = shutil.which("git")

FILES = [
    "foo", "foo.conf", "x.log", "a/foo", "a/x.log", "a/b/foo.conf", "a/b/c/deep.yaml", "build/out.yaml",
    "build/sub/nginx.conf", "logs/x.log", "logs/keep.log", "doc/foo1.txt", "doc/fooa.txt", "doc/foo-.txt",
    "legacy/old/Caddyfile", "k8s/values.yaml", "k8s/ess/values.yaml", "sp ace.txt", "#hash", "!bang",
    "a/build/y.yaml", "foobar/z", "nested/foo/z",
]

PATTERN_SETS = [
    ["foo"], ["foo/"], ["/foo"], ["*.log"], ["a/*.log"], ["a/**"], ["**/foo"], ["a/**/deep.yaml"],
    ["build/"], ["/build"], ["build"], ["*.log", "!keep.log"], ["logs/", "!logs/keep.log"], ["doc/foo[0-9].txt"],
    ["doc/foo[!0-9].txt"], ["doc/foo[a-]*"], ["legacy/"], ["k8s/*.yaml"], ["k8s/**/values.yaml"], ["sp\\ ace.txt"],
    ["sp ace.txt   "], ["\\#hash"], ["\\!bang"], ["#hash"], ["*"], ["*", "!*.yaml"], ["**"], ["a/b"], ["b/foo.conf"],
    ["foo*"], ["f?o"], ["**/b/"], ["a/**/"], ["*/foo"], ["nested/**/z"], ["foo/z", "!foobar/z"], ["[unclosed"],
    ["", "   ", "# comment only"], ["*.conf", "!a/b/*.conf"], ["foo", "!foo"],
    ["logs/**", "!logs/keep.log"], ["a/**/b/**"], ["\\*.log"], ["*.LOG"], ["**/"], ["/a/**/"],
]


def _git_ignored(root, patterns):
    (root / ".gitignore").write_text("\n".join(patterns) + "\n")
    paths = sorted({p for f in FILES for p in _with_parents(f)})
    out = subprocess.run([GIT, "check-ignore", "--no-index", "-v", "-n", "--stdin"], cwd=root, capture_output=True,
                         text=True, input="\n".join(paths) + "\n", timeout=30).stdout
    ignored = set()
    for line in out.splitlines():
        source, path = line.split("\t", 1)
        pattern = source.split(":", 2)[2]
        if source != "::" and not pattern.startswith("!"):
            ignored.add(path)
    return paths, ignored


def _with_parents(path):
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("gitignore")
    subprocess.run([GIT, "init", "-q", str(root)], check=True)
    for f in FILES:
        os.makedirs(root / os.path.dirname(f), exist_ok=True)
        (root / f).write_text("x")
    return root


@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: "|".join(p) or "empty")
def test_patterns_decide_like_git_check_ignore(repo, patterns):
    paths, ignored = _git_ignored(repo, patterns)
    spec = GitIgnore(patterns)
    ours = {p for p in paths if spec.match_file(p + ("/" if (repo / p).is_dir() else ""))}
    # git reports a path inside an ignored directory only by that directory's pattern
    # when the path's own patterns do not match; rtclint never descends there either
    theirs = {p for p in paths if p in ignored or any(q in ignored and (repo / q).is_dir()
                                                      for q in _with_parents(p)[:-1])}
    assert ours == theirs


NESTED = {
    ".gitignore": "build/\n*.log.yaml\nlocal*.yaml\n",
    "app/.gitignore": "!local-keep.yaml\n/only-here.yaml\nsecret/\n",
    "app/deep/.gitignore": "*.yaml\n!wanted.yaml\n",
}
NESTED_FILES = ["a.yaml", "x.log.yaml", "local.yaml", "build/b.yaml", "app/only-here.yaml", "app/local-keep.yaml",
                "app/local-other.yaml", "app/sub/only-here.yaml", "app/secret/s.yaml", "app/deep/gone.yaml",
                "app/deep/wanted.yaml", "other/only-here.yaml", "other/deep/gone.yaml", "app/build/c.yaml"]


def test_discover_walks_nested_gitignores_like_git(tmp_path):
    """Several .gitignore files at several depths: the files discover keeps are the ones
    git reports as untracked and not ignored (a deeper file's `!` re-includes)."""
    from rtclint.discover import discover

    root = tmp_path / "repo"
    subprocess.run([GIT, "init", "-q", str(root)], check=True)
    for rel, text in {**NESTED, **{f: "a: 1\n" for f in NESTED_FILES}}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    out = subprocess.run([GIT, "ls-files", "--others", "--exclude-standard"], cwd=root, capture_output=True,
                         text=True, check=True, timeout=30).stdout
    git_keeps = {p for p in out.splitlines() if p.endswith(".yaml")}
    ours = {os.path.relpath(c.abspath, root).replace(os.sep, "/") for c in discover([str(root)])}
    assert ours == git_keeps
    assert "app/local-keep.yaml" in ours and "app/deep/wanted.yaml" in ours  # re-included by a deeper file
