"""What counts as a secret by its name, and which values are worth masking: the words,
the scanner's patterns (compiled on first use) and the quick word tests that let a text
without any of them skip a pattern. Used by the text scan (`secret_scan.py`) and the
records of `secrets.py`."""

from __future__ import annotations

import functools
import re

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
        # The same after a line break: the scan searches "\n" + text. A literal first
        # character lets the regex engine jump from line break to line break, where `^`
        # with re.M would try (and fail) at every character of the text.
        # Possessive runs (`*+`): giving back indent or name characters can never let a
        # line match (the next character would be a space or a name character, which
        # nothing after them accepts), and not trying it saves a backtrack per line.
        # Groups: the indent with the list dash (its length is the line's indent), name, value.
        rx.lines = re.compile(r"\n([ \t]*+(?:-[ \t]+)?)(?:export[ \t]+)?[\"']?"
                              r"([A-Za-z_][\w.-]*+)[\"']?[ \t]*[:=][ \t]*(.*)")
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
        # nginx's proxy_pass directive opening a line (after the line break, or at the
        # start of the text): a literal first character, so the search jumps between lines
        rx.proxy_pass_line = re.compile(r"\n[ \t]*+proxy_pass[ \t]")
        rx.proxy_pass_first = re.compile(r"[ \t]*+proxy_pass[ \t]")
        _RX = rx
    return _RX


# The words without which each case-insensitive pattern cannot match: `maybe_named`'s
# alternatives, the schemes of `auth_scheme`, the words of `token_header`.
# "pass" first: proxy configs are full of `proxy_pass`, and `any` stops at the first word found
NAMED_WORDS = ("pass", "secret", "token", "pwd", "psk", "apikey", "private", "keys")
AUTH_WORDS = ("bearer", "basic", "token")
HEADER_WORDS = ("token", "secret", "apikey", "api-key", "password")


def _may_match(lowered: str | None, words: tuple[str, ...], named: set[str] | None = None) -> bool:
    """Whether a text may hold one of `words`, case-insensitively: a substring test of
    the lower-cased text (`lowered`, None for a text that is not ASCII), which is C
    speed where the patterns' case-insensitive alternations are not (proxy configs are
    mostly `proxy_pass` lines). Exact for ASCII only: Unicode case folding lets e.g.
    `ſ` match `s`, so for other texts the caller asks the pattern itself. `named`, when
    given, is the set of NAMED_WORDS the text holds (the line scan searched them): those
    words, and the words holding one it lacks (`password` without `pass`), are not
    searched again (each search reads the whole text)."""
    if lowered is None:
        return True
    for word in words:
        if named is not None and (word in NAMED_WORDS or _HOLDS_NAMED[word] - named):
            if word in named:
                return True
            continue
        if word in lowered:
            return True
    return False


# each word of AUTH_WORDS and HEADER_WORDS → the words of NAMED_WORDS it holds
_HOLDS_NAMED = {word: {named for named in NAMED_WORDS if named in word} for word in AUTH_WORDS + HEADER_WORDS}


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
    if value[:1] in ("\"", "'"):  # a tuple: "" (an empty value) is in every string
        end = value.find(value[0], 1)
        return value[1:end] if end > 0 else value[1:]
    if "#" not in value:  # most values: no comment to cut (and no regex call)
        return value
    return re.sub(r"[ \t]+#.*$", "", value)  # a YAML / env comment
