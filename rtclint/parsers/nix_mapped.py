"""Text generated from a .nix file, with the .nix offset of each character, and the
facts another parser reads from it moved back into the .nix file.

The nginx and Caddy readers parse real nginx/Caddy text. For `services.nginx` and
`services.caddy` the NixOS modules generate that text; rtclint writes it the same way
(`Generated`), lets the existing parser read it as a document of its own, then rewrites
every `Span` of the result (and the offsets a `Respond` keeps) to where the characters
came from: a proxyPass URL to its place in the Nix string, a generated directive to the
option that made it. The characters may come from several files of a module tree:
each keeps its own file.
"""

from __future__ import annotations

import dataclasses

from rtclint.document import Document, Span
from rtclint.embedded import Embedded
from rtclint.parsers.nix_syntax import NixValue

GENERATED_SUFFIX = "#generated"
MAX_DEPTH = 64


class Generated:
    """Text being generated, each character with the .nix offset it stands for."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.parts: list[str] = []
        self.offsets: list[int] = []
        self.paths: list[str] = []  # the .nix file of each character

    def emit(self, text: str, at: int | Span | None) -> None:
        """Generated text, all of it standing for one place in the .nix file."""
        pos = at.start if isinstance(at, Span) else (at or 0)
        self.parts.append(text)
        self.offsets.extend([pos] * len(text))
        self.paths.extend([at.path if isinstance(at, Span) else self.doc.path] * len(text))

    def value(self, value: NixValue) -> None:
        """A Nix string's characters, each at its own place."""
        text = str(value.value)
        offsets = value.offsets if value.offsets and len(value.offsets) == len(text) else [value.span.start] * len(text)
        self.parts.append(text)
        self.offsets.extend(offsets)
        joined = value.paths is not None and len(value.paths) == len(text)  # types.lines joined from several files
        self.paths.extend(value.paths if joined else [value.span.path] * len(text))

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def document(self, kind: str) -> tuple[Document, "SourceMap"]:
        """The generated text as a Document of `kind`, and the map back to the .nix files."""
        text = self.text
        fake = Document(path=self.doc.path + GENERATED_SUFFIX, abspath=self.doc.abspath + GENERATED_SUFFIX,
                        kind=kind, text=text)
        return fake, SourceMap(Embedded(self.doc, text, list(self.offsets)), list(self.paths))

    def read_into(self, kind: str, parser, tree, facts) -> None:
        """Parse the generated text with the `kind` parser (nginx, caddy) as NixOS would
        hand it to the program, and add its sites and findings to `facts`, every span
        moved back into the .nix files."""
        fake, emb = self.document(kind)
        found = parser.read(fake, tree)
        move_back(found, fake.path, emb)
        for site in found.sites:
            site.facts["nixos"] = True
        facts.sites += found.sites
        facts.diagnostics += found.diagnostics


class SourceMap:
    """Generated character index -> (.nix file, offset); a span lies in the file of its
    first character (its end is clamped there when the text crosses into another file)."""

    def __init__(self, emb: Embedded, paths: list[str]) -> None:
        self.emb = emb
        self.paths = paths

    def path(self, index: int) -> str:
        if not self.paths:
            return self.emb.doc.path
        return self.paths[min(max(index, 0), len(self.paths) - 1)]

    def offset(self, index: int) -> int:
        return self.emb.offset(index)

    def span(self, start: int, end: int) -> Span:
        found = self.emb.span(start, end)
        path = self.path(start)
        if path == self.path(end - 1):
            return Span(path, found.start, found.end)
        return Span(path, found.start, found.start)


def move_back(obj, fake_path: str, emb: "SourceMap") -> None:
    """Rewrite, in place, every Span of `fake_path` inside `obj` (dataclasses, lists,
    dicts) to its .nix span; `Respond.body_map` offsets too. Insertion points are
    dropped: a fix never writes generated nginx or Caddy text into a .nix file."""
    seen: set[int] = set()

    def fix(value, depth: int):
        if isinstance(value, Span):
            return emb.span(value.start, value.end) if value.path == fake_path else value
        if depth > MAX_DEPTH or id(value) in seen:
            return value
        if isinstance(value, list):
            seen.add(id(value))
            value[:] = [fix(v, depth + 1) for v in value]
        elif isinstance(value, tuple):
            return tuple(fix(v, depth + 1) for v in value)
        elif isinstance(value, dict):
            seen.add(id(value))
            for key in list(value):
                value[key] = fix(value[key], depth + 1)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            seen.add(id(value))
            for f in dataclasses.fields(value):
                current = getattr(value, f.name)
                if f.name == "body_map" and isinstance(current, list):
                    setattr(value, f.name, [emb.offset(i) for i in current])
                elif f.name == "insert_at":
                    setattr(value, f.name, None)
                else:
                    new = fix(current, depth + 1)
                    if new is not current:
                        setattr(value, f.name, new)
        return value

    fix(obj, 0)
