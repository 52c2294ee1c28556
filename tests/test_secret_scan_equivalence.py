"""The secrets scanner's fast paths find exactly what the plain scan finds.

`model/secret_scan.py` skips a pattern when the lower-cased text lacks every word the
pattern needs (ASCII texts only), and finds `NAME: value` lines with one multi-line
search instead of matching each line. The reference below is the plain scan: every
pattern searched, every line matched on its own."""

import os
import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import SHARED
from rtclint.model import secret_names, secret_scan, secrets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reference_scan(path, kind, text, found):
    rx = secret_names._rx()
    if rx.maybe_named.search(text):
        _reference_named(path, text, found)
    if "Secret" in text:
        for section_start, section in secret_scan._yaml_sections(text):
            if rx.k8s_secret.search(section):
                secret_scan._scan_k8s_secret(path, section_start, section, found)
    for m in rx.pem.finditer(text) if "PRIVATE KEY-----" in text else ():
        offset = m.start(1)
        for line in m.group(1).split("\n"):
            if line.strip():
                found.add(path, offset + len(line) - len(line.lstrip()), line.strip())
            offset += len(line) + 1
    if kind in secret_names.PROXY_KINDS:
        for regex in (rx.auth_scheme, rx.token_header):
            for m in regex.finditer(text):
                found.add(path, m.start(1), m.group(1))


def _reference_named(path, text, found):
    parents, pending, offset = [], None, 0
    for line in text.split("\n"):
        m = secret_names._rx().line.match(line)
        if m is not None:
            indent = len(m.group("indent")) + (len(m.group("dash")) if m.group("dash") else 0)
            name, raw = m.group("name"), m.group("value").rstrip()
            while parents and parents[-1][0] >= indent:
                parents.pop()
            parent = parents[-1][1] if parents else ""
            if m.group("dash"):
                pending = None
            if raw and not raw.startswith("#"):
                secret_scan._maybe_add(path, offset + m.start("value"), name, parent, raw, pending, found)
            if name == "name" and secret_names.is_secret_name(secret_names._unquote(raw or "")):
                pending = secret_names._unquote(raw)
            if not raw:
                parents.append((indent, name))
        offset += len(line) + 1


def both(kind, text):
    fast, plain = secrets.Secrets(), secrets.Secrets()
    secret_scan._scan("f", kind, text, fast)
    reference_scan("f", kind, text, plain)
    return (fast.spans, fast.values), (plain.spans, plain.values)


# Pieces of the texts the scanner meets, and of the ones that could trip a fast path:
# upper case, the Kelvin sign and the long s (which case-insensitive patterns match as
# `k` and `s`), carriage returns, quotes, comments, list items.
PIECES = ["secret", "Secret", "SECRET", "ſecret", "token", "TOKEN", "pass", "PASSWORD", "psk", "apikey", "api-key",
          "KEYS", "\u212aeys", "private", "bearer", "Basic", "name", "value", "LIVEKIT_KEYS", "kind", "data",
          "proxy_pass", "X-Auth-Token", "Authorization", ":", "=", " ", "  ", "\t", "\n", "\r\n", "- ", "#", "'",
          '"', "abcdef123456", "${VAR}", "k1: s3cr3tvalue", ",", ";", "{", "}", "---\n", "é"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from(["yaml", "nginx", "caddy", "env"]))
def test_fast_scan_finds_what_the_plain_scan_finds(pieces, kind):
    fast, plain = both(kind, "".join(pieces))
    assert fast == plain


# Lines as whole pieces: top-level keys that open and close blocks, nested keys, list
# items, `- name:` / `value:` pairs, comments, with and without secret words.
LINES = ["spec:\n", "keys:\n", "kind: Secret\n", "env:\n", "  - name: LIVEKIT_SECRET\n", "  - name: PLAIN\n",
         "    value: abcdef123456\n", "    valueFrom:\n", "      secretKeyRef: {name: a, key: b}\n",
         "  key1: s3cr3tvalue123\n", "  secret:\n", "    value: zyxwvu987654\n", "  - containerPort: 80\n",
         "- name: A_TOKEN\n", "value: qwerty123456\n", "# password: hunter22222\n", "export PASS=abcdef123\n",
         "LIVEKIT_KEYS: k1: s3cr3t12345\n", "  port: 80\n", "\n", "---\n", "\tname: x\n", "'quoted': v\n",
         "  nested:\n", "    deeper:\n", "      password: hunter22222\n", "services:\n", "  app:\n"]


@settings(max_examples=400)
@given(st.lists(st.sampled_from(LINES), max_size=40), st.sampled_from(["yaml", "env"]))
def test_block_walk_finds_what_the_plain_scan_finds(lines, kind):
    fast, plain = both(kind, "".join(lines))
    assert fast == plain


def test_what_a_document_leaves_open_reaches_the_next():
    """A `- name:` waiting for its value, or an enclosing `keys:` / secret key, reaches
    across `---` into a document without any secret word: that one is read, not skipped."""
    texts = ["env:\n  - name: LIVEKIT_SECRET\n---\n    value: abcdef123456\n",
             "keys:\n---\n  key1: s3cr3tvalue123\n",
             "secret:\n---\n  value: zyxwvu987654\n",
             "a:\n  keys:\n---\n    key1: s3cr3tvalue123\n---\nplain: 1\n  key2: qwerty123456\n"]
    for text in texts:
        fast, plain = both("yaml", text)
        assert fast == plain
        assert fast[1], text  # the value after `---` is found


def _texts(*roots):
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in sorted(files):
                try:
                    with open(os.path.join(folder, name), encoding="utf-8") as fh:
                        yield fh.read()
                except (UnicodeDecodeError, OSError):
                    continue


def test_real_trees(tmp_path):
    """The upstream corpus, the examples and a small bench tree (Kubernetes manifests,
    Compose stacks, proxy configs), each file and each file with its lines shuffled
    around a top-level key, find the same secrets both ways."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import generate

    generate.generate(str(tmp_path / "bench"), 1, sizes=(6, 3, 12, 6))
    count = found = 0
    for text in _texts(os.path.join(SHARED, "corpus", "upstream"), os.path.join(ROOT, "examples"),
                       str(tmp_path / "bench")):
        lines = text.split("\n")
        half = len(lines) // 2
        for variant in (text, "\n".join(lines[half:] + ["top: 1"] + lines[:half])):
            for kind in ("yaml", "nginx"):
                fast, plain = both(kind, variant)
                assert fast == plain, variant[:200]
                count += 1
                found += bool(fast[1])
    assert count > 300 and found > 60, (count, found)  # many texts, many with secrets: not vacuous


def test_real_shapes():
    texts = {
        "nginx": 'location / { proxy_pass http://a; proxy_set_header Authorization "Bearer abcdef123456"; }\n'
                 "add_header X-Auth-Token s3cr3tvalue;\n",
        "yaml": "keys:\n  key1: s3cr3tvalue123\nenv:\n  - name: LIVEKIT_SECRET\n    value: \"abcdef123456\"\r\n"
                "kind: Secret\ndata:\n  password: c2VjcmV0c2VjcmV0\n",
        "caddy": "keys:\n  key1: s3cr3tvalue123\n",
    }
    for kind, text in texts.items():
        fast, plain = both(kind, text)
        assert fast == plain
        assert fast[1], kind  # both found something: the comparison is not vacuous


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_a_pattern_never_matches_without_its_words(pieces):
    """The skip is sound: on ASCII text, each pattern matches only if one of its words is
    in the lower-cased text."""
    text = "".join(pieces)
    rx = secret_names._rx()
    for regex, words in ((rx.maybe_named, secret_names.NAMED_WORDS), (rx.auth_scheme, secret_names.AUTH_WORDS),
                         (rx.token_header, secret_names.HEADER_WORDS)):
        if text.isascii() and regex.search(text):
            assert secret_names._may_match(text.lower(), words), (regex.pattern, text)
        if not text.isascii():
            assert secret_names._may_match(None, words)  # other texts always ask the pattern


def test_a_name_without_a_value_is_read_not_a_crash():
    """`- name:` with nothing after it (a list item being written) once raised IndexError
    from `_unquote("")` and ended the run as an internal error."""
    text = "env:\n  - name:\n    value: abcdef123456\n  - name: A_TOKEN\n    value: zyxwvu987654\n"
    fast, plain = both("yaml", text)
    assert fast == plain
    assert fast[1] == {"zyxwvu987654"}


def named_both(text):
    """`_scan_named_ascii` (the lines holding a secret word, the blocks and list items
    they open) against `_scan_named` (every line), spans in their order."""
    fast, plain = secrets.Secrets(), secrets.Secrets()
    secret_scan._scan_named_ascii("f", text, text.lower(), fast)
    secret_scan._scan_named("f", text, plain)
    return (fast.spans, fast.values), (plain.spans, plain.values)


# Lines built from parts: any indent, list dash, export, quoted names, the names that
# open a deciding block or list item and those decided by it, values that are empty,
# comments, secret names (for `name:`), quoted, or several `k: v` (for LIVEKIT_KEYS).
INDENTS = ["", " ", "  ", "    ", "      ", "\t", "- ", "  - ", "    - ", "export "]
NAMES = ["keys", "secret", "value", "name", "password", "valueFrom", "LIVEKIT_KEYS", "plain", "k1", "key1",
         "'keys'", '"value"', "signingSecretKey", "secretName", "env", "Keys", "myToken", "proxy_pass"]
VALUES = ["", " ", "abcdef123456", "# abcdef123456", "LIVEKIT_SECRET", "'quoted secret value'", "A_TOKEN",
          "x", '"zyxwvu987654" # note', "k1: s3cr3t12345, k2: qwerty98765", "{name: a, key: b}", "plain"]


@settings(max_examples=1500)
@given(st.lists(st.tuples(st.sampled_from(INDENTS), st.sampled_from(NAMES), st.sampled_from([": ", ":", "=", " "]),
                          st.sampled_from(VALUES)), max_size=30),
       st.sampled_from(["\n", "\r\n"]))
def test_the_lines_holding_secret_words_decide_what_every_line_decides(lines, newline):
    text = newline.join(indent + name + sep + value for indent, name, sep, value in lines)
    fast, plain = named_both(text)
    assert fast == plain, text


def _bench_texts(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import generate

    generate.generate(str(tmp_path / "bench"), 1, sizes=(6, 3, 12, 6))
    return [t for t in _texts(os.path.join(SHARED, "corpus", "upstream"), os.path.join(ROOT, "examples"),
                              str(tmp_path / "bench")) if t.isascii()]


def test_mutated_real_texts(tmp_path):
    """Real texts with lines dropped, repeated, moved in or out and turned into list
    items (seeded, so each run checks the same texts): the same secrets both ways."""
    import random

    rng = random.Random(20261206)
    compared = found = 0
    for text in _bench_texts(tmp_path):
        for _ in range(6):
            lines = text.split("\n")
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(lines))
                op = rng.choice(["drop", "repeat", "deeper", "shallower", "item", "swap"])
                if op == "drop":
                    del lines[at]
                elif op == "repeat":
                    lines.insert(at, lines[at])
                elif op == "deeper":
                    lines[at] = "  " + lines[at]
                elif op == "shallower":
                    lines[at] = lines[at][2:] if lines[at].startswith("  ") else lines[at]
                elif op == "item":
                    lines[at] = "- " + lines[at].lstrip()
                else:
                    other = rng.randrange(len(lines))
                    lines[at], lines[other] = lines[other], lines[at]
                if not lines:
                    lines = [""]
            fast, plain = named_both("\n".join(lines))
            assert fast == plain, "\n".join(lines)[:300]
            compared += 1
            found += bool(fast[1])
    assert compared > 300 and found > 60, (compared, found)


# Proxy lines: `proxy_pass` directives opening their lines (whose "pass" the scan does
# not look at), and look-alikes whose "pass" can make a secret name or a list name.
PROXY_LINES = ["    proxy_pass http://a;\n", "proxy_pass\thttp://b;\n", "  my_proxy_pass: hunter22222\n",
               "- name: a proxy_pass\n", "  value: abcdef123456\n", "- name: x_proxy_pass\n",
               "proxy_pass = abcdefgh1234\n", "  'proxy_pass': qwerty123456\n", "\tproxy_pass http://pass.example;\n",
               "location /pass {\n", '    proxy_set_header Authorization "Bearer abcdef123456";\n',
               "add_header X-Auth-Token s3cr3tvalue;\n", "proxy_passx: zyxwvu987654\n", "}\n", "keys:\n",
               "  k1: s3cr3t12345\n", "password: hunter22222\n", "  api-key: qwerty987654\n",
               "auth_basic_user_file /etc/x;\n", "    basic abcdef123456\n"]


@settings(max_examples=600)
@given(st.lists(st.sampled_from(PROXY_LINES), max_size=25), st.sampled_from(["nginx", "caddy", "yaml"]))
def test_proxy_pass_lines_are_skipped_only_when_they_cannot_matter(lines, kind):
    fast, plain = both(kind, "".join(lines))
    assert fast == plain


@settings(max_examples=400)
@given(st.lists(st.sampled_from(PIECES + ["password", "api-key", "bearer", "basic"]), max_size=30))
def test_the_words_the_line_scan_found_answer_the_proxy_patterns_words(pieces):
    """`_may_match` told the NAMED_WORDS the line scan found says what searching says."""
    lowered = "".join(pieces).lower()
    _starts, named = secret_scan._word_lines(lowered)
    assert named == {word for word in secret_names.NAMED_WORDS if word in lowered}
    for words in (secret_names.AUTH_WORDS, secret_names.HEADER_WORDS):
        assert secret_names._may_match(lowered, words, named) == secret_names._may_match(lowered, words)
