"""The configs to replay: every proxy config in tests/fixtures and the shared upstream
corpus (read in place; Traefik: its file-provider configs, the Compose files whose
services carry Traefik labels and the Kubernetes files with IngressRoutes, Ingresses or
HTTPRoutes), and the generated variants."""

from __future__ import annotations

import os

from rtclint.discover import kind_from_name
from rtclint.sniff import kind_from_content

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "upstream")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/corpus/upstream"
PROXIES = ("nginx", "haproxy", "caddy", "traefik")


def proxy_kind(path: str) -> str | None:
    from tools.replay.traefik import has_labels, is_dynamic, kube_kind

    # Compose labels and IngressRoutes too: Traefik's docker and kubernetescrd providers
    if is_dynamic(path) or has_labels(path) or kube_kind(path):
        return "traefik"
    kind = kind_from_name(path)
    if kind is None:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                kind = kind_from_content(fh.read(65536), os.path.basename(path))
        except OSError:
            return None
    return kind if kind in PROXIES else None


def files_under(top: str) -> list[str]:
    out = []
    for base, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".json", ".md", ".py")):
                continue
            out.append(os.path.join(base, name))
    return out


def corpus() -> list[tuple[str, str]]:
    """(kind, path) of every proxy config of the tests and the upstream corpus."""
    found = []
    for top in (os.path.join(ROOT, "tests", "fixtures"), SHARED):
        for path in files_under(top):
            kind = proxy_kind(path)
            if kind is not None:
                found.append((kind, path))
    return found
