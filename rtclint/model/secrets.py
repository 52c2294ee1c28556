"""The one place that decides what is secret, and masks it.

Every output rtclint writes (reports in every format, the baseline, `--diff`, the parse
cache, error messages) goes through here. What counts as a secret:

- LiveKit API secrets: `keys` in livekit.yaml, `LIVEKIT_KEYS`, the contents of a
  `key_file` found in the tree, ESS `matrixRTC.livekitAuth.secret.value`;
- any value whose name says it is secret: `*_SECRET`, `*_TOKEN`, `*PASSWORD`, `*_PSK`,
  `*_SECRET_KEY`, `*_PRIVATE_KEY` (`LIVEKIT_SECRET`, the lk-jwt secret, Synapse's
  `registration_shared_secret`, `macaroon_secret_key`, `form_secret`, ...), in YAML,
  env files, Compose lists, Kubernetes `name:`/`value:` pairs;
- every value of a Kubernetes `Secret`'s `data`/`stringData`;
- the body of a PEM private key;
- tokens in proxy headers (`Authorization "Bearer …"`, `X-Auth-Token …`).

Values are found by reading the text itself (no parser: the model never imports one), so
the masking holds in files no reader understood and after fixes moved lines around.
Placeholders (`changeme`, `<secret>`, `${VAR}`) and paths are not secrets: masking the
word `secret` everywhere would only garble the messages that talk about secrets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

MASK_CHAR = "*"
MIN_SECRET = 6  # shorter values are masked by position only (a value scan would hit words)
SECRET_WORDS = frozenset({"secret", "token", "password", "passwd", "pwd", "pass", "psk", "apikey"})
SECRET_KEY_PREFIXES = frozenset({"secret", "private", "signing_secret"})
# Names that end like a secret but hold where to find one, not the secret itself.
NOT_SECRET_NAMES = frozenset({"secretkey", "secretname", "existingsecret", "secretref", "tokenurl",
                              "proxypass"})  # NixOS nginx `proxyPass = "http://…"`
NOT_SECRET_SUFFIXES = frozenset({"file", "path", "name", "ref", "dir", "ttl", "url", "type", "mode",
                                  "enabled", "length", "from", "env", "lifetime", "expiry", "header"})
PLACEHOLDERS = frozenset({"changeme", "change_me", "change-me", "secret", "devkey", "password", "token",
                          "bearer", "basic", "null", "none", "true", "false", "yes", "no", "redacted"})
PROXY_KINDS = frozenset({"caddy", "nginx", "haproxy"})


class _Patterns:
    """The scanner's regular expressions, compiled on first use (not at import: every
    run imports this module, few runs hold anything to scan)."""


_RX: _Patterns | None = None


def _rx() -> _Patterns:
    global _RX
    if _RX is None:
        rx = _Patterns()
        rx.line = re.compile(r"^(?P<indent>[ \t]*)(?P<dash>-[ \t]+)?(?:export[ \t]+)?[\"']?"
                             r"(?P<name>[A-Za-z_][\w.-]*)[\"']?[ \t]*(?P<sep>[:=])[ \t]*(?P<value>.*)")
        rx.lines = re.compile(rx.line.pattern, re.M)  # the same, at every line start of a text
        rx.camel = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
        rx.word_split = re.compile(r"[_.\-]+")
        rx.pem = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(.*?)-----END [A-Z ]*PRIVATE KEY-----", re.S)
        rx.auth_scheme = re.compile(r"(?i)\b(?:bearer|basic|token)[ \t]+([A-Za-z0-9._~+/=:-]+)")
        rx.token_header = re.compile(r"(?i)\b[\w-]*(?:token|secret|api-?key|password)[\w-]*[\"']?:?[ \t]+"
                                     r"[\"']?([^\s\"';{}$]+)")
        rx.placeholder_shape = re.compile(r"^(?:\(.*\)|<.*>|\{\{.*\}\}|\*+.*)$|\$\{|\$\(|^\$[A-Za-z_]|^\{")
        rx.k8s_secret = re.compile(r"^kind:[ \t]*[\"']?Secret[\"']?[ \t]*$", re.M)
        # Every name `is_secret_name` accepts holds one of these (and so do LiveKit's
        # `keys:` and LIVEKIT_KEYS): a text without any has nothing for the line scanner.
        rx.maybe_named = re.compile(r"(?i)secret|token|pass|pwd|psk|apikey|private|keys")
        _RX = rx
    return _RX


# The words without which each case-insensitive pattern cannot match: `maybe_named`'s
# alternatives, the schemes of `auth_scheme`, the words of `token_header`.
NAMED_WORDS = ("secret", "token", "pass", "pwd", "psk", "apikey", "private", "keys")
AUTH_WORDS = ("bearer", "basic", "token")
HEADER_WORDS = ("token", "secret", "apikey", "api-key", "password")


def _may_match(lowered: str | None, words: tuple[str, ...]) -> bool:
    """Whether a text may hold one of `words`, case-insensitively: a substring test of
    the lower-cased text (`lowered`, None for a text that is not ASCII), which is C
    speed where the patterns' case-insensitive alternations are not (proxy configs are
    mostly `proxy_pass` lines). Exact for ASCII only: Unicode case folding lets e.g.
    `ſ` match `s`, so for other texts the caller asks the pattern itself."""
    return lowered is None or any(word in lowered for word in words)


@functools.lru_cache(maxsize=4096)  # a tree repeats its setting names many times over
def is_secret_name(name: str) -> bool:
    """Whether a setting called `name` holds a secret (by the words it is made of)."""
    if name.replace("_", "").replace("-", "").lower() in NOT_SECRET_NAMES:
        return False
    words = [w for w in _rx().word_split.split(_rx().camel.sub("_", name).lower()) if w]
    if not words or words[-1] in NOT_SECRET_SUFFIXES:
        return False
    if words[-1] in SECRET_WORDS:
        return True
    return len(words) >= 2 and words[-1] == "key" and words[-2] in SECRET_KEY_PREFIXES


def plausible_secret(value: str) -> bool:
    """A value worth masking: not empty, not a placeholder, a reference or a path."""
    text = value.strip()
    if not text or text.lower() in PLACEHOLDERS or text[0] in "/.~|>&*!%":
        return False
    if _rx().placeholder_shape.search(text):
        return False
    return not text.isdecimal()


def _unquote(value: str) -> str:
    value = value.strip()
    if value[:1] in "\"'":
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    return re.sub(r"[ \t]+#.*$", "", value)  # a YAML / env comment


class Secrets:
    """The secrets of one tree: exact positions (for quoting source lines) and values
    (for any other text: messages, diffs, fix contents)."""

    __slots__ = ("spans", "values", "_pattern")

    def __init__(self) -> None:
        self.spans: dict[str, list[tuple[int, int]]] = {}
        self.values: set[str] = set()
        self._pattern: re.Pattern | None = None

    def add(self, path: str, start: int, value: str) -> None:
        """A secret `value` written at `start` in the file `path`."""
        value = value.strip()
        if not value or not plausible_secret(value):
            return
        self.spans.setdefault(path, []).append((start, start + len(value)))
        self.values.add(value)
        self._pattern = None

    def add_value(self, value: str) -> None:
        value = value.strip()
        if value and plausible_secret(value):
            self.values.add(value)
            self._pattern = None

    def pattern(self) -> re.Pattern | None:
        if self._pattern is None:
            import json

            forms = set()
            for value in self.values:
                if len(value) >= MIN_SECRET:
                    forms.add(value)
                    forms.add(json.dumps(value)[1:-1])  # as JSON/SARIF output escapes it
                    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
            if forms:
                self._pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
        return self._pattern

    def mask(self, text: str) -> str:
        """`text` with every secret value replaced by `*` (same length)."""
        pattern = self.pattern()
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: MASK_CHAR * len(m.group(0)), text)

    def mask_line(self, path: str, line_start: int, text: str) -> str:
        """A source line (starting at offset `line_start` of `path`) with its secrets as
        `*`, short ones included (by position)."""
        chars = list(text)
        for start, end in self.spans.get(path, ()):
            for i in range(max(start, line_start), min(end, line_start + len(text))):
                chars[i - line_start] = MASK_CHAR
        return self.mask("".join(chars))

    def holds_secret(self, text: str) -> bool:
        pattern = self.pattern()
        return pattern is not None and pattern.search(text) is not None

    def overlaps(self, path: str, start: int, end: int) -> bool:
        """Whether [start, end) of `path` touches a secret."""
        return any(s < end and start < e for s, e in self.spans.get(path, ()))


_REMEMBERED = Secrets()


def scrub(text: str) -> str:
    """`text` with every secret seen in this process masked: for messages that have no
    tree at hand (internal errors, tracebacks, logs)."""
    return _REMEMBERED.mask(text)


def remember(found: Secrets) -> None:
    """Keep `found`'s values for `scrub`; from the first secret on, a traceback that
    escapes is printed with them masked too (its messages may quote a value)."""
    if not found.values - _REMEMBERED.values:
        return
    _REMEMBERED.values |= found.values
    _REMEMBERED._pattern = None
    import sys

    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _masked_excepthook


def _masked_excepthook(exc_type, exc, tb) -> None:
    import sys
    import traceback

    sys.stderr.write(scrub("".join(traceback.format_exception(exc_type, exc, tb))))


def find_in_documents(documents: Iterable, found: Secrets | None = None) -> Secrets:
    """The secrets written in these documents (anything with `path`, `kind`, `text`)."""
    found = found if found is not None else Secrets()
    for doc in documents:
        _scan(doc.path, doc.kind, doc.text, found)
    remember(found)
    return found


def of(deployment) -> Secrets:
    """The secrets of a checked tree (computed once per deployment)."""
    cached = getattr(deployment, "_secrets", None)
    if cached is not None:
        return cached
    found = find_in_documents(deployment.documents.values())
    _from_model(deployment, found)
    remember(found)
    try:
        deployment._secrets = found
    except AttributeError:  # a slotted deployment: computed again next time
        pass
    return found


def _from_model(deployment, found: Secrets) -> None:
    """What only the readers know: LiveKit key maps however they were written
    (`LIVEKIT_KEYS`, `LIVEKIT_CONFIG`, ConfigMaps), and the files `key_file` names."""
    key_files = set()
    for cfg in getattr(deployment, "livekit", ()):
        for located in getattr(cfg, "keys", {}).values():
            span, value = getattr(located, "span", None), getattr(located, "value", None)
            if span is not None and value is not None:
                found.add(span.path, span.start, str(value))
            elif value is not None:
                found.add_value(str(value))
        key_file = getattr(cfg, "key_file", None)
        if key_file is not None and getattr(key_file, "value", None):
            key_files.add(str(key_file.value).rsplit("/", 1)[-1])
    for svc in getattr(deployment, "services", ()):
        for name, var in getattr(svc, "env", {}).items():
            span, value = getattr(var, "value_span", None), getattr(var, "value", None)
            if value is None or not is_secret_name(name):
                continue
            if span is not None and span.end > span.start:
                found.add(span.path, span.start, value)
            else:
                found.add_value(value)
    for doc in deployment.documents.values():
        if doc.path.rsplit("/", 1)[-1] in key_files:
            _scan_all_values(doc.path, doc.text, found)


def _scan(path: str, kind: str, text: str, found: Secrets) -> None:
    lowered = text.lower() if text.isascii() else None
    if _may_match(lowered, NAMED_WORDS) and _rx().maybe_named.search(text):
        _scan_named(path, kind, text, found)
    if "Secret" in text:  # a Kubernetes Secret says `kind: Secret`
        for section_start, section in _yaml_sections(text):
            if _rx().k8s_secret.search(section):
                _scan_k8s_secret(path, section_start, section, found)
    for m in _rx().pem.finditer(text) if "PRIVATE KEY-----" in text else ():
        offset = m.start(1)
        for line in m.group(1).split("\n"):
            if line.strip():
                found.add(path, offset + len(line) - len(line.lstrip()), line.strip())
            offset += len(line) + 1
    if kind in PROXY_KINDS:
        for regex, words in ((_rx().auth_scheme, AUTH_WORDS), (_rx().token_header, HEADER_WORDS)):
            for m in regex.finditer(text) if _may_match(lowered, words) else ():
                found.add(path, m.start(1), m.group(1))


def _scan_named(path: str, kind: str, text: str, found: Secrets) -> None:
    """`NAME: value` / `NAME=value` lines whose name (or parent's name, for ESS
    `secret: {value: …}` and LiveKit `keys:`) says secret; Kubernetes `- name: X` then
    `value: …`."""
    parents: list[tuple[int, str]] = []  # (indent, name) of the enclosing YAML keys
    pending_name: str | None = None  # a `- name: LIVEKIT_SECRET` waiting for its `value:`
    # Only the lines `line` matches count, so one search over the text finds them (no
    # part of the pattern crosses a line break) without a Python step for every other line.
    for m in _rx().lines.finditer(text):
        indent = len(m.group("indent")) + (len(m.group("dash")) if m.group("dash") else 0)
        name, raw = m.group("name"), m.group("value").rstrip()
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parent = parents[-1][1] if parents else ""
        if m.group("dash"):
            pending_name = None
        if raw and not raw.startswith("#"):
            _maybe_add(path, m.start("value"), name, parent, raw, pending_name, found)
        if name == "name" and is_secret_name(_unquote(raw or "")):
            pending_name = _unquote(raw)
        if not raw:
            parents.append((indent, name))


def _maybe_add(path: str, start: int, name: str, parent: str, raw: str, pending: str | None,
               found: Secrets) -> None:
    secret = is_secret_name(name) or (name == "value" and (is_secret_name(parent) or pending is not None))
    if parent == "keys" and name != "keys":  # LiveKit's `keys:` map: key name → secret
        secret = True
    livekit_keys = name.upper() == "LIVEKIT_KEYS"
    if not secret and not livekit_keys:  # most lines: decided by the name alone
        return
    value = _unquote(raw)
    lead = raw.find(value) if value else 0
    if livekit_keys:  # "key: secret, key2: secret2"
        pos = 0
        for part in value.split(","):
            if ":" in part:
                head, tail = part.split(":", 1)
                found.add(path, start + lead + pos + len(head) + 1 + len(tail) - len(tail.lstrip()), tail)
            pos += len(part) + 1
        return
    if secret and value:
        found.add(path, start + max(lead, 0), value)


def _scan_all_values(path: str, text: str, found: Secrets) -> None:
    """A LiveKit key file: `key: secret` lines (or bare secrets)."""
    offset = 0
    for line in text.split("\n"):
        head, sep, tail = line.partition(":")
        value = tail if sep else head
        if value.strip() and not line.lstrip().startswith("#"):
            found.add(path, offset + len(line) - len(value.lstrip()), _unquote(value))
        offset += len(line) + 1


def _yaml_sections(text: str):
    start = 0
    for m in re.finditer(r"^---.*$", text, re.M):
        yield start, text[start : m.start()]
        start = m.end()
    yield start, text[start:]


def _scan_k8s_secret(path: str, base: int, section: str, found: Secrets) -> None:
    """Every value under a Kubernetes Secret's `data:` / `stringData:`."""
    inside = False
    offset = base
    for line in section.split("\n"):
        if re.match(r"^(data|stringData):[ \t]*$", line):
            inside = True
        elif line and not line[0].isspace():
            inside = False
        elif inside:
            m = _rx().line.match(line)
            if m is not None and m.group("value"):
                value = _unquote(m.group("value"))
                found.add(path, offset + m.start("value") + max(m.group("value").find(value), 0), value)
        offset += len(line) + 1


def scrub_diagnostics(diagnostics: list, deployment) -> list:
    """The diagnostics with every secret masked in their messages (their own, their
    related locations' and their fixes'). Fix edits keep their text: `--fix` needs it,
    and every output that shows them masks them itself."""
    found = of(deployment)
    if found.pattern() is None:
        return diagnostics
    out = []
    for diag in diagnostics:
        changes = {}
        if found.holds_secret(diag.message):
            changes["message"] = found.mask(diag.message)
        if any(found.holds_secret(r.message) for r in diag.related):
            changes["related"] = tuple(_with(r, message=found.mask(r.message)) for r in diag.related)
        if diag.fix is not None and found.holds_secret(diag.fix.message):
            changes["fix"] = _with(diag.fix, message=found.mask(diag.fix.message))
        out.append(_with(diag, **changes) if changes else diag)
    return out


def _with(obj, **changes):
    """A copy of a (possibly frozen) record or dataclass with some fields changed."""
    import copy

    new = copy.copy(obj)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


def seal(payload: bytes, key: bytes) -> bytes:
    """`payload` encrypted for the parse cache: the pickled facts hold the tree's
    secrets, and a cache directory must not become a copy of them. SHAKE-256 of the
    user's cache key and a random nonce is the keystream (a stream cipher; the cache's
    MAC already authenticates the result)."""
    import os

    nonce = os.urandom(16)
    return nonce + _xor(payload, _keystream(key, nonce, len(payload)))


def unseal(blob: bytes, key: bytes) -> bytes:
    nonce, body = blob[:16], blob[16:]
    return _xor(body, _keystream(key, nonce, len(body)))


def _keystream(key: bytes, nonce: bytes, size: int) -> bytes:
    try:
        from _sha3 import shake_256
    except ImportError:  # another Python implementation
        from hashlib import shake_256
    return shake_256(b"rtclint-cache\0" + key + nonce).digest(size)


def _xor(data: bytes, stream: bytes) -> bytes:
    if not data:
        return b""
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")
