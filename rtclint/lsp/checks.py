"""The workspace as rtclint sees it, and one check of it (no LSP here: paths and findings).

Each workspace folder is checked as `rtclint check FOLDER` would check it, run from inside
it: its settings file (`[tool.rtclint]`, `.rtclint.toml`), its `exclude` and ignore files,
paths shown relative to it. The open buffers are laid over the files on disk
(`engine.overlaid`), so an unsaved change in one file moves the findings of every file of
its deployment. A file open outside every folder is checked on its own, as
`rtclint check FILE` checks it.

A check changes process-wide state (the overlay, the working directory), so checks run
one at a time, under one lock for the process."""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field

from rtclint.config import Config
from rtclint.diagnostics import Diagnostic
from rtclint.document import Document

CHECKING = threading.Lock()

# A deployment as the server groups files: (the folder checked, the deployment's name in
# that check; None when the check found one deployment)
DeploymentKey = tuple[str, "str | None"]


@dataclass(frozen=True, slots=True)
class Buffer:
    """An open document: its text in the editor, and the version the client gave it."""

    text: str
    version: int | None = None


@dataclass
class Snapshot:
    """The findings of one check of the whole workspace, by absolute path."""

    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)  # the text each finding's offsets point into
    deployments: dict[str, DeploymentKey] = field(default_factory=dict)
    versions: dict[str, int | None] = field(default_factory=dict)  # the buffer versions this check read
    problems: list[str] = field(default_factory=list)  # unusable settings files, internal errors
    verdicts: dict[tuple, str | None] = field(default_factory=dict)  # fix key -> why not to apply it (verify.py)

    def files_of(self, keys: set[DeploymentKey]) -> set[str]:
        """Every file checked (or named by a finding) in these deployments."""
        return {path for path, key in self.deployments.items() if key in keys}

    def locate(self, where: str, shown: str) -> tuple[str, Document | None]:
        """The absolute path and the document of a path as a check showed it (relative to
        the folder it ran in, `where`, or absolute outside it)."""
        path = os.path.normpath(os.path.join(where, shown))
        return path, self.documents.get(path)

    def folder_of(self, path: str) -> str:
        """The folder the check of this file ran in."""
        return self.deployments.get(path, (os.path.dirname(path), None))[0]


class Workspace:
    """The folders the client opened and the buffers it has open."""

    def __init__(self, folders: list[str]) -> None:
        self.folders = outermost(folders)

    def folder_of(self, path: str) -> str | None:
        return next((f for f in self.folders if inside(path, f)), None)

    def check(self, buffers: dict[str, Buffer]) -> Snapshot:
        """Check every folder, and each open file outside them, with these buffers laid
        over the disk."""
        from rtclint.engine import overlaid

        snapshot = Snapshot(versions={path: b.version for path, b in buffers.items()})
        loose = sorted(p for p in buffers if self.folder_of(p) is None and os.path.isfile(p))
        overlay = {path: b.text.encode("utf-8") for path, b in buffers.items()}
        with CHECKING, overlaid(overlay):
            for folder in self.folders:
                self._check_one(folder, folder, snapshot)
            for path in loose:
                self._check_one(path, os.path.dirname(path), snapshot)
        return snapshot

    @staticmethod
    def _check_one(target: str, where: str, snapshot: Snapshot) -> None:
        from rtclint.engine import check

        config = settings(target, snapshot.problems)
        try:
            with working_directory(where):
                result = check([target], config, jobs=1)  # never fork: the server runs threads
        except Exception as exc:  # noqa: BLE001 - an rtclint bug must not stop the server
            snapshot.problems.append(f"rtclint: internal error checking {target}: {type(exc).__name__}: {exc}")
            return
        add_result(snapshot, result, where)


def add_result(snapshot: Snapshot, result, where: str) -> None:
    """Index a check's findings, documents and deployments by absolute path (its paths
    are shown relative to `where`)."""
    def absolute(shown: str) -> str:
        doc = result.documents.get(shown)
        return doc.abspath if doc is not None else os.path.normpath(os.path.join(where, shown))

    for shown, doc in result.documents.items():
        snapshot.documents[doc.abspath] = doc
        snapshot.deployments[doc.abspath] = (where, result.deployment_name(shown))
    for diag in result.diagnostics:
        path = absolute(diag.span.path)
        snapshot.diagnostics.setdefault(path, []).append(diag)
        snapshot.deployments.setdefault(path, (where, result.deployment_name(diag.span.path)))


def settings(target: str, problems: list[str]) -> Config:
    """The settings `rtclint check TARGET` would use; an unusable settings file is named
    in `problems` and the defaults apply (the editor still shows findings)."""
    from rtclint.config_file import ConfigError, load_config

    try:
        return load_config([target])
    except ConfigError as exc:
        problems.append(f"rtclint: {exc} (using the default settings)")
        return Config()


@contextlib.contextmanager
def working_directory(path: str):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def outermost(folders: list[str]) -> list[str]:
    """The folders, without those inside another (their files are checked with it)."""
    unique = sorted({os.path.abspath(f) for f in folders}, key=lambda f: (len(f), f))
    kept: list[str] = []
    for folder in unique:
        if not any(inside(folder, k) for k in kept):
            kept.append(folder)
    return kept
