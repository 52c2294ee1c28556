"""The language server: pygls over stdio.

Every event that can change a finding (a buffer opened, changed, saved or closed, a
watched file changed on disk, the folders changed) marks the workspace dirty and makes
sure one check is running; a check that ends with the workspace dirty again runs once
more with the newest buffers, so a burst of keystrokes costs at most two checks and the
last one always sees the last text. Checks run in a worker thread: the server keeps
reading messages meanwhile. Requests that read the findings (code actions, hover) wait
for the running check, so they answer about the text the client has.

Diagnostics are published for every file of the deployments the open files belong to
(a change in homeserver.yaml can add or clear a finding in the Caddyfile), and a file
whose deployment is no longer open has its diagnostics cleared. A file is published only
when its diagnostics changed, or when it has just been opened."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from rtclint import __version__
from rtclint.lsp import convert, features
from rtclint.lsp.checks import Buffer, Snapshot, Workspace
from rtclint.lsp.verify import Verifier

log = logging.getLogger("rtclint.lsp")
WATCH_ID = "rtclint-watched-files"


class RtclintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("rtclint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.checks = Workspace([])
        self.snapshot = Snapshot()
        # path -> (buffer version, diagnostics) last published: a client may drop a publish
        # for a version it has moved past (Helix does), so a new version is published again
        self.published: dict[str, tuple[int | None, list[lsp.Diagnostic]]] = {}
        self.fresh: set[str] = set()  # just opened: published whatever changed
        self.reported: set[str] = set()  # problems already shown to the user
        self.dirty = False
        self.runner: asyncio.Task | None = None
        self.shut_down = False

    # -- checking -------------------------------------------------------------------

    def schedule(self) -> None:
        self.dirty = True
        if self.runner is None or self.runner.done():
            self.runner = asyncio.get_running_loop().create_task(self._run())

    async def settled(self) -> None:
        """Return once no check is running or due."""
        while self.runner is not None and not self.runner.done():
            await asyncio.shield(self.runner)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self.dirty:
            self.dirty = False
            buffers = self.buffers()
            try:
                snapshot = await loop.run_in_executor(None, self.checks.check, buffers)
                self.snapshot = snapshot
                self._report(snapshot.problems)
                self._publish(snapshot, buffers)
            except Exception as exc:  # noqa: BLE001 - log it, keep serving
                log.exception("check failed")
                self.window_show_message(lsp.ShowMessageParams(
                    type=lsp.MessageType.Error, message=f"rtclint: internal error: {type(exc).__name__}: {exc}"))

    def buffers(self) -> dict[str, Buffer]:
        found = {}
        for uri, doc in self.workspace.text_documents.items():
            path = to_fs_path(uri)
            if path is not None:  # untitled: and other schemes have no file to check
                found[os.path.abspath(path)] = Buffer(doc.source, doc.version)
        return found

    def _publish(self, snapshot: Snapshot, buffers: dict[str, Buffer]) -> None:
        codec = self.workspace.position_codec
        wanted = {snapshot.deployments[p] for p in buffers if p in snapshot.deployments}
        shown = snapshot.files_of(wanted)
        fresh = self.fresh & set(buffers)
        self.fresh -= fresh  # opened after this check read the buffers: the next one publishes it
        for path in sorted(shown | set(self.published) | fresh):
            found = snapshot.diagnostics.get(path, []) if path in shown else []
            folder = snapshot.folder_of(path)
            items = [convert.diagnostic(d, snapshot, folder, codec) for d in found]
            version = snapshot.versions.get(path)
            if self.published.get(path, (version, [])) == (version, items) and path not in fresh:
                continue
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=from_fs_path(path), diagnostics=items, version=version))
            if items:
                self.published[path] = (version, items)
            else:
                self.published.pop(path, None)

    def _report(self, problems: list[str]) -> None:
        """Show each problem once while it lasts (a settings file broken again after a
        fix is shown again)."""
        self.reported &= set(problems)
        for problem in problems:
            if problem not in self.reported:
                self.reported.add(problem)
                self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Error, message=problem))

    # -- requests -------------------------------------------------------------------

    def shows_disabled_actions(self) -> bool:
        caps = self.client_capabilities.text_document
        return bool(caps and caps.code_action and caps.code_action.disabled_support)

    def versioned_edits(self) -> bool:
        caps = self.client_capabilities.workspace
        return bool(caps and caps.workspace_edit and caps.workspace_edit.document_changes)


def folders_of(params: lsp.InitializeParams) -> list[str]:
    """The client's workspace folders, else its root (rootUri, then the older rootPath)."""
    uris = [f.uri for f in params.workspace_folders or []]
    if not uris and params.root_uri:
        uris = [params.root_uri]
    paths = [to_fs_path(u) for u in uris]
    if not uris and params.root_path:
        paths = [params.root_path]
    return [p for p in paths if p and os.path.isdir(p)]


def build() -> RtclintServer:
    server = RtclintServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: RtclintServer, params: lsp.InitializeParams) -> None:
        ls.checks = Workspace(folders_of(params))

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: RtclintServer, params: lsp.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:  # else the client watches on its own, or not at all
            options = lsp.DidChangeWatchedFilesRegistrationOptions(watchers=[lsp.FileSystemWatcher(glob_pattern="**/*")])
            ls.client_register_capability(lsp.RegistrationParams(registrations=[lsp.Registration(
                id=WATCH_ID, method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)]))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RtclintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        path = to_fs_path(params.text_document.uri)
        if path is not None:
            ls.fresh.add(os.path.abspath(path))
        ls.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RtclintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RtclintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RtclintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.schedule()  # the file on disk counts again; its deployment may no longer be shown

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: RtclintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        ls.schedule()  # every check re-reads the tree from disk (settings and ignore files included)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: RtclintServer, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
        removed = {os.path.abspath(p) for p in map(to_fs_path, (f.uri for f in params.event.removed)) if p}
        added = [p for p in map(to_fs_path, (f.uri for f in params.event.added)) if p and os.path.isdir(p)]
        ls.checks = Workspace([f for f in ls.checks.folders if f not in removed] + added)
        ls.schedule()

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    async def code_action(ls: RtclintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        await ls.settled()
        path = to_fs_path(params.text_document.uri)
        if path is None:
            return []
        verdict = Verifier(ls.checks, ls.buffers(), ls.snapshot)  # may check again: off the loop
        answer = functools.partial(features.code_actions, ls.snapshot, os.path.abspath(path), params.range,
                                   ls.workspace.position_codec, ls.versioned_edits(), params.context.only,
                                   verdict, ls.shows_disabled_actions())
        return await asyncio.get_running_loop().run_in_executor(None, answer)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: RtclintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        await ls.settled()
        path = to_fs_path(params.text_document.uri)
        if path is None:
            return None
        return features.hover(ls.snapshot, os.path.abspath(path), params.position, ls.workspace.position_codec)

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: RtclintServer, params: None) -> None:
        ls.shut_down = True

    return server


def serve() -> int:
    """Talk LSP on stdin/stdout until the client says exit: 0 after a shutdown request,
    1 without one (as the protocol asks). Anything else written to stdout (a stray print)
    would corrupt the stream: the protocol gets its own copy of the descriptor and stdout
    goes to stderr."""
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="rtclint lsp: %(levelname)s %(message)s")
    server = build()
    server.start_io(sys.stdin.buffer, protocol_out)
    return 0 if server.shut_down else 1
