"""`rtclint lsp`: the checks of `rtclint check` as a language server (LSP over stdio).

- `checks`: the workspace as rtclint sees it: its folders, the open buffers laid over the
  files on disk (`engine.overlaid`), one check per folder with that folder's settings, the
  findings indexed by file and by deployment;
- `convert`: findings, related locations and fixes as LSP diagnostics and workspace
  edits (positions in the code units the client asked for);
- `features`: what a request answers: the code actions of a range, the hover of a
  position;
- `verify`: whether a fix is one to apply (it leaves its files parseable and brings no
  new finding), judged in memory as `--fix` judges its fixes;
- `server`: the pygls server: document and watched-file events schedule a check, its
  findings are published for the deployments of the open files.

pygls and lsprotocol are imported only here, and only by `rtclint lsp`.
"""
