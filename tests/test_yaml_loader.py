"""rtclint's YAML loader (rtclint/parsers/yaml.py): libyaml with memoised tag resolution."""


def test_the_memoising_yaml_loader_tags_like_pyyaml():
    """rtclint's loader memoises plain-scalar tags; every tag must match PyYAML's own
    resolution, whatever order the texts come in."""
    from rtclint.parsers.pyyaml import yaml
    from rtclint.parsers.yaml import _Loader

    assert not _Loader.yaml_path_resolvers  # the no-op descend/ascend hooks rely on it
    text = ("a: [1, '1', 0x1F, 1_000, 1.5, .inf, yes, 'yes', No, ~, null, '', 2001-12-14, =, <<, x1, !!str 7,"
            " 0o17, +12, -1.0e+3, on, OFF, y, n, \"true\", 07, 08]\n")
    for _ in range(2):  # the second pass answers from the memo
        ours = [(n.tag, n.value) for n in yaml.compose(text, Loader=_Loader).value[0][1].value]
        theirs = [(n.tag, n.value) for n in yaml.compose(text, Loader=yaml.SafeLoader).value[0][1].value]
        assert ours == theirs
    nested = "a: {b: [1, {c: d}], e: !!set {f}}\n---\n- [x]\n- !!omap [g: 1]\n"

    def tags(node):
        inner = node.value if isinstance(node.value, list) else []
        flat = [n for pair in inner for n in (pair if isinstance(pair, tuple) else (pair,))]
        return [node.tag] + [t for n in flat for t in tags(n)]

    assert [tags(n) for n in yaml.compose_all(nested, Loader=_Loader)] == [
        tags(n) for n in yaml.compose_all(nested, Loader=yaml.SafeLoader)]


def test_pyyaml_through_rtclint_rejects_control_characters_and_reads_timestamps():
    """rtclint.parsers.pyyaml is PyYAML itself: both loaders reject a control character,
    and its implicit resolvers (timestamps) work."""
    from rtclint.parsers.pyyaml import yaml

    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        try:
            yaml.compose("a: \x07", Loader=loader)
        except yaml.YAMLError as exc:
            assert type(exc).__name__ == "ReaderError"
        else:
            raise AssertionError(f"{loader.__name__} accepted a control character")
    assert yaml.safe_load("when: 2001-12-14t21:59:43.10-05:00")["when"].year == 2001


def test_the_memoised_tags_match_pyyaml_on_any_flow_sequence():
    """Any list of plain, quoted and tagged scalars, mappings and sequences: the same tag
    for every node as PyYAML's pure-Python safe loader, memo warm or cold."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from rtclint.parsers.pyyaml import yaml
    from rtclint.parsers.yaml import _Loader

    words = st.sampled_from(["1", "0x1F", "1.5", ".nan", "yes", "No", "~", "null", "2001-12-14", "=", "<<", "x",
                             "'7'", "\"on\"", "!!str 8", "{a: 1}", "[2, b]", "-3", "+0o7", "1_0", "Off", "é"])

    def tags(node):
        inner = node.value if isinstance(node.value, list) else []
        flat = [n for pair in inner for n in (pair if isinstance(pair, tuple) else (pair,))]
        return [(node.tag, node.value if isinstance(node.value, str) else None)] + [t for n in flat for t in tags(n)]

    @settings(max_examples=300)
    @given(st.lists(words, max_size=12))
    def check(items):
        text = "[" + ", ".join(items) + "]\n"
        assert tags(yaml.compose(text, Loader=_Loader)) == tags(yaml.compose(text, Loader=yaml.SafeLoader))

    check()


def test_each_yaml_file_is_composed_once_and_not_kept(tmp_path, monkeypatch):
    """A Compose file loads the livekit.yaml and homeserver.yaml it mounts; their own reads
    come later and take those nodes from the load cache: every file is composed once, and
    after the run the cache keeps none of them (a tree freed as soon as its file is read
    leaves memory the next file reuses)."""
    import os
    import shutil
    import sys

    from rtclint import engine
    from rtclint.parsers import yaml as yaml_parser

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
    import generate

    generate.generate(str(tmp_path / "bench"), 1, sizes=(0, 0, 2, 3))
    shutil.rmtree(tmp_path / "bench" / "nginx", ignore_errors=True)
    composed = []
    original = yaml_parser._compose
    monkeypatch.setattr(yaml_parser, "_compose", lambda doc: composed.append(doc.path) or original(doc))
    yaml_parser._RECENT.clear()
    engine.check([str(tmp_path / "bench")], jobs=1)
    assert len(composed) == len(set(composed)) >= 2 + 3 * 3, composed  # 2 manifests, 3 stacks of 3 files
    assert any(p.endswith("livekit.yaml") for p in composed)
    assert not yaml_parser._RECENT, list(yaml_parser._RECENT.values())


def test_classify_fast_path_decides_as_the_key_set():
    """`classify` answers a manifest that begins `apiVersion:`/`kind:` without building its
    key set: the same answer as from the set, whatever comes first."""
    from rtclint.document import Document
    from rtclint.parsers.pyyaml import yaml
    from rtclint.parsers.yaml import _Loader, classify

    cases = {"apiVersion: v1\nkind: Service\n": "k8s", "kind: Pod\napiVersion: v1\n": "k8s",
             "apiVersion: v1\nspec: {}\nkind: Pod\n": "k8s", "apiVersion: v1\nspec: {}\n": None,
             "? [apiVersion]\n: 1\nkind: Pod\n": None, "? {a: 1}\n: 1\napiVersion: v1\nkind: Pod\n": "k8s",
             "kind: Pod\n? [apiVersion]\n: 1\n": None, "services:\n  a: {image: x}\n": "compose"}
    for text, kind in cases.items():
        node = yaml.compose(text, Loader=_Loader)
        assert classify(node, Document("x.yaml", "/x.yaml", "yaml", text)) == kind, text


def test_the_loader_composes_every_document_as_pyyaml():
    """`_compose` (the parser alone, no-op hooks, its own loop): every document's nodes
    with the same tags, values, styles and marks as PyYAML's own libyaml safe loader, and
    a broken document as an RTC001 at libyaml's mark."""
    from rtclint.document import Document
    from rtclint.parsers.pyyaml import yaml
    from rtclint.parsers.yaml import _compose

    def flat(node):
        inner = node.value if isinstance(node.value, list) else []
        kids = [n for pair in inner for n in (pair if isinstance(pair, tuple) else (pair,))]
        return [(node.tag, node.value if isinstance(node.value, str) else None, getattr(node, "style", None),
                 node.start_mark.index, node.end_mark.index)] + [t for n in kids for t in flat(n)]

    text = "a: 1\nb: [x, 'y', {c: ~}]\n---\n- !!str 7\n- |\n  text\n---\n---\nk: é\n"
    ours, broken = _compose(Document("x.yaml", "/x.yaml", "yaml", text))
    assert broken is None and len(ours) == 4
    assert [flat(n) for n in ours] == [flat(n) for n in yaml.compose_all(text, Loader=yaml.CSafeLoader)]
    nodes, broken = _compose(Document("x.yaml", "/x.yaml", "yaml", "a: 1\nb: [2\n"))
    assert nodes == [] and broken is not None and broken.diagnostics[0].code == "RTC001"
    assert broken.diagnostics[0].span.start == len("a: 1\nb: [2\n")
