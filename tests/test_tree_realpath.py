"""Tree.inside resolves each folder once (parsers/base.py `_realpath`): the answer must be
os.path.realpath's for every path, symlinks (absolute, relative, to a parent, in a loop)
and non-normalised spellings included, whatever order the paths are asked in."""

import itertools
import os

from rtclint.parsers.base import Tree


def _tree_with_links(root: str) -> None:
    os.makedirs(f"{root}/a/b/c")
    os.makedirs(f"{root}/x/y")
    for path in (f"{root}/a/b/c/f", f"{root}/x/y/g"):
        open(path, "w").close()
    links = {"a/lx": f"{root}/x", "a/ly": "../x/y", "a/b/c/lf": "f", "a/b/host": "/etc/hostname",
             "loop1": "loop2", "loop2": "loop1", "a/b/up": "..", ".la": "a"}
    for name, target in links.items():
        os.symlink(target, f"{root}/{name}")


def test_realpath_per_folder_is_os_realpath(tmp_path):
    root = str(tmp_path)
    _tree_with_links(root)
    names = ["a", "b", "c", "f", "lx", "ly", "y", "lf", "host", "loop1", "up", "..", ".", "missing", "", ".la"]
    paths = sorted({root + "/" + "/".join(combo) for n in (1, 2, 3) for combo in itertools.product(names, repeat=n)})
    for order in (paths, paths[::-1]):
        tree = Tree([root], lambda p: None)
        assert [p for p in order if tree._realpath(p) != os.path.realpath(p)] == []


def test_inside_follows_a_link_out_of_the_tree(tmp_path):
    root = str(tmp_path / "tree")
    os.makedirs(f"{root}/stack")
    os.makedirs(str(tmp_path / "outside"))
    os.symlink(str(tmp_path / "outside"), f"{root}/stack/out")
    tree = Tree([root], lambda p: None)
    assert tree.inside(f"{root}/stack/livekit.yaml")
    assert not tree.inside(f"{root}/stack/out/livekit.yaml")
    assert not tree.inside(str(tmp_path / "outside" / "x"))
