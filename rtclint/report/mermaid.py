"""`--output-format mermaid`: each deployment's call path as a Mermaid flowchart, for a
README or an issue (paste it into a ```mermaid block).

The hops and their states are the JSON report's `call_paths`, so the picture, the page
and the JSON always agree. A node's class is its state (`ok`, `broken`, `unknown`), with
a shape people can tell apart without colour: broken hops get a thick border, unknown
ones a dashed one. Labels are quoted, with Mermaid's entity codes for the characters
its parser would read as syntax.
"""

from __future__ import annotations

from rtclint.report.json_report import call_paths

STATE_WORDS = {"ok": "✓ works", "broken": "✗ broken", "unknown": "? unknown"}
CLASSES = (
    "  classDef ok fill:#dafbe1,stroke:#1a7f37,color:#1b1f24\n"
    "  classDef broken fill:#ffebe9,stroke:#cf222e,stroke-width:4px,color:#1b1f24\n"
    "  classDef unknown fill:#fff8c5,stroke:#6e5600,stroke-dasharray:5 4,color:#1b1f24\n"
    "  classDef client fill:#f6f8fa,stroke:#57606a,color:#1b1f24\n"
)
# Mermaid reads these inside a quoted label; its entity codes keep them text
ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "\n": " ", "\r": " "}


def render(result, config=None) -> str:
    paths = call_paths(result, config)
    lines = ["flowchart LR", CLASSES.rstrip("\n")]
    if not paths:
        lines.append('  nothing["rtclint read no file: there is no call path to draw"]')
    for index, path in enumerate(paths):
        lines += _deployment(f"d{index}", path, result.diagnostics)
    return "\n".join(lines) + "\n"


def _deployment(prefix: str, path: dict, diagnostics) -> list[str]:
    title = path["deployment"] + (f" · server_name {path['server_name']}" if path["server_name"] else "")
    out = [f'  subgraph {prefix}["{label(title)}"]', "    direction LR",
           f'    {prefix}_client(["{label("Client")}"]):::client']
    previous = f"{prefix}_client"
    for hop in path["hops"]:
        node = f"{prefix}_{hop['hop'].replace('-', '_')}"
        codes = sorted({diagnostics[i].code for i in hop["findings"]})
        text = f"{label(hop['title'])}<br/>{STATE_WORDS[hop['state']]}"
        if codes:
            text += "<br/>" + label(", ".join(codes))
        out.append(f'    {node}["{text}"]:::{hop["state"]}')
        out.append(f"    {previous} --> {node}")
        previous = node
    out.append("  end")
    return out


def label(text: str) -> str:
    """`text` as it may stand between the quotes of a Mermaid label."""
    return "".join(ENTITIES.get(ch, ch) for ch in text)
