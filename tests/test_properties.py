"""Property-based tests (hypothesis) for every parser and the fixer.

For arbitrary text, and for mutations of the real fixtures (deleted/duplicated lines,
random bytes, truncation, swapped quotes/braces), a check returns diagnostics — never an
internal error — and every span lies inside its file. A bounded number of examples runs
in `make test`; `make fuzz` sets RTCLINT_FUZZ_EXAMPLES for a long run."""

import os
import re
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHARED
from rtclint.config import Config
from rtclint.document import Document
from rtclint.engine import check

EXAMPLES = int(os.environ.get("RTCLINT_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("RTCLINT_FUZZ_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# One file name per format, so each example exercises one parser.
NAMES = ["Caddyfile", "nginx.conf", "haproxy.cfg", "docker-compose.yml", "homeserver.yaml", "livekit.yaml",
         "values.yaml", "k8s.yaml", ".env", ".well-known/matrix/client"]


def seed_texts() -> dict[str, list[str]]:
    """Real files of each format from our fixtures, examples and the upstream corpus."""
    seeds: dict[str, list[str]] = {name: [] for name in NAMES}
    roots = [os.path.join(ROOT, "examples"), os.path.join(ROOT, "tests", "fixtures"),
             os.path.join(SHARED, "corpus", "upstream")]
    for root in roots:
        for dirpath, _dirs, files in os.walk(root):
            for f in files:
                if _target_name(os.path.join(dirpath, f)) is None:
                    continue
                try:
                    with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                        text = fh.read()
                except (OSError, UnicodeDecodeError):
                    continue
                target = _target_name(os.path.join(dirpath, f), text)
                if len(text) < 20000 and len(seeds[target]) < 25:
                    seeds[target].append(text)
    return seeds


def _target_name(path: str, text: str = "") -> str | None:
    """The file name a seed is linted under (what picks its parser), or None; `text`
    tells Kubernetes manifests from other YAML."""
    name = os.path.basename(path).lower()
    if path.replace(os.sep, "/").endswith("/.well-known/matrix/client"):
        return ".well-known/matrix/client"
    if name.startswith("caddyfile"):
        return "Caddyfile"
    if name.endswith(".conf") and "hostile" not in path:
        return "nginx.conf"
    if name.endswith(".cfg"):
        return "haproxy.cfg"
    if "compose" in name and name.endswith((".yml", ".yaml")):
        return "docker-compose.yml"
    if "homeserver" in name:
        return "homeserver.yaml"
    if "livekit" in name and name.endswith((".yml", ".yaml")):
        return "livekit.yaml"
    if name.endswith((".yml", ".yaml")):
        manifest = re.search(r"^apiVersion:", text, re.M) and re.search(r"^kind:", text, re.M)
        return "k8s.yaml" if manifest else "values.yaml"
    if name.endswith(".env"):
        return ".env"
    return None


SEEDS = seed_texts()


def test_every_format_has_seeds():
    """Every format's mutation tests have real files to start from (a format without
    seeds would otherwise test nothing and say nothing)."""
    assert all(SEEDS[name] for name in NAMES), {name: len(SEEDS[name]) for name in NAMES}


def mutate(text: str, data) -> str:
    lines = text.splitlines(keepends=True) or [""]
    op = data.draw(st.sampled_from(["delete", "duplicate", "bytes", "truncate", "swap", "insert"]))
    i = data.draw(st.integers(0, max(0, len(lines) - 1)))
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, lines[i])
    elif op == "truncate":
        return text[: data.draw(st.integers(0, len(text)))]
    elif op == "swap":
        table = str.maketrans({"{": "}", "}": "{", '"': "'", "'": '"', "[": "]", "]": "[", "`": '"'})
        lines[i] = lines[i].translate(table)
    elif op == "insert":
        lines.insert(i, data.draw(st.sampled_from(["{\n", "}\n", '"\n', "`\n", "<<EOF\n", "---\n", "  - x\n", "\\\n"])))
    else:
        pos = data.draw(st.integers(0, len(text)))
        noise = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8))
        return text[:pos] + noise + text[pos:]
    return "".join(lines)


def lint_text(name: str, text: str):
    """Check a one-file tree holding `text` as `name`; return (doc text, diagnostics)."""
    tmp = tempfile.mkdtemp(prefix="rtclint-prop-")
    try:
        path = os.path.join(tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        result = check([tmp], Config())
        return result, tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def assert_sound(result, tmp):
    try:
        for d in result.diagnostics:
            assert "internal error" not in d.message, d.message
            doc: Document | None = result.documents.get(d.span.path)
            if doc is None:
                continue
            assert 0 <= d.span.start <= d.span.end <= len(doc.text), (d, len(doc.text))
            if d.fix is not None:
                for edit in d.fix.edits:
                    edoc = result.documents.get(edit.span.path)
                    assert edoc is not None and 0 <= edit.span.start <= edit.span.end <= len(edoc.text), edit
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400))
def test_property_arbitrary_text(name, text):
    assert_sound(*lint_text(name, text))


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(data=st.data())
def test_property_mutated_fixtures(name, data):
    seed = data.draw(st.sampled_from(SEEDS[name]))
    assert_sound(*lint_text(name, mutate(seed, data)))


STRUCTURED = {
    "Caddyfile": st.lists(st.sampled_from(["example.com {", "}", "handle /x* {", "respond `{\"a\": 1}`", "respond \"x\" 200",
                                           "reverse_proxy lk-jwt-service:8080", "@m path /a", "import snip", "(snip) {",
                                           "header Access-Control-Allow-Origin *", "{$HOST:x} {", "# c", "<<EOF", "EOF"]),
                          max_size=20),
    "nginx.conf": st.lists(st.sampled_from(["server {", "}", "listen 443 ssl;", "location = /.well-known/matrix/client {",
                                            "return 200 '{\"a\": 1}';", "add_header X y always;", "proxy_pass http://a:8080/;",
                                            "include x.conf;", "if ($a) {", "location ~ ^/a {", "# c", "\"", "'"]),
                           max_size=20),
    "haproxy.cfg": st.lists(st.sampled_from(["frontend fe", "backend be", "bind :443 ssl crt /x.pem", "acl a path_beg /x",
                                             "use_backend be if a", "http-request return status 200 string '{}'",
                                             "server s 127.0.0.1:8080", "timeout tunnel 1h", "defaults", "\"", "'", "#"]),
                            max_size=20),
}


@pytest.mark.parametrize("name", sorted(STRUCTURED))
@SETTINGS
@given(data=st.data())
def test_property_structured_proxy_configs(name, data):
    lines = data.draw(STRUCTURED[name])
    assert_sound(*lint_text(name, "\n".join(lines) + "\n"))


# Found by `make fuzz` (5,000 examples): digits int() refuses and a URL urlsplit refuses
# crashed a check. Each seed is rewritten so every number and URL meets them.
UNICODE_DIGITS = [("1", "\u00b9"), ("8", "\u0668"), ("0", "\uff10")]  # superscript, Arabic-Indic, fullwidth


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("digit,odd", UNICODE_DIGITS)
def test_unicode_digits_and_broken_ipv6_urls_are_no_crash(name, digit, odd):
    for seed in SEEDS[name]:
        text = seed.replace(digit, odd).replace("://", "://[")
        assert_sound(*lint_text(name, text))


def test_version_tuple_reads_ascii_digits_only():
    from rtclint.config import version_tuple

    assert version_tuple("v1.13\u00b9") == (1, 13)
    assert version_tuple("\u00b92.0") == ()
