"""Property-based tests (hypothesis) for the fixer.

- Choosing and applying edits: for arbitrary text and arbitrary (overlapping) fixes,
  the chosen fixes never overlap, every fix is taken whole or not at all, and the
  result keeps every character outside the chosen edits, in order.
- `--fix` on mutated real files of each format: it never raises, a file that did not
  parse is left byte-for-byte alone, a file that parsed still parses, and a second run
  changes nothing.

A bounded number of examples runs in `make test`; `make fuzz` raises it."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtclint.config import Config
from rtclint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from rtclint.document import Span
from rtclint.fix import apply_edits, choose, fix_paths
from test_properties import mutate

EXAMPLES = int(os.environ.get("RTCLINT_FUZZ_EXAMPLES", "40"))
PURE = settings(max_examples=EXAMPLES * 5, deadline=None, derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"))
END_TO_END = settings(max_examples=max(5, EXAMPLES // 4), deadline=None,
                      derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"),
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FORMATS = ["Caddyfile", "nginx.conf", "haproxy.cfg", "homeserver.yaml", "docker-compose.yml"]


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@st.composite
def text_and_fixes(draw):
    text = draw(st.text(alphabet="ab\n{}", max_size=40))
    n = len(text)
    fixes = []
    for _ in range(draw(st.integers(0, 6))):
        edits = []
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.integers(0, n))
            end = draw(st.integers(start, n))
            edits.append(Edit(Span("f", start, end), draw(st.text(alphabet="XYZ", max_size=3))))
        fixes.append(Diagnostic("RTC999", "x", Severity.WARNING, edits[0].span, "m",
                                Fix(Applicability.SAFE, "m", tuple(edits))))
    return text, fixes


def _overlap(a: Edit, b: Edit) -> bool:
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    return a.span.start < b.span.end and b.span.start < a.span.end


@PURE
@given(text_and_fixes())
def test_property_chosen_edits_are_disjoint_whole_and_keep_everything_else(case):
    text, diagnostics = case
    chosen = choose(diagnostics)
    edits = [e for f in chosen.fixes for e in f.edits]
    for i, a in enumerate(edits):
        for b in edits[i + 1 :]:
            assert not _overlap(a, b)
    for fix in chosen.fixes:  # whole fixes only: each chosen fix is one of the offered ones
        assert any(fix is d.fix for d in diagnostics)
    result = apply_edits(text, edits)
    # Rebuild the expected result piece by piece: untouched text between edits, in order.
    expected, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        expected.append(text[pos : e.span.start])
        expected.append(e.content)
        pos = e.span.end
    expected.append(text[pos:])
    assert result == "".join(expected)


def fixable_seeds() -> dict[str, list[str]]:
    """Fixture trees (cases with a `fixed/` tree, so rtclint does offer fixes there)
    holding a file of each format: mutating that one file inside its whole tree keeps
    the cross-file fixes in play, so the fixer is exercised, not only the parsers."""
    from conftest import ROOT

    seeds: dict[str, list[str]] = {name: [] for name in FORMATS}
    root = os.path.join(ROOT, "tests", "fixtures", "rules")
    for dirpath, dirs, _files in sorted(os.walk(root)):
        if "fixed" not in dirs or "tree" not in dirs:
            continue
        for name in FORMATS:
            if os.path.isfile(os.path.join(dirpath, "tree", name)):
                seeds[name].append(os.path.join(dirpath, "tree"))
    return seeds


SEEDS = fixable_seeds()


def _fix_dir(tmp: str, unsafe: bool = True):
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        return fix_paths(["."], Config(), unsafe=unsafe)
    finally:
        os.chdir(cwd)


def _tree_bytes(tmp: str) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, files in os.walk(tmp):
        for f in files:
            full = os.path.join(dirpath, f)
            out[os.path.relpath(full, tmp)] = _read_bytes(full)
    return out


@pytest.mark.parametrize("name", FORMATS)
@END_TO_END
@given(data=st.data())
def test_property_fix_on_mutated_trees_is_safe_and_idempotent(name, data):
    tree = data.draw(st.sampled_from(SEEDS[name]))
    tmp = tempfile.mkdtemp(prefix="rtclint-fixprop-")
    try:
        shutil.copytree(tree, tmp, dirs_exist_ok=True)
        path = os.path.join(tmp, name)
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            text = mutate(fh.read(), data)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        original = _read_bytes(path)
        _fix_dir(tmp)
        after = _read_bytes(path)
        if _unparsed(tmp, original, name):
            assert after == original, "a file that did not parse was edited"
        else:
            assert not _unparsed(tmp, after, name), "a fix made the file unparseable"
        fixed_tree = _tree_bytes(tmp)
        again = _fix_dir(tmp)
        assert _tree_bytes(tmp) == fixed_tree, "a second --fix changed bytes"
        assert not again.fixed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _unparsed(tmp: str, data: bytes, name: str) -> bool:
    """Whether `data`, as file `name`, has a parse error (RTC001/RTC002)."""
    from rtclint.engine import check, overlaid

    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        with overlaid({os.path.join(tmp, name): data}):
            result = check(["."], Config())
    finally:
        os.chdir(cwd)
    return any(d.code in ("RTC001", "RTC002") for d in result.diagnostics)


# A whole clean deployment (RTC202's fixed fixture tree), its jwt route stripping a prefix.
STRIP_TREE = {
    'Caddyfile': (
        'example.com {\n'
        '\thandle /.well-known/matrix/client {\n'
        '\t\theader Access-Control-Allow-Origin "*"\n'
        '\t\trespond `{"m.homeserver": {"base_url": "https://matrix.example.com"}, "org.matrix.msc4143.rtc_foci'
        '": [{"type": "livekit", "livekit_service_url": "https://rtc.example.com/livekit/jwt"}]}`\n'
        '\t}\n'
        '\thandle /.well-known/matrix/server {\n'
        '\t\theader Access-Control-Allow-Origin "*"\n'
        '\t\trespond `{"m.server": "matrix.example.com:443"}`\n'
        '\t}\n'
        '}\n'
        '\n'
        'matrix.example.com {\n'
        '\treverse_proxy synapse:8008\n'
        '}\n'
        '\n'
        'rtc.example.com {\n'
        '\t@jwt_service path /livekit/jwt/*\n'
        '\thandle @jwt_service {\n'
        '\t\turi strip_prefix /livekit/jwt\n'
        '\t\treverse_proxy lk-jwt-service:8080\n'
        '\t}\n'
        '\thandle {\n'
        '\t\treverse_proxy livekit:7880\n'
        '\t}\n'
        '}\n'
    ),
    'docker-compose.yml': (
        'services:\n'
        '  lk-jwt-service:\n'
        '    image: ghcr.io/element-hq/lk-jwt-service:0.6.0\n'
        '    environment:\n'
        '      - LIVEKIT_JWT_BIND=:8080\n'
        '      - LIVEKIT_URL=wss://rtc.example.com/livekit/sfu\n'
        '      - LIVEKIT_KEY_FILE=/run/secrets/livekit_key\n'
        '      - LIVEKIT_SECRET_FILE=/run/secrets/livekit_secret\n'
        '      - LIVEKIT_FULL_ACCESS_HOMESERVERS=example.com\n'
        '  livekit:\n'
        '    image: livekit/livekit-server:v1.13.4\n'
        '    command: --config /etc/livekit.yaml\n'
        '    volumes:\n'
        '      - ./livekit.yaml:/etc/livekit.yaml:ro\n'
        '    network_mode: host\n'
    ),
    'homeserver.yaml': (
        'server_name: example.com\n'
        'public_baseurl: https://matrix.example.com/\n'
        'experimental_features:\n'
        '  msc4143_enabled: true\n'
        '  msc4222_enabled: true\n'
        '  msc4354_enabled: true\n'
        'max_event_delay_duration: 24h\n'
        'matrix_rtc:\n'
        '  transports:\n'
        '    - type: livekit\n'
        '      livekit_service_url: https://rtc.example.com/livekit/jwt\n'
        'rc_message:\n'
        '  per_second: 0.5\n'
        '  burst_count: 30\n'
        'rc_delayed_event_mgmt:\n'
        '  per_second: 1\n'
        '  burst_count: 20\n'
    ),
    'livekit.yaml': (
        'port: 7880\n'
        'rtc:\n'
        '  tcp_port: 7881\n'
        '  port_range_start: 50100\n'
        '  port_range_end: 50200\n'
        '  use_external_ip: true\n'
        'key_file: /etc/livekit/keys.yaml\n'
    ),
}


def test_regression_a_duplicated_strip_prefix_is_fixed_once(tmp_path):
    """Found by `make fuzz` (commit 3108f2d): a `uri strip_prefix` line written twice made
    RTC201 fire and `--fix` add a line on every run. Now the tree is left as it is (the
    second strip finds no prefix left, as in Caddy), and a second --fix changes nothing."""
    for name, content in STRIP_TREE.items():
        (tmp_path / name).write_text(content)
    caddyfile = tmp_path / "Caddyfile"
    line = "\t\turi strip_prefix /livekit/jwt\n"
    text = caddyfile.read_text()
    assert line in text
    caddyfile.write_text(text.replace(line, line + line, 1))
    _fix_dir(str(tmp_path))
    fixed = _tree_bytes(str(tmp_path))
    again = _fix_dir(str(tmp_path))
    assert _tree_bytes(str(tmp_path)) == fixed and not again.fixed
    from rtclint.engine import check

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert "RTC201" not in {d.code for d in check(["."], Config()).diagnostics}
    finally:
        os.chdir(cwd)
