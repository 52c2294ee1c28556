"""Step 1 of the pipeline: find the files to check and decide each one's kind.

A file's kind is a format (caddy, nginx, haproxy, yaml, env, json). It comes from the
name when the name tells, else from the content. Files named on the command line are
always checked; files found by walking a directory are checked only when their kind is
known, and `.gitignore`d or excluded paths are skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rtclint.sniff import BY_YAML_NAME, FOREIGN_NAMES, kind_from_content

TYPE_CHECKING = False
if TYPE_CHECKING:
    from rtclint.ignore import GitIgnore

SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".rtclint_cache",
             ".pytest_cache", ".hypothesis", ".mypy_cache", ".tox"}
SNIFF_BYTES = 16384


@dataclass(slots=True)
class Candidate:
    """A file the run will read: its display path, its kind (None when unknown), and why it cannot be read."""

    path: str  # display path
    abspath: str
    kind: str | None  # None: unknown (explicit file that no sniffing recognised)
    explicit: bool = False
    problem: str | None = None  # why it cannot be read (RTC002), decided without opening it


def display_path(abspath: str, cwd: str | None = None) -> str:
    """The path as shown in reports: relative to the working directory when inside it."""
    cwd = cwd or os.getcwd()
    inside = cwd.rstrip(os.sep) + os.sep
    normal = os.path.normpath(abspath) == abspath
    if normal and len(abspath) > len(inside) and abspath.startswith(inside):
        rel = abspath[len(inside):]  # the common case, without relpath's two abspath() calls
    elif normal and os.path.isabs(abspath) and abspath + os.sep != inside and not abspath.startswith(inside):
        return abspath.replace(os.sep, "/")  # outside: relpath would climb out with '..'
    else:
        rel = os.path.relpath(abspath, cwd)
    if rel.startswith(".." + os.sep) or rel == "..":
        rel = abspath
    return rel.replace(os.sep, "/")


# Templates and copies to fill in, read as the file they stand for (parsers/template.py):
# suffix -> how its placeholders are written
TEMPLATE_SUFFIXES = {".j2": "jinja", ".jinja2": "jinja", ".jinja": "jinja", ".tmpl": "jinja", ".tpl": "jinja",
                     ".template": "envsubst", ".sample": "sample", ".example": "sample", ".dist": "sample"}
_TEMPLATE_KINDS = ("caddy", "nginx", "haproxy", "yaml", "toml", "json")


def template_of(path: str) -> tuple[str, str] | None:
    """(the path of the file a template stands for, its placeholder style), or None for
    a name that is no template. `.env.example` and friends stay env files (envfile.py)."""
    lower = os.path.basename(path).lower()
    suffix = os.path.splitext(lower)[1]
    style = TEMPLATE_SUFFIXES.get(suffix)
    if style is None or lower.startswith(".env") or lower == suffix:
        return None
    return path[:-len(suffix)], style


def kind_from_name(path: str) -> str | None:
    """The kind a file name implies, or None when only the content can tell."""
    name = os.path.basename(path)
    lower = name.lower()
    template = template_of(path)
    if template is not None:
        stem = template[0]
        return "template" if kind_from_name(stem) in _TEMPLATE_KINDS or _needs_content(stem) else None
    parent = os.path.basename(os.path.dirname(path)).lower()
    firewall = _firewall_kind(lower, parent)
    if firewall:
        return firewall
    if lower in FOREIGN_NAMES or (lower.startswith(tuple(BY_YAML_NAME)) and lower.endswith((".yml", ".yaml"))):
        return "foreign"
    if lower.startswith("caddyfile") or lower.endswith((".caddy", ".caddyfile")):
        return "caddy"
    if lower in ("nginx.conf",) or lower.endswith(".nginx") or (lower.startswith("nginx") and lower.endswith(".conf")):
        return "nginx"
    if lower.startswith("haproxy") and lower.endswith((".cfg", ".conf")):
        return "haproxy"
    if lower.endswith((".yml", ".yaml")):
        return "yaml"
    if lower.endswith(".nix"):
        return "nix"
    if lower.endswith(".toml") and lower not in ("pyproject.toml", "rtclint.toml", ".rtclint.toml", "cargo.toml"):
        return "toml"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "env"
    if parent == "matrix" and lower in ("client", "server") and "/.well-known/" in path.replace(os.sep, "/"):
        return "json"
    if lower == "config.json" or lower.endswith((".well-known.json", "well-known-client.json")):
        return "json"
    return None


def _firewall_kind(lower: str, parent: str) -> str | None:
    """Host firewall files by the names their tools give them (parsers/firewall_*.py)."""
    if lower == "nftables.conf" or lower.endswith(".nft"):
        return "nftables"
    if lower in ("rules.v4", "rules.v6") or lower.startswith(("iptables-save", "ip6tables-save")):
        return "iptables"
    if lower in ("user.rules", "user6.rules", "before.rules", "before6.rules", "after.rules", "after6.rules",
                 "ufw.conf") or (lower == "ufw" and parent == "default"):
        return "ufw"
    if (parent == "zones" and lower.endswith(".xml")) or lower == "firewalld.conf":
        return "firewalld"
    return None


def _needs_content(path: str) -> bool:
    lower = os.path.basename(path).lower()
    if _firewall_kind(lower, os.path.basename(os.path.dirname(path)).lower()):
        return False  # nftables.conf, ufw.conf, firewalld.conf: the name says it
    return lower.endswith((".conf", ".cfg")) or lower in ("default",) or "/sites-" in path.replace(os.sep, "/")


def _may_be_foreign(path: str) -> bool:
    """Files whose name alone says nothing but that may hold a config rtclint cannot
    model (RTC004): Lua scripts, Caddy's JSON config, an Element Call `config.json` that
    is really Caddy's. Other `.json` files are not opened (a JavaScript tree has many)."""
    lower = os.path.basename(path).lower()
    return lower.endswith(".lua") or (lower.endswith(".json") and "caddy" in lower) or \
        lower in ("config.json", "vars.yml", "vars.yaml")


def _sniff(abspath: str) -> str | None:
    try:
        with open(abspath, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None
    return kind_from_content(head.decode("utf-8", "replace"), os.path.basename(abspath))


def _special_file_problem(abspath: str, root_real: str | None, entry: os.DirEntry | None = None) -> str | None:
    """Why a path cannot be read, decided from stat only: never opens FIFOs or devices.
    `entry`: the walk's directory entry for the path, whose file type the listing gave."""
    try:
        st = os.stat(abspath) if entry is None else entry.stat()
    except FileNotFoundError:
        return "broken symlink" if os.path.islink(abspath) else "file not found"
    except OSError as exc:
        return f"cannot stat: {exc.strerror}"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (FIFO, socket or device)"
    if root_real is not None and (os.path.islink(abspath) if entry is None else entry.is_symlink()):
        real = os.path.realpath(abspath)
        if not (real == root_real or real.startswith(root_real + os.sep)):
            return "symlink points outside the checked tree"
    if not os.access(abspath, os.R_OK):
        return "permission denied"
    return None


class _Ignore:
    """.gitignore files (each applies below its own directory) plus configured excludes,
    kept by directory: a path asks only the directories above it (its depth, not the
    number of .gitignore files in the tree)."""

    def __init__(self, root: str, excludes: Iterable[str]) -> None:
        self.root = root
        self.specs: dict[str, list[GitIgnore]] = {}
        patterns = list(excludes)
        if patterns:
            self.specs[root] = [_compile(patterns)]

    def add_gitignore(self, directory: str) -> None:
        path = os.path.join(directory, ".gitignore")
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                lines = fh.read().splitlines()
        except OSError:
            return
        self.specs.setdefault(directory, []).append(_compile(lines))

    def ignored(self, abspath: str, is_dir: bool) -> bool:
        """Git's precedence: the patterns of the deepest `.gitignore` that says anything
        about the path decide (the excludes count as the root's). Only the directories
        above the path are asked; the walk never enters an ignored directory, so a path's
        parents are already decided."""
        if not self.specs:
            return False
        bases = []
        base = abspath
        while base != self.root and len(base) > len(self.root):
            base = os.path.dirname(base)
            if base in self.specs:
                bases.append(base)
        decision = None
        for base in reversed(bases):  # root first, deepest last
            rel = abspath[len(base):].lstrip(os.sep).replace(os.sep, "/") + ("/" if is_dir else "")
            for spec in self.specs[base]:
                said = spec.decide(rel)
                decision = decision if said is None else said
        return bool(decision)


def _compile(lines: list[str]) -> GitIgnore:
    from rtclint.ignore import GitIgnore  # pathspec only for trees that have patterns

    return GitIgnore(lines)


def discover(paths: Iterable[str], excludes: Iterable[str] = ()) -> list[Candidate]:
    """All files to check under `paths`, in a stable order, each with its kind."""
    found: dict[str, Candidate] = {}
    excludes = list(excludes)
    cwd = os.getcwd()  # what the display paths are relative to, asked once
    for given in paths:
        abspath = os.path.abspath(given)
        if os.path.isdir(abspath):
            for cand in _walk(abspath, excludes, cwd):
                found.setdefault(cand.abspath, cand)
        else:
            found[abspath] = _explicit(abspath, cwd)
    return sorted(found.values(), key=lambda c: c.path)


def _explicit(abspath: str, cwd: str) -> Candidate:
    problem = _special_file_problem(abspath, None)
    kind = kind_from_name(abspath)
    if problem is None and (kind is None or _needs_content(abspath)):
        kind = _sniff(abspath) or kind
    return Candidate(display_path(abspath, cwd), abspath, kind, explicit=True, problem=problem)


def _walk(root: str, excludes: list[str], cwd: str) -> Iterator[Candidate]:
    root_real = os.path.realpath(root)
    ignore = _Ignore(root, excludes)
    seen_dirs: set[str] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        real = os.path.realpath(directory)
        if real in seen_dirs or not (real == root_real or real.startswith(root_real + os.sep)):
            continue  # symlink loop, or a directory link leaving the tree: not followed
        seen_dirs.add(real)
        ignore.add_gitignore(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:
            continue  # removed while walking: nothing to say
        except OSError as exc:  # RTC002: what is inside was not checked, and the report says so
            why = exc.strerror or type(exc).__name__
            problem = f"it is a directory that cannot be listed ({why}), so nothing under it was checked"
            yield Candidate(display_path(directory, cwd), directory, None, problem=problem)
            continue
        for entry in entries:
            full = entry.path
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in SKIP_DIRS and not ignore.ignored(full, True):
                    stack.append(full)
                continue
            if ignore.ignored(full, False):
                continue
            cand = _candidate(entry, root_real, cwd)
            if cand is not None:
                yield cand


def _candidate(entry: os.DirEntry, root_real: str, cwd: str) -> Candidate | None:
    abspath = entry.path
    kind = kind_from_name(abspath)
    if kind == "template" and os.path.lexists(template_of(abspath)[0]):  # type: ignore[index]
        return None  # the real file is in the tree: the template or sample would say it twice
    foreign = _may_be_foreign(abspath)
    if kind is None and not (foreign or _needs_content(abspath)):
        return None
    problem = _special_file_problem(abspath, root_real, entry)
    if problem is None and foreign:
        kind = "foreign" if _sniff(abspath) == "foreign" else kind
    elif problem is None and _needs_content(abspath):
        kind = _sniff(abspath) if kind is None else kind
        if kind not in ("nginx", "haproxy", "caddy", "foreign"):
            return None
    if kind is None:
        return None
    return Candidate(display_path(abspath, cwd), abspath, kind, problem=problem)
