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

The words and patterns are in `secret_names.py`, the text scan in `secret_scan.py`, the
parse cache's sealing in `sealing.py`; this module holds what the outputs use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rtclint.model.sealing import seal, unseal  # noqa: F401  (the cache's entry point)
from rtclint.model.secret_names import MASK_CHAR, MIN_SECRET, is_secret_name, plausible_secret
from rtclint.model.secret_scan import _scan, _scan_all_values


class Secrets:
    """The secrets of one tree: exact positions (for quoting source lines) and values
    (for any other text: messages, diffs, fix contents)."""

    __slots__ = ("spans", "values", "_pattern", "_forms")

    def __init__(self) -> None:
        self.spans: dict[str, list[tuple[int, int]]] = {}
        self.values: set[str] = set()
        self._pattern: re.Pattern | None = None
        self._forms: list[str] | None = None  # the values as texts show them, longest first

    def add(self, path: str, start: int, value: str) -> None:
        """A secret `value` written at `start` in the file `path`."""
        value = value.strip()
        if not value or not plausible_secret(value):
            return
        self.spans.setdefault(path, []).append((start, start + len(value)))
        self.values.add(value)
        self._changed()

    def add_value(self, value: str) -> None:
        value = value.strip()
        if value and plausible_secret(value):
            self.values.add(value)
            self._changed()

    def _changed(self) -> None:
        self._pattern = self._forms = None

    def forms(self) -> list[str]:
        """What the pattern matches: each value long enough to mask by value, as it is and
        as JSON writes it, longest first."""
        if self._forms is None:
            import json

            forms = set()
            for value in self.values:
                if len(value) >= MIN_SECRET:
                    forms.add(value)
                    forms.add(json.dumps(value)[1:-1])  # as JSON/SARIF output escapes it
                    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
            self._forms = sorted(forms, key=len, reverse=True)
        return self._forms

    def pattern(self) -> re.Pattern | None:
        if self._pattern is None and self.forms():
            self._pattern = _compiled(self.forms())
        return self._pattern

    def mask(self, text: str) -> str:
        """`text` with every secret value replaced by `*` (same length)."""
        pattern = self.pattern()
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: MASK_CHAR * len(m.group(0)), text)

    def mask_chunks(self, chunks):
        """`mask` of each of a long text's chunks (a JSON report's), the same texts. Why it
        is fast: a report repeats its lines (keys, codes, paths, messages), and most of
        its chunks hold no secret: a chunk whose lines not seen yet hold no form is passed
        on as it is, without the pattern stepping through all of it (the report's ~9 ms of
        masking, and the pattern's compiling, on the mixed YAML set). Why it is the same:
        a form without a line break found in a chunk is within one of its lines; a chunk
        where one is found, or a form with a line break, is masked by the pattern."""
        seen: set[str] = set()  # lines (pieces between line breaks) holding no form
        forms = None
        for chunk in chunks:
            if forms is not self.forms():  # (the secrets never change while a report is written)
                forms, seen = self.forms(), set()
            if not forms or any("\n" in form for form in forms):
                yield self.mask(chunk)
                continue
            new = set(chunk.split("\n"))
            new.difference_update(seen)
            joined = "\n".join(new)
            if any(form in joined for form in forms):
                yield self.mask(chunk)
            else:
                seen |= new
                yield chunk

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


def _compiled(forms) -> re.Pattern:
    return re.compile(_trie_pattern(forms) or _alternation(forms))


def _alternation(forms: set[str]) -> str:
    """Every form, longest first: at each place the longest form that is there matches."""
    return "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))


_TRIE_DEPTH = 64  # nested groups at most; deeper (forms that are prefixes of forms of…): the plain alternation


def _trie_pattern(forms: set[str]) -> str | None:
    """`_alternation`'s matches written as a trie: forms that share a beginning share its
    characters, and a shorter form is an optional end tried after every longer one, so at
    each place the longest form there matches, as in the alternation. The regex engine then
    tries one branch per character instead of every form (the whole JSON report goes
    through it: masking the bench's 600 kB with 60 secrets took twice as long). None when
    the nesting would be too deep to compile."""
    root: dict = {}
    for form in forms:
        node = root
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}  # a form ends here

    def emit(node: dict, depth: int) -> str | None:
        run = []  # a chain of single characters is written as it is
        while "" not in node and len(node) == 1:
            (char, node), = node.items()
            run.append(re.escape(char))
        branches = []
        for char in sorted(k for k in node if k):
            rest = emit(node[char], depth + 1) if depth < _TRIE_DEPTH else None
            if rest is None:
                return None
            branches.append(re.escape(char) + rest)
        if not branches:
            return "".join(run)
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "".join(run) + (f"(?:{body})?" if "" in node else body)

    return emit(root, 0)


_REMEMBERED = Secrets()


def scrub(text: str) -> str:
    """`text` with every secret seen in this process masked: for messages that have no
    tree at hand (internal errors, tracebacks, logs)."""
    return _REMEMBERED.mask(text)


def mask_chunks(chunks, deployment=None):
    """`Secrets.mask_chunks` of the tree's secrets, or without a tree of every secret seen
    in this process (as `scrub`)."""
    return (of(deployment) if deployment is not None else _REMEMBERED).mask_chunks(chunks)


def remember(found: Secrets) -> None:
    """Keep `found`'s values for `scrub`; from the first secret on, a traceback that
    escapes is printed with them masked too (its messages may quote a value)."""
    if not found.values - _REMEMBERED.values:
        return
    _REMEMBERED.values |= found.values
    _REMEMBERED._changed()
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


def scrub_diagnostics(diagnostics: list, deployment) -> list:
    """The diagnostics with every secret masked in their messages (their own, their
    related locations' and their fixes'). Fix edits keep their text: `--fix` needs it,
    and every output that shows them masks them itself."""
    found = of(deployment)
    if not found.forms() or not _any_form_in(found, diagnostics):
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


def _any_form_in(found: Secrets, diagnostics: list) -> bool:
    """Whether a message of these findings may hold a secret: each form asked once of all
    the messages joined, instead of the pattern once for each message. Never a miss (a
    form in a message is in the joined text); a form found only across the NUL between
    two makes the caller ask each message, as before. Why it is fast: the pattern is not
    compiled at all for a run whose messages quote no secret, and its search of each of
    a thousand messages cost more than a substring test per form over them all."""
    messages = []
    for diag in diagnostics:
        messages.append(diag.message)
        messages.extend(r.message for r in diag.related)
        if diag.fix is not None:
            messages.append(diag.fix.message)
    joined = "\0".join(messages)
    return any(form in joined for form in found.forms())


def _with(obj, **changes):
    """A copy of a (possibly frozen) record or dataclass with some fields changed."""
    import copy

    new = copy.copy(obj)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new
