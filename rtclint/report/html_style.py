"""The stylesheet and the state icons of the HTML report (report/html.py): inline, so the
page is one file that loads nothing. Light and dark schemes follow the reader's setting
(prefers-color-scheme); below 700 px the hops stack top to bottom."""

CSS = """
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --panel: #f6f8fa;
  --ok: #1a7f37; --ok-bg: #dafbe1; --broken: #cf222e; --broken-bg: #ffebe9;
  --unknown: #6e5600; --unknown-bg: #fff8c5; --add: #1a7f37; --del: #cf222e; --mark: #fff1a8; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #161b22;
    --ok: #3fb950; --ok-bg: #12261e; --broken: #f85149; --broken-bg: #2d1214;
    --unknown: #d29922; --unknown-bg: #2b2111; --add: #3fb950; --del: #f85149; --mark: #3b2e00; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main, header { max-width: 1180px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 28px 0 8px; overflow-wrap: anywhere; }
h3 { font-size: 1.05rem; margin: 0 0 6px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
a { color: inherit; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 13px; }
.muted { color: var(--muted); }
.summary { color: var(--muted); margin: 0 0 8px; }
.path { list-style: none; padding: 0; margin: 12px 0 20px; display: flex; align-items: stretch; gap: 0; }
.path > li { display: flex; align-items: center; }
.node { display: flex; flex-direction: column; gap: 2px; min-width: 0; flex: 1 1 0; padding: 10px 12px;
  border: 2px solid var(--line); border-radius: 10px; background: var(--panel); text-decoration: none; }
.path > li.hop, .path > li.client { flex: 1 1 0; min-width: 0; }
.path > li.hop > a { width: 100%; }
.node .name { font-weight: 600; overflow-wrap: anywhere; }
.node .state { font-size: 13px; display: flex; gap: 6px; align-items: center; }
.arrow { flex: 0 0 28px; justify-content: center; color: var(--muted); }
.arrow svg { width: 22px; height: 22px; }
[data-state="ok"] .node, .node[data-state="ok"] { border-color: var(--ok); background: var(--ok-bg); }
[data-state="broken"] .node { border-color: var(--broken); background: var(--broken-bg); border-width: 3px; }
[data-state="unknown"] .node { border-color: var(--unknown); background: var(--unknown-bg); border-style: dashed; }
.icon { width: 18px; height: 18px; flex: 0 0 18px; }
.ok { color: var(--ok); } .broken { color: var(--broken); } .unknown { color: var(--unknown); }
.badge { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; border: 1px solid currentColor; }
.detail { border: 1px solid var(--line); border-left-width: 5px; border-radius: 8px; padding: 12px 14px;
  margin: 12px 0; background: var(--bg); }
.detail[data-state="ok"] { border-left-color: var(--ok); }
.detail[data-state="broken"] { border-left-color: var(--broken); }
.detail[data-state="unknown"] { border-left-color: var(--unknown); }
.reason { margin: 4px 0 8px; overflow-wrap: anywhere; }
.requests { width: 100%; border-collapse: collapse; margin: 6px 0; font-size: 14px; }
.requests td { padding: 3px 6px; border-top: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
.requests td:first-child { white-space: nowrap; font-weight: 600; width: 1%; }
.places { margin: 6px 0; padding-left: 18px; overflow-wrap: anywhere; }
.finding { border-top: 1px solid var(--line); padding-top: 8px; margin-top: 8px; }
.finding p { margin: 0 0 6px; overflow-wrap: anywhere; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 12px; }
.sev-error { color: var(--broken); } .sev-warning { color: var(--unknown); } .sev-info { color: var(--muted); }
pre { margin: 6px 0; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; overflow-x: auto; line-height: 1.45; }
pre .ln { color: var(--muted); user-select: none; display: inline-block; min-width: 3ch; text-align: right;
  margin-right: 10px; }
pre .hit { background: var(--mark); display: inline-block; min-width: 100%; }
pre .add { color: var(--add); } pre .del { color: var(--del); } pre .hunk { color: var(--muted); }
details > summary { cursor: pointer; color: var(--muted); }
footer { max-width: 1180px; margin: 24px auto; padding: 0 16px; color: var(--muted); font-size: 13px; }
@media (max-width: 700px) {
  .path { flex-direction: column; }
  .path > li.hop, .path > li.client { flex: none; }
  .arrow { flex: 0 0 24px; }
  .arrow svg { transform: rotate(90deg); }
  .requests tr { display: block; border-top: 1px solid var(--line); padding: 4px 0; }
  .requests td { display: block; border-top: none; padding: 1px 6px; }
  .requests td:first-child { width: auto; }
  body { font-size: 14px; }
}
"""

ARROW = ('<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 12h14m-5-5 5 5-5 5" fill="none" '
         'stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>')

ICONS = {
    "ok": '<path d="M6 12.5l4 4 8-9" fill="none" stroke="currentColor" stroke-width="2.5" '
          'stroke-linecap="round" stroke-linejoin="round"/>',
    "broken": '<path d="M7 7l10 10M17 7 7 17" fill="none" stroke="currentColor" stroke-width="2.5" '
              'stroke-linecap="round"/>',
    "unknown": '<path d="M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6" fill="none" stroke="currentColor" '
               'stroke-width="2.2" stroke-linecap="round"/><circle cx="12" cy="17" r="1.3" fill="currentColor"/>',
}


def icon(state: str) -> str:
    return (f'<svg class="icon {state}" viewBox="0 0 24 24" aria-hidden="true">'
            f'<circle cx="12" cy="12" r="10.5" fill="none" stroke="currentColor" stroke-width="1.5"/>'
            f'{ICONS[state]}</svg>')
