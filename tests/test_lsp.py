"""`rtclint lsp` as an editor sees it: a real LSP client (pygls's LanguageClient) talks
JSON-RPC over stdio to a `python -m rtclint lsp` subprocess.

Nothing here is timed: a test waits for a specific notification (with a generous limit
that only a hung server reaches), and a request that reads the findings (hover, code
action) is a barrier: the server answers it after the check of every event sent before
it, and publishes that check's diagnostics before the answer, so once the answer is in,
everything that check published has arrived too."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from conftest import ROOT
from trees import write

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "rules")
RTC105_TREE = os.path.join(FIXTURES, "RTC105", "caddy-new-site-block", "tree")
RTC900_TREE = os.path.join(FIXTURES, "RTC900", "compose-environment", "tree")
SECRET = "4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e"  # the LiveKit secret written in RTC900's tree
WAIT = 300  # seconds: only a hung server gets there (the machine is shared and slow)


class Editor:
    """The client side of one session: what the server published, per file."""

    def __init__(self, root: str | None, capabilities: lsp.ClientCapabilities | None = None) -> None:
        self.root = root
        self.capabilities = capabilities or lsp.ClientCapabilities()
        self.client = LanguageClient("rtclint-tests", "1")
        self.shown: dict[str, list[lsp.Diagnostic]] = {}  # path -> the diagnostics last published
        self.publishes: list[lsp.PublishDiagnosticsParams] = []
        self.messages: list[lsp.ShowMessageParams] = []
        self.registrations: list[lsp.Registration] = []
        self.received: list[object] = []  # everything the server sent, for the secrets check
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self.changed = asyncio.Condition()
        self.returncode: int | None = None
        self._listen()

    def _listen(self) -> None:
        client = self.client

        @client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        async def published(params: lsp.PublishDiagnosticsParams) -> None:
            async with self.changed:
                self.received.append(params)
                self.publishes.append(params)
                self.shown[os.path.abspath(uri_path(params.uri))] = list(params.diagnostics)
                self.changed.notify_all()

        @client.feature(lsp.WINDOW_SHOW_MESSAGE)
        async def message(params: lsp.ShowMessageParams) -> None:
            async with self.changed:
                self.received.append(params)
                self.messages.append(params)
                self.changed.notify_all()

        @client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        async def register(params: lsp.RegistrationParams) -> None:
            async with self.changed:
                self.registrations += params.registrations
                self.changed.notify_all()

    async def start(self) -> lsp.InitializeResult:
        # the server runs from elsewhere: the workspace root must come from the client
        await self.client.start_io(sys.executable, "-m", "rtclint", "lsp", cwd=os.path.dirname(ROOT))
        result = await asyncio.wait_for(self.client.initialize_async(lsp.InitializeParams(
            capabilities=self.capabilities, root_uri=from_fs_path(self.root) if self.root else None,
            process_id=os.getpid())), WAIT)
        self.client.initialized(lsp.InitializedParams())
        self.capabilities_of_server = result.capabilities
        return result

    async def stop(self) -> int:
        await asyncio.wait_for(self.client.shutdown_async(None), WAIT)
        self.client.exit(None)
        server = self.client._server
        assert server is not None
        self.returncode = await asyncio.wait_for(server.wait(), WAIT)
        await self.client.stop()
        return self.returncode

    async def wait(self, condition, what: str):
        """Until `condition()` holds after some message from the server."""
        async with self.changed:
            try:
                await asyncio.wait_for(self.changed.wait_for(condition), WAIT)
            except asyncio.TimeoutError:
                raise AssertionError(f"the server never {what}; shown: {self.codes_shown()}") from None

    async def published(self, path: str, condition=lambda codes: True, what: str = "") -> list[lsp.Diagnostic]:
        """The diagnostics of `path` once the last ones published for it satisfy
        `condition(codes)`."""
        path = os.path.abspath(path)
        await self.wait(lambda: path in self.shown and condition(codes(self.shown[path])),
                        f"published {what or 'diagnostics'} for {path}")
        return self.shown[path]

    def codes_shown(self) -> dict[str, list[str]]:
        return {os.path.basename(p): codes(d) for p, d in self.shown.items()}

    # -- the editor's buffers ------------------------------------------------------------

    def open(self, path: str, text: str | None = None) -> None:
        text = read(path) if text is None else text
        self.versions[path], self.texts[path] = 1, text
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(
            uri=from_fs_path(path), language_id="plaintext", version=1, text=text)))

    def replace(self, path: str, old: str, new: str) -> None:
        """Type over the first `old` in the buffer: an incremental change of that range."""
        text = self.texts[path]
        start = text.index(old)
        rng = lsp.Range(start=position_of(text, start), end=position_of(text, start + len(old)))
        self.versions[path] += 1
        self.texts[path] = text[:start] + new + text[start + len(old):]
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=from_fs_path(path), version=self.versions[path]),
            content_changes=[lsp.TextDocumentContentChangePartial(range=rng, text=new)]))

    def apply(self, edit: lsp.WorkspaceEdit) -> None:
        """Apply a workspace edit to the open buffers, as an editor does, and tell the
        server (whole-text changes)."""
        changes = [(c.text_document.uri, c.text_document.version, c.edits) for c in edit.document_changes or []]
        changes += [(uri, None, edits) for uri, edits in (edit.changes or {}).items()]
        for uri, version, edits in changes:
            path = os.path.abspath(uri_path(uri))
            assert version is None or version == self.versions[path], "an edit for another version of the buffer"
            self.texts[path] = apply_text_edits(self.texts[path], edits)
            self.versions[path] += 1
            self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[path]),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=self.texts[path])]))

    def close(self, path: str) -> None:
        self.client.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(from_fs_path(path))))

    async def hover(self, path: str, where: lsp.Position) -> lsp.Hover | None:
        found = await asyncio.wait_for(self.client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(from_fs_path(path)), where)), WAIT)
        self.received.append(found)
        return found

    async def actions(self, path: str, diag: lsp.Diagnostic) -> list[lsp.CodeAction]:
        found = await asyncio.wait_for(self.client.text_document_code_action_async(lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(from_fs_path(path)), diag.range,
            lsp.CodeActionContext(diagnostics=[diag]))), WAIT)
        self.received.append(found)
        return list(found or [])

    async def barrier(self, path: str) -> None:
        await self.hover(path, lsp.Position(line=0, character=0))


def codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def uri_path(uri: str) -> str:
    from pygls.uris import to_fs_path

    return to_fs_path(uri)


def read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def position_of(text: str, offset: int) -> lsp.Position:
    """LSP position (UTF-16 columns) of a character offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return lsp.Position(line=line, character=len(text[start:offset].encode("utf-16-le")) // 2)


def offset_of(text: str, where: lsp.Position) -> int:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: where.line])
    units, i, line = 0, 0, lines[where.line] if where.line < len(lines) else ""
    while units < where.character and i < len(line):
        units += len(line[i].encode("utf-16-le")) // 2
        i += 1
    return start + i


def apply_text_edits(text: str, edits) -> str:
    """LSP semantics: every range is on the original text; apply from the end."""
    spans = sorted(((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def session(root, test, capabilities=None) -> int:
    """Run `await test(editor)` in a started session; returns the server's exit code."""

    async def main() -> int:
        editor = Editor(root, capabilities)
        await editor.start()
        try:
            await test(editor)
        finally:
            code = await editor.stop()
        return code

    return asyncio.run(main())


def copy_tree(source: str, target) -> str:
    target = str(target)
    shutil.copytree(source, target)
    return target


FULL_CLIENT = lsp.ClientCapabilities(workspace=lsp.WorkspaceClientCapabilities(
    workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True),
    did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)))


def test_cross_file_the_server_name_in_homeserver_yaml_clears_rtc105_in_the_caddyfile(tmp_path):
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    caddyfile, homeserver = os.path.join(root, "Caddyfile"), os.path.join(root, "homeserver.yaml")
    on_disk = read(homeserver)

    async def test(ed: Editor) -> None:
        ed.open(caddyfile)
        found = await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105")
        others = await ed.published(homeserver, lambda c: "RTC512" in c, "the other file of the deployment")
        assert next(d for d in others if d.code == "RTC512").severity == lsp.DiagnosticSeverity.Information
        rtc105 = next(d for d in found if d.code == "RTC105")
        assert (rtc105.range.start.line, rtc105.source, rtc105.severity) == (2, "rtclint", lsp.DiagnosticSeverity.Error)
        assert rtc105.code_description.href.endswith("/rules/RTC105.md")
        related = rtc105.related_information[0].location
        assert related.uri == from_fs_path(homeserver) and related.range.start.line == 0  # server_name

        ed.open(homeserver)
        ed.replace(homeserver, 'server_name: "example.com"', 'server_name: "matrix.example.com"')
        await ed.published(caddyfile, lambda c: "RTC105" not in c, "the Caddyfile without RTC105")
        assert read(homeserver) == on_disk  # the unsaved buffer was checked, the file untouched

        ed.close(homeserver)  # the buffer is gone: the file on disk counts again
        await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105 again after the buffer closed")

        with open(homeserver, "w", encoding="utf-8") as fh:  # saved by another program
            fh.write(on_disk.replace('"example.com"', '"matrix.example.com"'))
        ed.client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
            lsp.FileEvent(uri=from_fs_path(homeserver), type=lsp.FileChangeType.Changed)]))
        await ed.published(caddyfile, lambda c: "RTC105" not in c, "the Caddyfile re-read after the watched change")

    assert session(root, test) == 0


def test_code_action_hover_and_registration(tmp_path):
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    caddyfile = os.path.join(root, "Caddyfile")
    page = subprocess.run([sys.executable, "-m", "rtclint", "rule", "RTC105"], capture_output=True, text=True,
                          timeout=120, check=True).stdout

    async def test(ed: Editor) -> None:
        caps = ed.capabilities_of_server
        assert caps.hover_provider and list(caps.code_action_provider.code_action_kinds) == [lsp.CodeActionKind.QuickFix]
        assert caps.text_document_sync.change == lsp.TextDocumentSyncKind.Incremental and caps.text_document_sync.save
        assert caps.position_encoding == lsp.PositionEncodingKind.Utf16  # the client named none
        await ed.wait(lambda: ed.registrations, "registered its file watchers")
        assert ed.registrations[0].method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
        ed.open(caddyfile)
        found = await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105")
        rtc105 = next(d for d in found if d.code == "RTC105")

        hover = await ed.hover(caddyfile, rtc105.range.start)
        assert hover.contents.kind == lsp.MarkupKind.Markdown
        assert hover.contents.value.strip() == page.strip()  # as `rtclint rule RTC105` prints it
        assert await ed.hover(caddyfile, lsp.Position(line=1, character=1)) is None  # no finding there

        actions = await ed.actions(caddyfile, rtc105)
        assert len(actions) == 1, actions
        action = actions[0]
        assert "unsafe" in action.title and not action.is_preferred and action.kind == lsp.CodeActionKind.QuickFix
        assert [c.text_document.version for c in action.edit.document_changes] == [1]  # the buffer it was made for
        ed.apply(action.edit)
        await ed.published(caddyfile, lambda c: "RTC105" not in c, "the Caddyfile without RTC105 once fixed")
        assert "example.com {" in ed.texts[caddyfile].split("\n", 4)[-1]

    assert session(root, test, FULL_CLIENT) == 0


def test_a_safe_fix_is_preferred_and_no_secret_is_sent(tmp_path):
    root = copy_tree(RTC900_TREE, tmp_path / "tree")
    compose, livekit = os.path.join(root, "docker-compose.yml"), os.path.join(root, "livekit.yaml")

    async def test(ed: Editor) -> None:
        ed.open(compose)
        found = await ed.published(compose, lambda c: "RTC900" in c, "RTC900")
        rtc900 = next(d for d in found if d.code == "RTC900")
        assert "****" in rtc900.message and rtc900.severity == lsp.DiagnosticSeverity.Warning
        ed.open(livekit)
        rtc408 = next(d for d in await ed.published(livekit, lambda c: "RTC408" in c, "RTC408") if d.code == "RTC408")
        await ed.hover(compose, next(d for d in found if d.code == "RTC900").range.start)
        actions = await ed.actions(livekit, rtc408)
        assert actions and actions[0].is_preferred and "unsafe" not in actions[0].title
        ed.apply(actions[0].edit)
        await ed.published(livekit, lambda c: "RTC408" not in c, "livekit.yaml without RTC408 once fixed")

    editor_log: list = []

    async def recorded(ed: Editor) -> None:
        await test(ed)
        editor_log.extend(ed.received)

    assert session(root, recorded, FULL_CLIENT) == 0
    converter = LanguageClient("x", "1").protocol._converter
    sent = json.dumps([converter.unstructure(item) for item in editor_log])
    assert "RTC900" in sent and SECRET not in sent


def test_a_burst_of_changes_ends_on_the_last_text(tmp_path):
    """Changes sent faster than the server checks: whatever it checks in between, once it
    has caught up (the hover barrier) the findings are those of the last text."""
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    caddyfile, homeserver = os.path.join(root, "Caddyfile"), os.path.join(root, "homeserver.yaml")
    ours, delegated = 'server_name: "matrix.example.com"', 'server_name: "example.com"'

    async def test(ed: Editor) -> None:
        ed.open(caddyfile)
        ed.open(homeserver)
        await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105")
        for last, want in ((ours, False), (delegated, True)):
            for i in range(15):  # an odd count: the burst ends on `last`
                new = last if i % 2 == 0 else (delegated if last == ours else ours)
                old = delegated if new == ours else ours
                ed.replace(homeserver, old, new)
            await ed.published(caddyfile, lambda c: ("RTC105" in c) == want, f"RTC105 {'back' if want else 'gone'}")
            await ed.barrier(caddyfile)
            assert ("RTC105" in codes(ed.shown[caddyfile])) == want
            # same findings in homeserver.yaml all along, but published again for the last
            # version: a client drops a publish for a version it has moved past (Helix does)
            last = [p for p in ed.publishes if os.path.abspath(uri_path(p.uri)) == homeserver][-1]
            assert last.version == ed.versions[homeserver] and "RTC512" in codes(last.diagnostics)

    assert session(root, test) == 0


def test_saving_rechecks_the_deployment_from_disk(tmp_path):
    """A save re-reads the tree: a file changed on disk beside the saved one (not open,
    not watched) counts from then on."""
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    caddyfile, homeserver = os.path.join(root, "Caddyfile"), os.path.join(root, "homeserver.yaml")

    async def test(ed: Editor) -> None:
        ed.open(caddyfile)
        await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105")
        write(root, {"homeserver.yaml": read(homeserver).replace('"example.com"', '"matrix.example.com"')})
        ed.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(from_fs_path(caddyfile))))
        await ed.published(caddyfile, lambda c: "RTC105" not in c, "the Caddyfile without RTC105 after the save")

    assert session(root, test) == 0


def test_a_parse_failure_is_a_diagnostic_and_the_server_goes_on(tmp_path):
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    caddyfile = os.path.join(root, "Caddyfile")

    async def test(ed: Editor) -> None:
        ed.open(caddyfile)
        await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105")
        ed.replace(caddyfile, "matrix.example.com {", "matrix.example.com {{{")
        broken = await ed.published(caddyfile, lambda c: "RTC001" in c, "RTC001 for the broken buffer")
        assert next(d for d in broken if d.code == "RTC001").severity == lsp.DiagnosticSeverity.Error
        ed.replace(caddyfile, "matrix.example.com {{{", "matrix.example.com {")
        await ed.published(caddyfile, lambda c: "RTC001" not in c and "RTC105" in c, "the repaired Caddyfile")

    assert session(root, test) == 0


def test_only_the_deployments_of_open_files_are_shown(tmp_path):
    """Two deployments side by side: opening one shows its files, not the other's;
    closing it clears what it showed."""
    root = str(tmp_path / "repo")
    prod, staging = copy_tree(RTC105_TREE, os.path.join(root, "prod")), copy_tree(RTC105_TREE, os.path.join(root, "staging"))

    async def test(ed: Editor) -> None:
        ed.open(os.path.join(prod, "Caddyfile"))
        await ed.published(os.path.join(prod, "homeserver.yaml"), lambda c: "RTC512" in c, "prod's homeserver")
        await ed.barrier(os.path.join(prod, "Caddyfile"))
        assert not any(p.startswith(staging + os.sep) for p in ed.shown), ed.shown.keys()
        ed.open(os.path.join(staging, "Caddyfile"))
        await ed.published(os.path.join(staging, "Caddyfile"), lambda c: "RTC105" in c, "staging's RTC105")
        ed.close(os.path.join(prod, "Caddyfile"))
        await ed.published(os.path.join(prod, "homeserver.yaml"), lambda c: not c, "prod's findings cleared")
        await ed.published(os.path.join(prod, "Caddyfile"), lambda c: not c, "prod's findings cleared")
        await ed.barrier(os.path.join(staging, "Caddyfile"))
        assert "RTC105" in codes(ed.shown[os.path.join(staging, "Caddyfile")])

    assert session(root, test) == 0


def test_the_folder_settings_and_ignore_files_are_honoured(tmp_path):
    root = copy_tree(RTC105_TREE, tmp_path / "tree")
    write(root, {".rtclint.toml": 'ignore = ["RTC512"]\n', ".gitignore": "old/\n",
                 "old/Caddyfile": read(os.path.join(root, "Caddyfile"))})

    async def test(ed: Editor) -> None:
        ed.open(os.path.join(root, "Caddyfile"))
        await ed.published(os.path.join(root, "Caddyfile"), lambda c: "RTC105" in c, "RTC105")
        ed.open(os.path.join(root, "old", "Caddyfile"))  # ignored: checked by nobody, shown empty
        assert await ed.published(os.path.join(root, "old", "Caddyfile"), what="the ignored file") == []
        await ed.barrier(os.path.join(root, "Caddyfile"))
        assert "RTC512" not in codes(ed.shown.get(os.path.join(root, "homeserver.yaml"), []))

        write(root, {".rtclint.toml": 'ignore = ["RTC512"]\nbogus = 1\n'})
        ed.client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
            lsp.FileEvent(uri=from_fs_path(os.path.join(root, ".rtclint.toml")), type=lsp.FileChangeType.Changed)]))
        await ed.wait(lambda: ed.messages, "said the settings file is unusable")
        assert ".rtclint.toml" in ed.messages[0].message and ed.messages[0].type == lsp.MessageType.Error
        await ed.published(os.path.join(root, "homeserver.yaml"), lambda c: "RTC512" in c, "RTC512 (defaults)")

    assert session(root, test) == 0


def test_a_file_outside_the_folders_is_checked_alone_until_its_folder_is_added(tmp_path):
    """`rtclint check Caddyfile` alone sees no homeserver, so no RTC105; once the client
    adds the folder (workspace/didChangeWorkspaceFolders) the tree around it counts."""
    elsewhere = copy_tree(RTC105_TREE, tmp_path / "elsewhere")
    caddyfile = os.path.join(elsewhere, "Caddyfile")
    os.makedirs(tmp_path / "root")

    async def test(ed: Editor) -> None:
        ed.open(caddyfile)
        await ed.published(caddyfile, what="the loose Caddyfile")
        await ed.barrier(caddyfile)
        assert "RTC105" not in codes(ed.shown[caddyfile])
        ed.client.workspace_did_change_workspace_folders(lsp.DidChangeWorkspaceFoldersParams(
            event=lsp.WorkspaceFoldersChangeEvent(
                added=[lsp.WorkspaceFolder(uri=from_fs_path(elsewhere), name="elsewhere")], removed=[])))
        await ed.published(caddyfile, lambda c: "RTC105" in c, "RTC105 once its folder is in the workspace")
        ed.client.workspace_did_change_workspace_folders(lsp.DidChangeWorkspaceFoldersParams(
            event=lsp.WorkspaceFoldersChangeEvent(
                added=[], removed=[lsp.WorkspaceFolder(uri=from_fs_path(elsewhere), name="elsewhere")])))
        await ed.published(caddyfile, lambda c: "RTC105" not in c, "the Caddyfile alone again")

    assert session(str(tmp_path / "root"), test) == 0


def test_exit_without_shutdown_is_exit_code_1(tmp_path):
    async def main() -> int:
        ed = Editor(str(tmp_path))
        await ed.start()
        ed.client.exit(None)
        code = await asyncio.wait_for(ed.client._server.wait(), WAIT)
        await ed.client.stop()
        return code

    assert asyncio.run(main()) == 1


@pytest.mark.parametrize("argv", [["lsp", "--help"]])
def test_the_command_is_listed(argv):
    proc = subprocess.run([sys.executable, "-m", "rtclint", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "--stdio" in proc.stdout
